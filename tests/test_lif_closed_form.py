"""LIF and ExpLIF against closed-form solutions of their linear ODEs."""

import numpy as np
import pytest

import snnlab
from snnlab.generators import DCGenerator, SpikeGenerator
from snnlab.neurons import LIF, ExpLIF


def lif_closed_form_times(
    i_pa, duration, tau=10.0, r=0.04, v_rest=-70.0, v_reset=-70.0, v_th=-55.0, t_ref=2.0
):
    """Exact spike times of tau dV/dt = V_rest - V + R I from V(0) = V_reset."""
    v_inf = v_rest + r * i_pa
    if v_inf <= v_th:
        return np.zeros(0)
    t_to_th = tau * np.log((v_inf - v_reset) / (v_inf - v_th))
    first = t_to_th
    period = t_to_th + t_ref
    return np.arange(first, duration, period)


@pytest.mark.parametrize("current", [400.0, 500.0, 1000.0])
def test_lif_dc_spike_times_within_one_step(current):
    dt = 0.1
    res = snnlab.simulate(
        LIF(), DCGenerator(amplitude=current), duration=500.0, dt=dt, method="exp_euler"
    )
    exact = lif_closed_form_times(current, 500.0)
    got = res.spike_times
    # The grid detects a crossing at the first grid point at or after it; after a spike the
    # refractory count is round(t_ref / dt) steps, so each inter-spike interval is the exact
    # one rounded up to the grid: every ISI and the first spike lie within one step.
    assert len(got) > 0
    assert got[0] - exact[0] >= -1e-4 and got[0] - exact[0] <= dt + 1e-4
    exact_isi = exact[1] - exact[0] if len(exact) > 1 else None
    if exact_isi is not None:
        assert np.all(np.abs(np.diff(got) - exact_isi) <= dt + 1e-4)
    # The count can only lose spikes to the accumulated rounding: at most
    # duration * dt / ISI^2 of them.
    slack = int(np.ceil(500.0 * dt / exact_isi**2)) + 1 if exact_isi else 1
    assert len(exact) - slack <= len(got) <= len(exact)


def test_lif_no_spikes_below_rheobase():
    # Rheobase: R I = V_th - V_rest = 15 mV -> I = 375 pA.
    res = snnlab.simulate(LIF(), DCGenerator(amplitude=374.0), duration=1000.0, dt=0.1)
    assert len(res.spike_times) == 0
    res = snnlab.simulate(LIF(), DCGenerator(amplitude=380.0), duration=1000.0, dt=0.1)
    assert len(res.spike_times) > 0


def test_lif_voltage_trace_matches_closed_form_before_first_spike():
    res = snnlab.simulate(LIF(), DCGenerator(amplitude=500.0), duration=13.0, dt=0.1)
    t = res.t
    expected = -50.0 + (-70.0 + 50.0) * np.exp(-t / 10.0)
    # float32: relative precision ~1e-7 of values ~70 mV, accumulated over 130 steps.
    np.testing.assert_allclose(res["V"][:, 0], expected, atol=1e-4)


def explif_closed_form(t, spikes, weights, tau=10.0, tau_syn=2.0, r=0.04, v0=-70.0, v_rest=-70.0):
    """V(t) of the linear ExpLIF system (no threshold reached) by superposition."""
    v = v_rest + (v0 - v_rest) * np.exp(-t / tau)
    for s, w in zip(spikes, weights, strict=True):
        dt_ = np.clip(t - s, 0.0, None)
        kernel = tau_syn / (tau_syn - tau) * (np.exp(-dt_ / tau_syn) - np.exp(-dt_ / tau))
        v = v + np.where(t >= s, r * w * kernel, 0.0)
    return v


def test_explif_spike_input_follows_closed_form(x64):
    spike_times = [5.0, 12.5, 13.0, 40.0]
    res = snnlab.simulate(
        ExpLIF(),
        snnlab.Connection(SpikeGenerator(1, spike_times), weight=150.0),
        duration=80.0,
        dt=0.1,
        method="exp_euler",
    )
    assert len(res.spike_times) == 0  # subthreshold: the ODE is linear throughout
    expected = explif_closed_form(res.t, spike_times, [150.0] * 4)
    # Grid-aligned input times and the exact propagator: agreement to float64 round-off.
    np.testing.assert_allclose(res["V"][:, 0], expected, atol=1e-9)
    i_expected = sum(
        np.where(res.t >= s, 150.0 * np.exp(-(res.t - s) / 2.0), 0.0) for s in spike_times
    )
    np.testing.assert_allclose(res["I_syn"][:, 0], i_expected, atol=1e-9)


def test_explif_other_methods_converge_to_closed_form(x64):
    spike_times = [5.0, 20.0]
    errors = {}
    for method in ("euler", "rk4", "rkf45"):
        res = snnlab.simulate(
            ExpLIF(),
            snnlab.Connection(SpikeGenerator(1, spike_times), weight=150.0),
            duration=40.0,
            dt=0.01,
            method=method,
        )
        expected = explif_closed_form(res.t, spike_times, [150.0, 150.0])
        errors[method] = np.max(np.abs(res["V"][:, 0] - expected))
    # Euler is first order: error ~ dt * |V''| * tau ~ 1e-2 mV at dt = 0.01 ms; rk4/rkf45
    # are far more accurate.
    assert errors["euler"] < 2e-2
    assert errors["rk4"] < 1e-6
    assert errors["rkf45"] < 1e-5
