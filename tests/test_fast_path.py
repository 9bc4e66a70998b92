"""The stepped engine's fast paths: cached plans, lazy spike lists, counting mode, phi1."""

import math
from fractions import Fraction

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import snnlab
from snnlab.core import phi1, trace_count
from snnlab.generators import DCGenerator, PoissonGenerator
from snnlab.neurons import LIF

LIF_KW = dict(tau=10.0, R=0.04, V_rest=-70.0, V_reset=-70.0, V_th=-55.0, tau_ref=2.0)


def spike_lists(spikes, t):
    """Reference: every spike in time order, found with np.nonzero."""
    steps, ids = np.nonzero(spikes)
    return t[steps], ids


def test_repeated_call_with_the_same_objects_gives_the_same_result():
    model, drive = LIF(size=3, I_e=[0.0, 200.0, 450.0], **LIF_KW), DCGenerator(amplitude=300.0)
    a = snnlab.simulate(model, drive, duration=200.0)
    b = snnlab.simulate(model, drive, duration=200.0)  # from simulate's plan cache
    np.testing.assert_array_equal(a["V"], b["V"])
    np.testing.assert_array_equal(a.spikes, b.spikes)


def test_new_objects_are_not_served_a_cached_plan_and_do_not_recompile():
    drive = DCGenerator(amplitude=500.0)
    slow = snnlab.simulate(LIF(**LIF_KW), drive, duration=200.0)
    before = trace_count()
    fast = snnlab.simulate(LIF(**{**LIF_KW, "tau": 5.0}), drive, duration=200.0)
    stronger = snnlab.simulate(LIF(**LIF_KW), DCGenerator(amplitude=700.0), duration=200.0)
    assert trace_count() == before
    # LIF closed form: period tau_ref + tau ln((V_inf - V_reset) / (V_inf - V_th)) at V_inf
    # = -70 + 0.04 I mV; the stepped spike times fall on the next grid point (<= dt late).
    for res, tau, current in ((slow, 10.0, 500.0), (fast, 5.0, 500.0), (stronger, 10.0, 700.0)):
        v_inf = -70.0 + 0.04 * current
        period = 2.0 + tau * math.log((v_inf + 70.0) / (v_inf + 55.0))
        isi = np.diff(res.spike_times)
        assert np.all(np.abs(isi - period) <= 0.1 + 1e-4)


def test_seeds_are_honoured_by_the_cached_plan():
    model = LIF(size=20, **LIF_KW)
    drive = snnlab.Connection(PoissonGenerator(size=20, rate=800.0), weight=300.0)
    a1 = snnlab.simulate(model, drive, duration=100.0, seed=1)
    a2 = snnlab.simulate(model, drive, duration=100.0, seed=2)
    a1_again = snnlab.simulate(model, drive, duration=100.0, seed=1)
    np.testing.assert_array_equal(a1.spikes, a1_again.spikes)
    assert not np.array_equal(a1["V"], a2["V"])
    with pytest.raises(ValueError, match="seed"):
        snnlab.simulate(model, drive, duration=100.0, seed=1.5)


def test_lazy_spike_lists_match_the_raster():
    model = LIF(size=4, I_e=[300.0, 400.0, 500.0, 600.0], **LIF_KW)
    res = snnlab.simulate(model, duration=300.0)
    times, ids = spike_lists(res.spikes, res.t)
    np.testing.assert_array_equal(res.spike_times, times)
    np.testing.assert_array_equal(res.spike_ids, ids)
    assert res.spike_ids.dtype == np.int64


@pytest.mark.parametrize("with_input", [False, True])
def test_counting_mode_matches_the_raster(with_input):
    currents = np.linspace(0.0, 1000.0, 16)
    model = LIF(size=16, I_e=currents, **LIF_KW)
    inputs = None
    if with_input:
        inputs = snnlab.Connection(PoissonGenerator(size=16, rate=500.0), weight=100.0)
    full = snnlab.simulate(model, inputs, duration=300.0, record=[], seed=4)
    counted = snnlab.simulate(model, inputs, duration=300.0, record=[], seed=4, raster=False)
    np.testing.assert_array_equal(counted.spike_counts, full.spikes.sum(0))
    for i in range(16):
        times = full.t[full.spikes[:, i]]
        first = times[0] if len(times) else np.nan
        last = times[-1] if len(times) else np.nan
        np.testing.assert_array_equal(counted.first_spike_time[i], first)
        np.testing.assert_array_equal(counted.last_spike_time[i], last)
    np.testing.assert_allclose(counted.rates(), full.rates())
    assert counted.spikes is None and counted.n_neurons == 16
    with pytest.raises(ValueError, match="raster=False"):
        counted.spike_times  # noqa: B018


def test_counting_mode_keeps_recorded_traces():
    model = LIF(size=2, I_e=[100.0, 600.0], **LIF_KW)
    full = snnlab.simulate(model, duration=100.0, record=["V"])
    counted = snnlab.simulate(model, duration=100.0, record=["V"], raster=False)
    np.testing.assert_array_equal(full["V"], counted["V"])


def test_counting_mode_is_stepped_only():
    with pytest.raises(ValueError, match="raster"):
        snnlab.simulate(LIF(), duration=10.0, engine="event", raster=False)


@pytest.mark.parametrize("z", [0.0, 1e-12, -3e-9, 1e-6, -2e-3, 0.05, 0.0999, 0.1, -0.5, 3.0])
def test_phi1_and_its_derivative_in_float64(z):
    with jax.enable_x64(True):
        x = jnp.float64(z)
        value, slope = float(phi1(x)), float(jax.grad(phi1)(x))
    # references in exact rational arithmetic: phi1 = sum z^k / (k + 1)!, phi1' = sum
    # k z^(k - 1) / (k + 1)!, 40 terms (the remainder is far below float64's ulp for
    # |z| <= 3). Tolerances: a few ulps (expm1 and one division; the derivative's closed
    # form above |z| = 0.1 loses up to ~eps / z^2 to cancellation).
    q = Fraction(z)
    ref = float(sum(q**k / math.factorial(k + 1) for k in range(40)))
    dref = float(sum(k * q ** (k - 1) / math.factorial(k + 1) for k in range(1, 40)))
    assert value == pytest.approx(ref, rel=1e-15, abs=0)
    assert slope == pytest.approx(dref, rel=1e-14, abs=0)


def test_a_numpy_array_changed_in_place_is_seen_by_the_next_call():
    """A model holding a numpy array is served a cached plan only while the array's
    contents are those the plan was made from."""
    drive = np.array([400.0, 400.0])
    model = LIF(size=2, **LIF_KW)
    model = eqx.tree_at(lambda m: m.I_e, model, drive)
    if not any(isinstance(x, np.ndarray) for x in jax.tree_util.tree_leaves(model)):
        pytest.skip("the model converts its parameters to JAX arrays")
    first = snnlab.simulate(model, [], duration=50.0, dt=0.1).spikes.sum()
    drive[:] = 0.0
    second = snnlab.simulate(model, [], duration=50.0, dt=0.1).spikes.sum()
    assert first > 0
    assert second == 0


def test_parameters_made_from_numbers_are_read_only_and_a_users_array_is_kept():
    """`float_array` freezes the arrays it makes (no one else holds them), so a cached
    plan need not watch them; an array of the right dtype is the user's own and stays
    writeable (and watched: the test above)."""
    model = LIF(size=2, **LIF_KW)
    assert not model.tau.flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        model.tau[...] = 1.0
    own = np.array([300.0, 500.0], dtype=jnp.result_type(float))
    assert LIF(size=2, I_e=own, **LIF_KW).I_e is own
    assert own.flags.writeable


def test_a_read_only_view_of_a_changed_array_is_seen_by_the_next_call():
    """A read-only view does not own its data: its base can still change, so the cached
    plan watches it."""
    drive = np.array([400.0], dtype=jnp.result_type(float))
    model = eqx.tree_at(lambda m: m.I_e, LIF(size=2, **LIF_KW), np.broadcast_to(drive, (2,)))
    if not any(isinstance(x, np.ndarray) for x in jax.tree_util.tree_leaves(model)):
        pytest.skip("the model converts its parameters to JAX arrays")
    first = snnlab.simulate(model, [], duration=50.0, dt=0.1).spikes.sum()
    drive[:] = 0.0
    second = snnlab.simulate(model, [], duration=50.0, dt=0.1).spikes.sum()
    assert first > 0
    assert second == 0


def test_a_repeated_call_with_default_models_is_served_the_cached_plan(monkeypatch):
    """The models keep their parameters as numpy arrays: a repeat with the same objects
    and unchanged arrays must still skip planning (the W1/W2 benchmarks' fast path)."""
    from snnlab.core import _simulate

    made = []
    original = _simulate.SteppedPlan.__init__

    def counting_init(self, *args, **kwargs):
        made.append(1)
        original(self, *args, **kwargs)

    monkeypatch.setattr(_simulate.SteppedPlan, "__init__", counting_init)
    model, drive = LIF(size=2, **LIF_KW), DCGenerator(size=2, amplitude=500.0)
    assert any(isinstance(x, np.ndarray) for x in jax.tree_util.tree_leaves(model))
    first = snnlab.simulate(model, drive, duration=60.0)
    again = snnlab.simulate(model, drive, duration=60.0)
    assert len(made) == 1
    np.testing.assert_array_equal(first["V"], again["V"])
