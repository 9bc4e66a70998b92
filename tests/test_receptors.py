"""Receptors: a `tau_syn` list makes one synaptic current per entry; each input
Connection chooses its current with `receptor=`. Checked against the hand-derived
membrane response (a sum of differences of exponentials) in both engines."""

import jax
import numpy as np
import pytest
from scipy.optimize import brentq

import snnlab
from snnlab.core import event_trace_count, trace_count
from snnlab.core._receptor_crossing import receptors_crossing, receptors_u
from snnlab.generators import DCGenerator, SpikeGenerator
from snnlab.neurons import GLIF3PSC, LIF, ExpLIF

# (time ms, weight pA, receptor): excitation on the fast receptor, inhibition on the slow
KICKS = ((1.0, 500.0, 0), (5.0, 500.0, 0), (3.0, -300.0, 1))
TAUS = (2.0, 8.0)  # ms


def _inputs(kicks=KICKS):
    return [snnlab.Connection(SpikeGenerator(spike_times=[t]), w, receptor=r) for t, w, r in kicks]


def membrane(t, v_rest, tau_m, r, kicks=KICKS, taus=TAUS):
    """V(t) of tau_m dV/dt = V_rest - V + r sum_j I_j, each kick of weight w at t_k
    starting I_j = w exp(-(t - t_k) / tau_j): the response to one kick is
    r w tau_j / (tau_j - tau_m) (exp(-s / tau_j) - exp(-s / tau_m)), s = t - t_k >= 0."""
    v = np.full_like(t, v_rest)
    for t_k, w, j in kicks:
        s = np.clip(t - t_k, 0.0, None)
        tau_j = taus[j]
        v += r * w * tau_j / (tau_j - tau_m) * (np.exp(-s / tau_j) - np.exp(-s / tau_m))
    return v


# Tolerances (float64, mV): the stepped engine's exp_euler is the exact propagator of this
# linear system and the kicks lie on the grid, and the event engine's closed form is exact,
# so both agree to rounding (a few ulp of ~70 mV, accumulated over 300 samples: 1e-9). The
# event engine's diffrax path is adaptive with rtol = atol = 1e-8: 1e-6 mV allows its
# global error over a few dozen steps.
ENGINES = [
    ("stepped", {}, 1e-9),
    ("event", {"closed_form": True}, 1e-9),
    ("event", {"closed_form": False}, 1e-6),
]


@pytest.mark.parametrize("engine, options, tol", ENGINES, ids=["stepped", "closed", "diffrax"])
def test_explif_two_receptors_match_the_closed_form(x64, engine, options, tol):
    model = ExpLIF(size=1, tau_syn=list(TAUS), V_th=0.0, tau=10.0, R=0.04)
    assert model.state_names == ("V", "I_syn0", "I_syn1") and model.n_receptor == 2
    res = snnlab.simulate(model, _inputs(), duration=30.0, dt=0.1, engine=engine, **options)
    expected = membrane(res.t, -70.0, 10.0, 0.04)
    np.testing.assert_allclose(res["V"][:, 0], expected, rtol=0, atol=tol)
    # each current decays with its own tau_syn from its own kicks
    t = res.t
    i1 = np.where(t >= 3.0, -300.0 * np.exp(-np.clip(t - 3.0, 0, None) / 8.0), 0.0)
    np.testing.assert_allclose(res["I_syn1"][:, 0], i1, rtol=0, atol=tol * 1e3)


@pytest.mark.parametrize("engine, options, tol", [ENGINES[0], ENGINES[2]], ids=["stepped", "event"])
def test_glif3psc_two_receptors_match_the_closed_form(x64, engine, options, tol):
    # no spike (th_inf far above), so the after-spike currents stay 0: C dV/dt =
    # -G (V - V_rest) + sum_j I_j, i.e. tau_m = C / G and r = 1 / G
    model = GLIF3PSC(size=1, tau_syn=list(TAUS), th_inf=50.0)
    assert model.state_names == ("V", "I_asc0", "I_asc1", "I_syn0", "I_syn1")
    res = snnlab.simulate(model, _inputs(), duration=30.0, dt=0.1, engine=engine, **options)
    g, c = 9.43, 58.72
    expected = membrane(res.t, -78.85, c / g, 1.0 / g)
    np.testing.assert_allclose(res["V"][:, 0], expected, rtol=0, atol=tol)


def _first_crossing(f, horizon, n=200_001):
    """First upward zero of f on [0, horizon] by a dense scan and brentq (a reference
    independent of the level-by-level search)."""
    s = np.linspace(0.0, horizon, n)
    v = f(s)
    if v[0] >= 0:
        return 0.0
    up = np.flatnonzero((v[:-1] < 0) & (v[1:] >= 0))
    return np.inf if up.size == 0 else brentq(f, s[up[0]], s[up[0] + 1], xtol=1e-14)


def _reference_f(u0, b, taus, theta, tau_m):
    def f(s):
        s = np.asarray(s, float)
        out = np.exp(-s / tau_m) * u0 - theta
        for bj, tj in zip(b, taus, strict=True):
            if tj == tau_m:
                out = out + bj * s / tau_m * np.exp(-s / tau_m)
            else:
                out = out + bj * tj / (tj - tau_m) * (np.exp(-s / tj) - np.exp(-s / tau_m))
        return out

    return f


@pytest.mark.parametrize("k", [2, 3])
def test_receptors_crossing_finds_the_first_of_several_crossings(x64, k):
    rng = np.random.default_rng(k)
    tau_m, horizon, n = 10.0, 60.0, 40
    taus = np.stack([rng.choice([1.0, 3.0, 10.0, 25.0], size=k, replace=False) for _ in range(n)])
    b = rng.normal(0.0, 30.0, size=(n, k))
    u0 = rng.normal(-5.0, 5.0, size=n)
    theta = np.abs(rng.normal(5.0, 3.0, size=n))
    if k == 3:
        # rises, falls back, then crosses late: fast excitation, slower inhibition,
        # slowest excitation
        taus[0], b[0], u0[0], theta[0] = (1.0, 3.0, 25.0), (100.0, -90.0, 25.0), 0.0, 5.0
    got = np.asarray(jax.jit(receptors_crossing)(u0, b, theta, tau_m, taus, horizon))
    u_end = np.asarray(receptors_u(u0, b, horizon, tau_m, taus))
    found = 0
    for i in range(n):
        f = _reference_f(u0[i], b[i], taus[i], theta[i], tau_m)
        assert u_end[i] - theta[i] == pytest.approx(float(f(horizon)), abs=1e-10)
        expected = _first_crossing(f, horizon)
        if np.isinf(expected):
            assert np.isinf(got[i]), i
        else:
            found += 1
            # the bracketed Newton search converges to rounding: 1e-9 ms
            assert got[i] == pytest.approx(expected, abs=1e-9), i
    assert found >= 8  # the cases exercise crossings, not only silence
    if k == 3:
        s = np.linspace(0.0, got[0], 1000)
        f0 = _reference_f(u0[0], b[0], taus[0], theta[0], tau_m)
        assert np.any(np.diff(np.sign(np.diff(f0(s)))) != 0)  # not monotone before it


def test_event_spike_time_with_receptors_matches_the_reference(x64):
    # fast excitation crosses threshold only after the slow inhibition has decayed
    kicks = ((0.0, 2700.0, 0), (1.0, -600.0, 1), (6.0, 5000.0, 0))
    model = ExpLIF(size=1, tau_syn=list(TAUS), V_th=-55.0, tau=10.0, R=0.04)

    def v(t):
        return membrane(np.asarray(t, float), -70.0, 10.0, 0.04, kicks) + 55.0

    expected = _first_crossing(v, 30.0)
    assert 6.0 < expected < 30.0  # V rose to -59.7 mV, fell, then crossed
    for closed, tol in ((True, 1e-9), (False, 1e-6)):
        res = snnlab.simulate(
            model, _inputs(kicks), duration=30.0, dt=0.1, engine="event", closed_form=closed
        )
        assert res.spike_times[0] == pytest.approx(expected, abs=tol)


def test_new_time_constants_or_weights_do_not_recompile():
    def run(taus, w, engine):
        model = ExpLIF(size=2, tau_syn=list(taus))
        ins = [
            snnlab.Connection(SpikeGenerator(spike_times=[1.0]), w, receptor=0),
            snnlab.Connection(SpikeGenerator(spike_times=[2.0]), -w, receptor=1),
        ]
        return snnlab.simulate(model, ins, duration=20.0, engine=engine)

    run((2.0, 8.0), 100.0, "stepped")
    run((2.0, 8.0), 100.0, "event")
    stepped, event = trace_count(), event_trace_count()
    run((3.0, 5.0), 250.0, "stepped")
    run((3.0, 5.0), 250.0, "event")
    assert (trace_count(), event_trace_count()) == (stepped, event)


def test_scalar_tau_syn_keeps_one_current_and_receptor_errors_name_the_problem():
    assert ExpLIF().state_names == ("V", "I_syn") and ExpLIF().n_receptor == 1
    assert ExpLIF(size=3, tau_syn=np.array([1.0, 2.0, 3.0])).n_receptor == 1  # per neuron
    assert ExpLIF(size=2, tau_syn=np.array([[1.0, 5.0], [2.0, 6.0]])).n_receptor == 2
    spikes = SpikeGenerator(spike_times=[1.0])
    with pytest.raises(ValueError, match="receptor=2 is out of range"):
        snnlab.simulate(
            ExpLIF(tau_syn=[2.0, 8.0]), snnlab.Connection(spikes, receptor=2), duration=5.0
        )
    with pytest.raises(ValueError, match="receptor=1 is out of range"):
        snnlab.simulate(LIF(), snnlab.Connection(spikes, receptor=1), duration=5.0)
    with pytest.raises(ValueError, match="current source"):
        snnlab.simulate(
            ExpLIF(tau_syn=[2.0, 8.0]), snnlab.Connection(DCGenerator(), receptor=1), duration=5.0
        )
    with pytest.raises(ValueError, match="receptor"):
        snnlab.Connection(spikes, receptor=-1)
    with pytest.raises(ValueError, match="tau_syn has shape"):
        ExpLIF(size=2, tau_syn=np.ones((3, 2)))
    with pytest.raises(ValueError, match="tau_syn"):
        ExpLIF(tau_syn=[2.0, -1.0])
