"""Tests of the Dynap-SE emulator against a numpy reference written here, and rockpool.

Each equation of the DynapSim step is re-implemented below in float64 numpy, from the
equations in the seed and SEED-NOTES decision 3, independently of snnlab's code.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import snnlab.dynapse as dyn
from snnlab.core import param_specs
from snnlab.dynapse import DynapSim

# The equations are checked in float64 (the `x64` fixture). The worst-conditioned term is a
# pulse's charge factor 1 - exp(-t_pulse / tau): with t_pulse_ahp / tau_ahp = 2e-5 the
# subtraction loses 5 of float64's 16 digits, leaving ~1e-11 relative error; everything else
# is a few ulps (2e-16). 1e-9 keeps a factor 100 of margin and still catches any wrong term.
# (In float32, rockpool's default dtype, the same cancellation alone costs up to 3e-3 on the
# AHP charge, too coarse to check the algebra; float32 is compared with rockpool instead.)
RTOL_STEP = 1e-9

DEFAULTS = {name: float(spec.default) for name, spec in param_specs(DynapSim).items()}


# ----------------------------------------------------------------------------------------
# numpy reference (float64)
# ----------------------------------------------------------------------------------------


def ref_params(**overrides):
    p = dict(DEFAULTS)
    p.update({k: np.asarray(v, float) for k, v in overrides.items()})
    return p


def ref_kappa(p):
    return 0.5 * (p["kappa_n"] + p["kappa_p"])


def ref_tau(p, itau, cap):
    return cap * p["Ut"] / (ref_kappa(p) * np.maximum(itau, p["Io"]))


def ref_pulse(p, ipulse, cap):
    return p["Vth"] * cap / ipulse


def ref_synapse(p, isyn, counts):
    """One DPI step: exact decay over dt, plus the charge of one pulse of width t_pulse."""
    tau = ref_tau(p, p["Itau_syn"], p["C_syn"])
    gain = np.maximum(p["Igain_syn"], p["Io"]) / np.maximum(p["Itau_syn"], p["Io"])
    target = np.maximum(gain * p["Iscale"] * counts, p["Io"])
    t_pulse = ref_pulse(p, p["Ipulse"], p["C_pulse"])
    return isyn * np.exp(-p["dt"] / tau) + (1 - np.exp(-t_pulse / tau)) * target


def ref_ahp(p, iahp, spikes_prev):
    tau = ref_tau(p, p["Itau_ahp"], p["C_ahp"])
    gain = np.maximum(p["Igain_ahp"], p["Io"]) / np.maximum(p["Itau_ahp"], p["Io"])
    t_pulse = ref_pulse(p, p["Ipulse_ahp"], p["C_pulse_ahp"])
    new = (
        iahp * np.exp(-p["dt"] / tau)
        + (1 - np.exp(-t_pulse / tau)) * gain * p["Iw_ahp"] * spikes_prev
    )
    return np.maximum(new, p["Io"])


def ref_membrane(p, imem, vmem, iahp, syn, rest, timer):
    """Forward-Euler membrane step; `syn` is (ampa, gaba, nmda, shunt), `iahp` already new.

    Returns imem before the spike reset and the membrane voltage.
    """
    io, kappa = p["Io"], ref_kappa(p)
    itau = np.maximum(p["Itau_mem"], io)
    igain = np.maximum(p["Igain_mem"], io)
    ampa, gaba, nmda, shunt = syn
    leak = itau + iahp + (shunt - rest)
    gate = imem / (imem + p["If_nmda"])
    drive = p["Idc"] + ampa + gate * (nmda - rest) - (gaba - rest) - leak
    drive = np.where(timer > 0, io, np.maximum(drive, io))
    imem_inf = igain / itau * (drive - leak)
    feedback = io * np.exp(kappa**2 / (kappa + 1) * vmem / p["Ut"]) / leak * (imem + igain)
    tau_mem = p["Ut"] * p["C_mem"] / (kappa * leak)
    didt = imem / (tau_mem * (imem + igain)) * (imem_inf + feedback - imem * (1 + iahp / itau))
    new = np.maximum(imem + p["dt"] * didt, io)
    return new, p["Ut"] / kappa * np.log(new / io)


def ref_spike(p, imem, timer):
    """Spike count, reset of imem to Io, refractory timer."""
    count = np.maximum(np.ceil(np.log(imem / p["Ispkthr"])), 0.0)
    t_ref = ref_pulse(p, p["Iref"], p["C_ref"])
    imem = np.where(count > 0, p["Io"], imem)
    timer = np.where(count > 0, t_ref, np.maximum(timer - p["dt"], 0.0))
    return count, imem, timer


def ref_run(p, x, w_rec=None):
    """Whole simulation, x of shape (T, N, 4); returns spikes (T, N) and imem (T, N)."""
    n_steps, n = x.shape[:2]
    io = np.broadcast_to(p["Io"], (n,)).astype(float)
    syn = [io.copy() for _ in range(4)]
    rest, iahp, imem = io.copy(), io.copy(), io.copy()
    vmem, timer, spikes = np.zeros(n), np.zeros(n), np.zeros(n)
    out_s, out_i = [], []
    for t in range(n_steps):
        counts = x[t] + (0 if w_rec is None else np.einsum("i,ijk->jk", spikes, w_rec))
        syn = [ref_synapse(p, syn[k], counts[:, k]) for k in range(4)]
        rest = ref_synapse(p, rest, 0.0)
        iahp = ref_ahp(p, iahp, spikes)
        imem, vmem = ref_membrane(p, imem, vmem, iahp, syn, rest, timer)
        spikes, imem, timer = ref_spike(p, imem, timer)
        out_s.append(spikes)
        out_i.append(imem)
    return np.array(out_s), np.array(out_i)


def rest_state(n, **values):
    io = DEFAULTS["Io"]
    state = {k: np.full(n, io) for k in ("iahp", "imem", "iampa", "igaba", "inmda", "ishunt")}
    state.update(isyn_rest=np.full(n, io), spikes=np.zeros(n), timer_ref=np.zeros(n))
    state["vmem"] = np.zeros(n)
    state.update({k: np.asarray(v, float) for k, v in values.items()})
    return state


def spike_times(s):
    return np.nonzero(np.asarray(s))[0]


# Most runs share this shape, so that they share one compilation.
SILENT = np.zeros((1000, 5, 4), np.float32)


@pytest.fixture
def x64():
    with jax.enable_x64(True):
        yield


# ----------------------------------------------------------------------------------------
# each equation in isolation
# ----------------------------------------------------------------------------------------


def test_synapse_decay_and_jump(x64):
    n, n_steps = 2, 60
    x = np.zeros((n_steps, n, 4), np.float32)
    x[5, 0, 0] = 1  # one AMPA spike
    x[10, 0, 1] = 2  # two GABA spikes in one step
    x[3, 1, 2] = 1  # NMDA
    x[20, 1, 3] = 0.5  # a half-weight SHUNT spike
    # A threshold far above reach keeps the membrane out of the way.
    sim = DynapSim(n, Ispkthr=1e-3)
    _, _, rec = sim.evolve(x)
    p = ref_params(Ispkthr=1e-3)
    for k, key in enumerate(("iampa", "igaba", "inmda", "ishunt")):
        ref = np.empty((n_steps, n))
        i = np.full(n, p["Io"])
        for t in range(n_steps):
            i = ref_synapse(p, i, x[t, :, k])
            ref[t] = i
        np.testing.assert_allclose(rec[key], ref, rtol=RTOL_STEP, err_msg=key)
    # The seed's jump: I_gain * I_w / I_tau * (1 - exp(-t_pulse / tau)) on top of the decay.
    tau = sim.time_constants()["tau_syn"]
    t_pulse = sim.time_constants()["t_pulse"]
    iampa = np.asarray(rec["iampa"][:, 0], float)
    jump = iampa[5] - np.exp(-1e-3 / tau) * iampa[4]
    expected = DEFAULTS["Igain_syn"] * DEFAULTS["Iscale"] / DEFAULTS["Itau_syn"]
    expected *= 1 - np.exp(-t_pulse / tau)
    # The charge without a spike (Io * charge, ~5e-16 A) sits inside this rtol too.
    np.testing.assert_allclose(jump, expected, rtol=1e-4)
    # After the jump the current decays by exp(-dt / tau) per step, as far as the resting
    # charge (Io-level, 1e-6 of the jump) allows.
    np.testing.assert_allclose(iampa[7] / iampa[6], np.exp(-1e-3 / tau), rtol=1e-5)


def test_ahp_update_from_previous_spikes(x64):
    n = 3
    p = ref_params(Iw_ahp=1e-7)
    sim = DynapSim(n, Iw_ahp=1e-7)
    state = rest_state(n, iahp=[5e-13, 2e-12, 1e-11], spikes=[0.0, 1.0, 2.0])
    new, _ = sim.step(state, np.zeros((n, 4)))
    ref = ref_ahp(p, state["iahp"], state["spikes"])
    np.testing.assert_allclose(new["iahp"], ref, rtol=RTOL_STEP)
    assert np.all(np.asarray(new["iahp"]) >= p["Io"])


@pytest.mark.parametrize("with_ahp", [False, True])
def test_membrane_update(with_ahp, x64):
    n = 4
    iw = 3e-7 if with_ahp else 5e-13
    p = ref_params(Idc=[1e-11, 1e-10, 1e-10, 5e-10], Iw_ahp=iw)
    sim = DynapSim(n, Idc=p["Idc"], Iw_ahp=iw)
    imem = np.array([6e-13, 1e-10, 3e-9, 2e-8])
    kappa = ref_kappa(p)
    state = rest_state(
        n,
        imem=imem,
        vmem=p["Ut"] / kappa * np.log(imem / p["Io"]),
        iahp=[5e-13, 4e-12, 8e-12, 1e-12] if with_ahp else np.full(n, p["Io"]),
        spikes=[0.0, 1.0, 0.0, 2.0] if with_ahp else np.zeros(n),
        iampa=[1e-12, 5e-11, 0.0, 1e-12],
        igaba=[1e-12, 1e-11, 2e-12, 3e-12],
        inmda=[1e-12, 1e-11, 4e-11, 5e-13],
        ishunt=[1e-12, 2e-12, 5e-12, 5e-13],
        isyn_rest=np.full(n, 4e-13),
    )
    new, spikes = sim.step(state, np.zeros((n, 4)))
    syn = [ref_synapse(p, state[k], 0.0) for k in ("iampa", "igaba", "inmda", "ishunt")]
    rest = ref_synapse(p, state["isyn_rest"], 0.0)
    iahp = ref_ahp(p, state["iahp"], state["spikes"])
    imem_ref, vmem_ref = ref_membrane(p, state["imem"], state["vmem"], iahp, syn, rest, 0.0)
    assert np.all(imem_ref < p["Ispkthr"]) and not np.any(spikes)
    np.testing.assert_allclose(new["imem"], imem_ref, rtol=RTOL_STEP)
    np.testing.assert_allclose(new["vmem"], vmem_ref, rtol=RTOL_STEP, atol=1e-9)
    if with_ahp:
        # The same state without the AHP current grows faster.
        no_ahp, _ = ref_membrane(
            p, state["imem"], state["vmem"], np.full(n, p["Io"]), syn, rest, 0.0
        )
        assert np.all(imem_ref[1:] < no_ahp[1:])


def test_synapse_types_act_on_the_membrane_as_documented(x64):
    # AMPA and (gated) NMDA excite, GABA and SHUNT inhibit, relative to no input at all.
    n = 5
    imem = np.full(n, 1e-9)
    state = rest_state(n, imem=imem, vmem=0.0354 * np.log(imem / 5e-13))
    for k, key in enumerate(("iampa", "igaba", "inmda", "ishunt")):
        state[key] = np.where(np.arange(n) == k + 1, 2e-11, 5e-13)
    new, _ = DynapSim(n, Idc=5e-11).step(state, np.zeros((n, 4)))
    none, ampa, gaba, nmda, shunt = np.asarray(new["imem"])
    assert ampa > none and nmda > none and gaba < none and shunt < none
    # A closed NMDA gate (cut-off far above imem) lets almost nothing through.
    closed, _ = DynapSim(n, Idc=5e-11, If_nmda=1e-6).step(state, np.zeros((n, 4)))
    assert closed["imem"][3] - new["imem"][0] < 1e-3 * (nmda - none)


def test_threshold_and_reset(x64):
    n = 3
    p = ref_params(Idc=1e-9)
    sim = DynapSim(n, Idc=1e-9)
    # Just below threshold, crossing it during the step, and far past it (count > 1).
    imem = np.array([2e-8, 9.9e-8, 3e-6])
    kappa = ref_kappa(p)
    state = rest_state(n, imem=imem, vmem=p["Ut"] / kappa * np.log(imem / p["Io"]))
    new, spikes = sim.step(state, np.zeros((n, 4)))
    syn = [ref_synapse(p, state["iampa"], 0.0)] * 4
    rest = ref_synapse(p, state["isyn_rest"], 0.0)
    iahp = ref_ahp(p, state["iahp"], 0.0)
    pre, vmem = ref_membrane(p, state["imem"], state["vmem"], iahp, syn, rest, 0.0)
    count, imem_ref, timer = ref_spike(p, pre, 0.0)
    np.testing.assert_array_equal(spikes, count)
    assert count[0] == 0 and count[1] == 1 and count[2] == np.ceil(np.log(pre[2] / 1e-7)) > 1
    np.testing.assert_allclose(new["imem"], imem_ref, rtol=RTOL_STEP)
    assert np.all(np.asarray(new["imem"])[1:] == p["Io"])
    # vmem is taken before the reset.
    np.testing.assert_allclose(new["vmem"], vmem, rtol=RTOL_STEP)
    np.testing.assert_allclose(new["timer_ref"], timer, rtol=RTOL_STEP)
    np.testing.assert_allclose(new["timer_ref"][1:], 1e-3, rtol=RTOL_STEP)


def test_refractory_hold(x64):
    n = 2
    p = ref_params(Idc=1e-8)
    sim = DynapSim(n, Idc=1e-8)
    # Below the level where the positive feedback alone would carry imem up.
    imem = np.array([1e-11, 1e-11])
    state = rest_state(n, imem=imem, vmem=0.0354 * np.log(imem / 5e-13), timer_ref=[2.5e-3, 0.0])
    new, _ = sim.step(state, np.zeros((n, 4)))
    syn = [ref_synapse(p, state["iampa"], 0.0)] * 4
    rest = ref_synapse(p, state["isyn_rest"], 0.0)
    iahp = ref_ahp(p, state["iahp"], 0.0)
    ref, _ = ref_membrane(p, imem, state["vmem"], iahp, syn, rest, state["timer_ref"])
    np.testing.assert_allclose(new["imem"], ref, rtol=RTOL_STEP)
    # Held: the input is blocked, so imem falls; free: the strong Idc drives it up.
    assert new["imem"][0] < imem[0] < new["imem"][1]
    np.testing.assert_allclose(new["timer_ref"], [1.5e-3, 0.0], atol=1e-9)


def test_refractory_period_spaces_spikes():
    # With t_ref = 5 ms no spike follows another within 5 steps, however strong the drive.
    t_ref = np.array([1e-3, 5e-3, 5e-3, 2e-2, 2e-2])
    sim = DynapSim(5, Idc=1e-7, Iref=dyn.current_from_pulse_width(t_ref, 1.5e-12))
    s, _, _ = sim.evolve(SILENT)
    for i in range(5):
        isi = np.diff(spike_times(s[:, i]))
        assert len(isi) > 5 and isi.min() > round(t_ref[i] / 1e-3), (i, isi.min())


def test_whole_run_matches_numpy_reference():
    # In float64 both sides round at 1e-16, so traces agree to 1e-9 even through the
    # membrane's positive feedback, and no spike lands on the other side of a step.
    rng = np.random.default_rng(1)
    n, n_steps = 5, 300
    # Weights per type (AMPA, GABA, NMDA, SHUNT) keep the inhibition from silencing all.
    scale = np.array([1.0, 0.05, 0.5, 0.05])
    x = (rng.random((n_steps, n, 4)) < 0.05) * rng.integers(1, 3, (n_steps, n, 4)) * scale
    w_rec = rng.normal(0, 0.3, (n, n, 4)) * scale
    idc = rng.uniform(5e-11, 5e-10, n)
    with jax.enable_x64(True):
        sim = DynapSim(n, w_rec=w_rec, Idc=idc, Iw_ahp=5e-8, If_nmda=1e-9)
        spikes, _, rec = sim.evolve(x)
        assert rec["imem"].dtype == jnp.float64
    ref_s, ref_i = ref_run(ref_params(Idc=idc, Iw_ahp=5e-8, If_nmda=1e-9), x, w_rec)
    assert ref_s.sum() > 10 and np.asarray(rec["igaba"]).max() > 1e-10
    np.testing.assert_array_equal(spikes, ref_s)
    np.testing.assert_allclose(rec["imem"], ref_i, rtol=1e-9)


# ----------------------------------------------------------------------------------------
# behaviour
# ----------------------------------------------------------------------------------------


def test_constant_idc_regular_and_rate_rises_with_idc():
    idc = np.array([3e-11, 1e-10, 3e-10, 1e-9, 1e-8])
    s, _, _ = DynapSim(5, Idc=idc).evolve(SILENT)
    rates = np.asarray(s).sum(0)
    assert np.all(np.diff(rates) > 0), rates
    for i in range(5):
        isi = np.diff(spike_times(s[:, i]))
        assert len(isi) >= 3
        # Regular: on a 1 ms grid the intervals can only differ by the one-step rounding.
        assert isi.max() - isi.min() <= 1, isi


def test_rate_falls_and_isis_lengthen_with_ahp():
    iw = np.array([5e-13, 1e-7, 3e-7, 1e-6, 3e-6])
    # A slow AHP (tau_ahp = 0.28 s) accumulates over several inter-spike intervals.
    sim = DynapSim(5, Idc=1e-9, Iw_ahp=iw, Itau_ahp=5e-12)
    s, _, rec = sim.evolve(SILENT)
    rates = np.asarray(s).sum(0)
    assert np.all(np.diff(rates) < 0), rates
    isi_free = np.diff(spike_times(s[:, 0]))
    isi_ahp = np.diff(spike_times(s[:, 1]))
    assert isi_free.max() - isi_free.min() <= 1
    # Spike-frequency adaptation: the first intervals lengthen, then settle.
    assert np.all(np.diff(isi_ahp[:6]) > 0), isi_ahp
    assert isi_ahp[5] > 2 * isi_ahp[0]
    assert np.asarray(rec["iahp"][:, 1]).max() > 10 * DEFAULTS["Io"]


def test_gaba_and_shunt_inhibit_nmda_and_ampa_excite():
    n_steps = 1000
    x = np.zeros((n_steps, 5, 4), np.float32)
    x[::5, 1, 0] = 1  # AMPA
    x[::5, 2, 1] = 1  # GABA
    x[::5, 3, 2] = 1  # NMDA
    x[::5, 4, 3] = 1  # SHUNT
    s, _, rec = DynapSim(5, Idc=1e-10, Iscale=1e-9).evolve(x)
    none, ampa, gaba, nmda, shunt = np.asarray(s).sum(0)
    assert ampa > none and nmda > none and gaba < none and shunt < none
    # Idle synapses sit exactly at rest.
    np.testing.assert_array_equal(rec["igaba"][:, 0], rec["inmda"][:, 0])


def test_batch_matches_single_runs():
    rng = np.random.default_rng(2)
    x = (rng.random((3, 100, 4, 4)) < 0.1).astype(np.float32)
    sim = DynapSim(4, Idc=2e-10, has_rec=True, w_rec=rng.normal(0, 1, (4, 4, 4)))
    spikes, state, rec = sim.evolve(x)
    assert spikes.shape == (3, 100, 4) and state["imem"].shape == (3, 4)
    assert set(rec) == set(dyn.RECORD_KEYS)
    assert all(v.shape == (3, 100, 4) for v in rec.values())
    for b in range(3):
        s_b, st_b, r_b = sim.evolve(x[b])
        np.testing.assert_array_equal(spikes[b], s_b)
        np.testing.assert_allclose(rec["imem"][b], r_b["imem"], rtol=1e-6)
    # Continuing from a returned state equals one long run; record=False records nothing.
    s1, st1, nothing = sim.evolve(x[0, :50], record=False, state=sim.init_state())
    s2, _, _ = sim.evolve(x[0, 50:], record=False, state=st1)
    assert nothing == {}
    np.testing.assert_array_equal(np.concatenate([s1, s2]), spikes[0])


def test_feed_forward_has_no_recurrent_matvec():
    sim = DynapSim(6, Idc=1e-10)
    assert sim.w_rec is None and not sim.has_rec
    x = jnp.zeros((20, 6, 4))
    jaxpr = str(jax.make_jaxpr(lambda m: m.evolve(x)[0])(sim))
    assert "dot_general" not in jaxpr
    rec = DynapSim((6, 6), Idc=1e-10)
    assert rec.has_rec and rec.w_rec.shape == (6, 6, 4)
    assert "dot_general" in str(jax.make_jaxpr(lambda m: m.evolve(x)[0])(rec))


def test_no_recompilation_when_biases_change():
    x = np.zeros((1000, 5, 4), np.float32)
    x[::10, :, 0] = 1
    sim = DynapSim(5, Idc=1e-10)
    s0, _, _ = sim.evolve(x)
    before = dyn.trace_count()
    outputs = [s0]
    for idc, iw, itau in [(2e-10, 1e-7, 5e-12), (5e-10, 5e-13, 3e-12)]:
        new = DynapSim(5, Idc=idc, Iw_ahp=iw, Itau_mem=itau)
        outputs.append(new.evolve(x)[0])
    moved = eqx.tree_at(lambda m: m.Ispkthr, sim, jnp.asarray(3e-8))
    outputs.append(moved.evolve(x)[0])
    assert dyn.trace_count() == before
    sums = [float(o.sum()) for o in outputs]
    assert len(set(sums)) > 1, sums


def test_float32_default_and_strict_promotion():
    with jax.numpy_dtype_promotion("strict"):
        sim = DynapSim(2, Idc=1e-9, w_rec=np.ones((2, 2)))
        s, state, rec = sim.evolve(np.ones((30, 2, 4), np.int32))
    assert rec["imem"].dtype == jnp.float32 and s.dtype == jnp.float32
    # An (N, N) w_rec is AMPA only (rockpool 3.1's single synapse).
    np.testing.assert_array_equal(sim.w_rec[..., 1:], 0.0)


# ----------------------------------------------------------------------------------------
# mismatch
# ----------------------------------------------------------------------------------------


def test_mismatch_reproducible_and_statistics():
    n, pct = 4000, 0.3
    key = jax.random.PRNGKey(7)
    a = DynapSim(n, percent_mismatch=pct, rng_key=key)
    b = DynapSim(n, percent_mismatch=pct, rng_key=key)
    c = DynapSim(n, percent_mismatch=pct, rng_key=jax.random.PRNGKey(8))
    for name in DynapSim.mismatched:
        va, vb, vc = (np.asarray(getattr(m, name), float) for m in (a, b, c))
        np.testing.assert_array_equal(va, vb, err_msg=name)
        assert not np.allclose(va, vc, rtol=1e-3, atol=0), name
        rel = va / DEFAULTS[name] - 1
        # sigma = pct / 3 = 0.1. The sample std of 4000 normals is off by about
        # 1 / sqrt(2 * 4000) = 1.1 %, so 5 % is > 4 standard errors; the mean is off by
        # sigma / sqrt(4000) = 0.0016, so 0.008 is 5 standard errors.
        assert abs(rel.std() / (pct / 3) - 1) < 0.05, name
        assert abs(rel.mean()) < 0.008, name
    # Each parameter draws its own deviations.
    rel_idc = np.asarray(a.Idc) / DEFAULTS["Idc"]
    assert not np.allclose(rel_idc, np.asarray(a.Itau_mem) / DEFAULTS["Itau_mem"], rtol=1e-3)
    # Scale and step are not device properties.
    assert np.all(np.asarray(a.Iscale) == np.float32(DEFAULTS["Iscale"]))
    assert np.all(np.asarray(a.dt) == np.float32(1e-3))
    with pytest.raises(ValueError, match="rng_key"):
        DynapSim(3, percent_mismatch=0.1)
    # Mismatched neurons with the same drive fire at different rates.
    m = DynapSim(5, Idc=3e-10, percent_mismatch=0.2, rng_key=key)
    rates = np.asarray(m.evolve(SILENT)[0]).sum(0)
    assert len(np.unique(rates)) >= 4, rates


# ----------------------------------------------------------------------------------------
# helpers, metadata, errors
# ----------------------------------------------------------------------------------------


def test_conversion_helpers_and_default_times():
    taus = DynapSim(1).time_constants()
    expected = dict(
        tau_mem=0.02, tau_syn=0.01, tau_ahp=0.05, t_ref=1e-3, t_pulse=1e-5, t_pulse_ahp=1e-6
    )
    for k, v in expected.items():
        np.testing.assert_allclose(taus[k], v, rtol=1e-6, err_msg=k)
    assert dyn.mean_kappa() == pytest.approx(0.705)
    tau = dyn.tau_from_current(1e-11, 2e-12, Ut=0.03, kappa_n=0.8, kappa_p=0.6)
    assert tau == pytest.approx(2e-12 * 0.03 / (0.7 * 1e-11))
    assert dyn.current_from_tau(tau, 2e-12, Ut=0.03, kappa_n=0.8, kappa_p=0.6) == (
        pytest.approx(1e-11)
    )
    t = dyn.pulse_width_from_current(2e-9, 1e-12, Vth=0.5)
    assert t == pytest.approx(0.5 * 1e-12 / 2e-9)
    assert dyn.current_from_pulse_width(t, 1e-12, Vth=0.5) == pytest.approx(2e-9)
    # Building from times reproduces rockpool's default bias currents.
    sim = DynapSim.from_time_constants(2)
    for name in ("Itau_mem", "Itau_syn", "Itau_ahp", "Iref", "Ipulse", "Ipulse_ahp"):
        np.testing.assert_allclose(getattr(sim, name), DEFAULTS[name], rtol=1e-6, err_msg=name)
    for name in ("Igain_mem", "Igain_syn", "Igain_ahp"):
        np.testing.assert_allclose(getattr(sim, name), DEFAULTS[name], rtol=1e-6, err_msg=name)
    slow = DynapSim.from_time_constants(2, tau_mem=0.1, t_ref=4e-3)
    np.testing.assert_allclose(slow.time_constants()["tau_mem"], 0.1, rtol=1e-6)
    np.testing.assert_allclose(slow.time_constants()["t_ref"], 4e-3, rtol=1e-6)


def test_parameter_metadata():
    specs = param_specs(DynapSim)
    assert len(specs) == 26
    for name, spec in specs.items():
        assert spec.doc, name
        if name.startswith("I"):
            assert spec.unit == "A" and spec.log and spec.bounds[0] == 0.0, name
            assert 1e-15 <= spec.slider[0] < spec.default < spec.slider[1] <= 1e-6, name
        if name.startswith("C_"):
            assert spec.unit == "F" and spec.log, name
        lo, hi = spec.slider
        assert lo <= spec.default <= hi, name
    assert specs["dt"].unit == "s" and specs["Ut"].unit == "V"


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(Idc=-1e-12), "Idc"),
        (dict(Itau_mem=-1e-12), "Itau_mem"),
        (dict(C_mem=-1e-12), "C_mem"),
        (dict(C_syn=0.0), "C_syn"),
        (dict(Iref=0.0), "Iref"),
        (dict(Igain_syn=np.ones(4) * 1e-9), "Igain_syn"),
        (dict(w_rec=np.zeros((3, 3, 2))), "w_rec"),
        (dict(has_rec=False, w_rec=np.zeros((3, 3, 4))), "has_rec"),
        (dict(dt=np.nan), "dt"),
        (dict(percent_mismatch=-0.1, rng_key=jax.random.PRNGKey(0)), "percent_mismatch"),
    ],
)
def test_bad_arguments_name_the_parameter(kwargs, match):
    with pytest.raises(ValueError, match=match):
        DynapSim(3, **kwargs)


def test_bad_shapes_and_inputs():
    for shape in [0, -2, (3, 4), (2, 2, 2), 2.5, "3"]:
        with pytest.raises(ValueError, match="shape"):
            DynapSim(shape)
    sim = DynapSim(3)
    # (T, 3) and (B, T, 3) are rockpool's single-synapse layout (AMPA), accepted.
    for x in [np.zeros((10, 4)), np.zeros((10, 4, 4)), np.zeros((10, 3, 2)), np.zeros(10)]:
        with pytest.raises(ValueError, match="input_data"):
            sim.evolve(x)
    with pytest.raises(ValueError, match="state"):
        sim.evolve(np.zeros((5, 3, 4)), state={"imem": np.zeros(3)})
    with pytest.raises(TypeError, match="Itau"):
        DynapSim(3, Itau=1e-12)


# ----------------------------------------------------------------------------------------
# rockpool
# ----------------------------------------------------------------------------------------


def _rockpool_dynapsim():
    try:
        from rockpool.devices.dynapse import DynapSim as RockpoolDynapSim
    except Exception as err:  # rockpool pulls in optional deps that may fail in many ways
        pytest.skip(f"rockpool's DynapSim is not importable here: {err!r}")
    return RockpoolDynapSim


@pytest.mark.parametrize("recurrent", [False, True])
def test_ampa_only_matches_rockpool(recurrent):
    RockpoolDynapSim = _rockpool_dynapsim()
    rng = np.random.default_rng(3)
    n, n_steps = 32, 500
    x = (rng.random((n_steps, n)) < 0.05).astype(np.float32)
    w = rng.normal(0, 0.5, (n, n)).astype(np.float32) if recurrent else None
    params = dict(Idc=rng.uniform(1e-11, 2e-10, n).astype(np.float32), Iw_ahp=1e-8)
    theirs = RockpoolDynapSim(n, has_rec=recurrent, w_rec=w, **params)
    s_r, _, rec_r = theirs.evolve(x[None])
    x4 = np.zeros((n_steps, n, 4), np.float32)
    x4[..., 0] = x
    ours = DynapSim(n, w_rec=w, **params)
    s, _, rec = ours.evolve(x4)
    assert float(s.sum()) > 50
    np.testing.assert_array_equal(s, np.asarray(s_r[0]))
    # Both run the same float32 operations; XLA fuses them differently, which moves the
    # last few bits (measured up to ~3e-6 relative over 1000 steps). 1e-4 keeps a wide
    # margin while any shifted spike or a wrong term would show as an O(1) error.
    np.testing.assert_allclose(rec["iampa"], rec_r["isyn"][0], rtol=1e-4)
    np.testing.assert_allclose(rec["imem"], rec_r["imem"][0], rtol=1e-4)
    np.testing.assert_allclose(rec["iahp"], rec_r["iahp"][0], rtol=1e-4)
    np.testing.assert_allclose(rec["vmem"], rec_r["vmem"][0], rtol=1e-4, atol=1e-9)
