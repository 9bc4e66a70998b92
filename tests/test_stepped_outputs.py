"""The stepped engine's outputs brought to the host in one buffer, and counting mode's
final state and divergence flag (kept without per-step arrays of their own)."""

import warnings

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import snnlab
from snnlab.core import _stepped
from snnlab.core._plan import plan_on_grid
from snnlab.core._simulate import DivergenceWarning
from snnlab.generators import DCGenerator, PoissonGenerator
from snnlab.neurons import HH, LIF, QIF, ExpLIF

LIF_KW = dict(tau=10.0, R=0.04, V_rest=-70.0, V_reset=-70.0, V_th=-55.0, tau_ref=2.0)


def _outputs(x):
    return {
        "f32": x * 1.5,
        "f16": x.astype(jnp.float16),  # a 2-byte type: offsets padded to 8 bytes
        "bool": x > 2.0,
        "int8": (x * 3).astype(jnp.int8),
        "scalar": jnp.int32(-7),
        "empty": jnp.zeros((4, 0), jnp.float32),
        "key": jax.random.PRNGKey(3),
        "nested": (x[:3].astype(jnp.int32), (x[:1] < 0,)),
        # more leaves than one fused concatenate takes (see `_stepped._concatenate`)
        "uint8": (x * 5).astype(jnp.uint8),
        "int16": (-x * 100).astype(jnp.int16),
        "uint16": (x * 100).astype(jnp.uint16),
        "bfloat16": x.astype(jnp.bfloat16),
        "uint32": (x * 9).astype(jnp.uint32),
    }


@pytest.mark.parametrize("n", [5, 300_000])  # all packed / the large leaves alone
def test_packed_outputs_come_back_exactly(n):
    x = jnp.arange(n, dtype=jnp.float32) / 7.0
    layouts = {}

    @jax.jit
    def packed(x):
        out, layouts["layout"] = _stepped.pack_outputs(_outputs(x))
        return out

    got = _stepped.unpack_outputs(packed(x), layouts["layout"])
    want = jax.device_get(_outputs(x))
    assert jax.tree_util.tree_structure(got) == jax.tree_util.tree_structure(want)
    for g, w in zip(jax.tree_util.tree_leaves(got), jax.tree_util.tree_leaves(want), strict=True):
        assert isinstance(g, np.ndarray) and g.dtype == w.dtype and g.shape == w.shape
        np.testing.assert_array_equal(g, w)
    alone = packed(x)[0]
    assert (len(alone) > 0) == (n > 5)  # the large leaves travel alone


def test_simulate_outputs_equal_the_engine_outputs():
    # simulate's runner packs its outputs; the plain runner returns them as JAX arrays
    model = ExpLIF(size=7, tau_syn=2.0, **LIF_KW)
    drive = snnlab.Connection(PoissonGenerator(size=7, rate=900.0), weight=250.0)
    res = snnlab.simulate(model, drive, duration=50.0, seed=5)
    conns, windows = plan_on_grid((drive,), 0.1)
    rec, spikes, first_bad, first_fail, carry = _stepped.run_stepped(
        model, conns, _stepped.bucket_steps(500), jnp.float32(0.1), np.uint32(5), "exp_euler",
        (0, 1), windows, np.int32(500), np.int32(0),
    )  # fmt: skip
    np.testing.assert_array_equal(res["V"], np.asarray(rec)[:501, :, 0])
    np.testing.assert_array_equal(res.spikes, np.asarray(spikes)[:501])
    assert int(first_bad) == -1 and int(first_fail) == -1
    leaves = jax.tree_util.tree_leaves(res.final_state.carry)
    for a, b in zip(leaves, jax.tree_util.tree_leaves(carry), strict=True):
        np.testing.assert_array_equal(a, np.asarray(b))


def test_counting_mode_final_state_equals_the_raster_runs():
    # counting mode rebuilds the last spikes and the spike condition at the end instead
    # of carrying them; continuing from either mode's state gives the same run
    model = LIF(size=12, I_e=np.linspace(200.0, 900.0, 12), **LIF_KW)
    drive = snnlab.Connection(PoissonGenerator(size=12, rate=400.0), weight=3.0)
    for duration in (0.1, 13.7, 40.0):
        full = snnlab.simulate(model, drive, duration=duration, seed=2)
        counted = snnlab.simulate(model, drive, duration=duration, seed=2, raster=False)
        leaves = jax.tree_util.tree_leaves(full.final_state.carry)
        for a, b in zip(leaves, jax.tree_util.tree_leaves(counted.final_state.carry), strict=True):
            np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(counted.final_state.carry[-1], full.spikes[-1])
        nxt_full = snnlab.simulate(
            model, drive, duration=30.0, seed=2, initial_state=full.final_state
        )
        nxt_counted = snnlab.simulate(
            model, drive, duration=30.0, seed=2, initial_state=counted.final_state, raster=False
        )
        np.testing.assert_array_equal(nxt_counted.spike_counts, nxt_full.spikes.sum(0))


def test_counting_mode_reports_the_first_non_finite_sample():
    # V = V_inf + (V0 - V_inf) e^{-t/tau} stays finite; an infinite drive makes V
    # non-finite at the first step on, in both modes alike
    model = LIF(
        size=3, I_e=[0.0, 1e38, 0.0], R=1e3, **{k: v for k, v in LIF_KW.items() if k != "R"}
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DivergenceWarning)
        full = snnlab.simulate(model, duration=5.0)
        counted = snnlab.simulate(model, duration=5.0, raster=False)
    assert full.diverged and counted.diverged
    assert counted.first_bad_time == full.first_bad_time == pytest.approx(0.1)


def test_the_cached_plan_shares_read_only_times():
    model, drive = LIF(**LIF_KW), DCGenerator(amplitude=500.0)
    a = snnlab.simulate(model, drive, duration=20.0)
    b = snnlab.simulate(model, drive, duration=20.0)
    np.testing.assert_array_equal(a.t, np.arange(201).astype(np.float32) * 0.1)
    assert not a.t.flags.writeable and a.t is b.t


def _raster_stats(res):
    """Spike counts and first and last spike times (ms, NaN for none) from a raster."""
    spikes = np.asarray(res.spikes)
    t = np.asarray(res.t)
    first = np.array([t[np.flatnonzero(c)[0]] if c.any() else np.nan for c in spikes.T])
    last = np.array([t[np.flatnonzero(c)[-1]] if c.any() else np.nan for c in spikes.T])
    return spikes.sum(0), first, last


@pytest.mark.parametrize("n_steps", [1, 2, 15, 16, 17, 31, 32, 33, 48, 100, 257])
def test_counting_mode_tallies_equal_the_raster_across_chunk_edges(n_steps):
    # counting mode folds the events of 16 samples at a time into its tally; every run
    # length, whole chunks and parts, gives the raster's counts, first and last spikes
    model = LIF(size=40, I_e=np.linspace(300.0, 6000.0, 40), **{**LIF_KW, "tau_ref": 0.1})
    drive = snnlab.Connection(PoissonGenerator(size=40, rate=2000.0), weight=20.0)
    duration = round(n_steps * 0.1, 10)
    full = snnlab.simulate(model, drive, duration=duration, seed=4)
    counted = snnlab.simulate(model, drive, duration=duration, seed=4, raster=False)
    count, first, last = _raster_stats(full)
    assert count.sum() > 0 or n_steps < 5
    np.testing.assert_array_equal(counted.spike_counts, count)
    np.testing.assert_array_equal(counted.first_spike_time, first)
    np.testing.assert_array_equal(counted.last_spike_time, last)
    # and continued from a state that ends inside a chunk
    nxt_full = snnlab.simulate(model, drive, duration=3.7, seed=4, initial_state=full.final_state)
    nxt_counted = snnlab.simulate(
        model, drive, duration=3.7, seed=4, initial_state=counted.final_state, raster=False
    )
    count, first, last = _raster_stats(nxt_full)
    np.testing.assert_array_equal(nxt_counted.spike_counts, count)
    np.testing.assert_array_equal(nxt_counted.first_spike_time, first)
    np.testing.assert_array_equal(nxt_counted.last_spike_time, last)


def test_counting_mode_finds_a_blow_up_at_any_place_in_a_chunk():
    # a QIF neuron with a huge threshold blows up sooner the larger its drive:
    # these drives put the first non-finite sample at many places within a chunk of 16
    times = set()
    for drive in np.geomspace(1e3, 3e5, 24):
        model = QIF(size=1, I_e=np.array([drive]), V_th=1e30)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DivergenceWarning)
            full = snnlab.simulate(model, duration=15.0, dt=0.1)
            counted = snnlab.simulate(model, duration=15.0, dt=0.1, raster=False)
        assert counted.diverged == full.diverged
        assert counted.first_bad_time == full.first_bad_time
        np.testing.assert_array_equal(counted.spike_counts, full.spikes.sum(0))
        if full.diverged:  # (some drives reach the threshold without overflowing)
            times.add(round(full.first_bad_time / 0.1) % 16)
    assert len(times) >= 8  # the drives did spread the blow-up over the chunk


@pytest.mark.parametrize("size", [1, 4, 5])
def test_small_runs_compile_with_classic_emitters_to_the_same_results(size):
    # runners of at most 4 neurons ask XLA for its classic CPU emitters (faster to
    # compile); the engine jitted with XLA's defaults gives the same numbers, bit for bit
    model = HH(size=size)
    drive = snnlab.Connection(DCGenerator(size=size, amplitude=np.linspace(800.0, 1200.0, size)))
    assert (_stepped._compiler_options(model) is not None) == (size <= 4)
    res = snnlab.simulate(model, drive, duration=30.0, dt=0.01, method="rk4", record=["V", "m"])
    conns, windows = plan_on_grid((drive,), 0.01)
    rec, spikes, *_ = _stepped.run_stepped(
        model, conns, _stepped.bucket_steps(3000), jnp.float32(0.01), np.uint32(0), "rk4",
        (0, 1), windows, np.int32(3000), np.int32(0),
    )  # fmt: skip
    assert res.spikes.sum() > 0
    np.testing.assert_array_equal(res["V"], np.asarray(rec)[:3001, :, 0])
    np.testing.assert_array_equal(res["m"], np.asarray(rec)[:3001, :, 1])
    np.testing.assert_array_equal(res.spikes, np.asarray(spikes)[:3001])


def test_the_engine_of_a_small_model_can_be_traced_inside_a_users_jit():
    # the classic-emitter option belongs to the host runner only: JAX refuses compiler
    # options on a jit nested in another trace, as here (an f-I curve by vmap)
    model = LIF(size=1, **LIF_KW)

    def count(i_e):
        one = eqx.tree_at(lambda m: m.I_e, model, i_e)
        out = _stepped.run_stepped(
            one, (), 1024, jnp.float32(0.1), np.uint32(0), "exp_euler", (), (),
            jnp.int32(1000), jnp.int32(0),
        )  # fmt: skip
        return out[1][:1001].sum()

    counts = jax.jit(jax.vmap(count))(jnp.asarray([[300.0], [500.0], [900.0]], jnp.float32))
    for i_e, n in zip([300.0, 500.0, 900.0], np.asarray(counts), strict=True):
        res = snnlab.simulate(
            eqx.tree_at(lambda m: m.I_e, model, jnp.asarray([i_e])), None, duration=100.0
        )
        assert n == res.spikes.sum()
