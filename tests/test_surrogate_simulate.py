"""simulate(..., surrogate=...): gradients of a loss on spikes through the stepped engine."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import snnlab
from snnlab.compat.neurai import nn
from snnlab.generators import DCGenerator, PoissonGenerator
from snnlab.neurons import CONTINUOUS_MODELS, LIF, SNNLIF, Sigmoid, SuperSpike

AMPLITUDES = (1.0, 10.0, 100.0, 500.0, 2000.0)  # pA (unitless for FitzHugh-Nagumo)


def _driven(cls):
    model = cls(size=2)
    for amp in AMPLITUDES:
        res = snnlab.simulate(model, DCGenerator(amplitude=amp), duration=60.0)
        if res.spikes.sum() > 0:
            return model, amp, res
    pytest.skip(f"{cls.__name__} does not fire for {AMPLITUDES}")


@pytest.mark.parametrize("cls", CONTINUOUS_MODELS, ids=lambda c: c.__name__)
def test_gradients_of_a_spike_loss_through_simulate_are_finite_and_nonzero(cls):
    model, amp, plain = _driven(cls)
    drive = DCGenerator(amplitude=amp)
    # SuperSpike's heavy tail: models whose potential jumps far past threshold in one
    # step (AdEx) still get a gradient.
    res = snnlab.simulate(model, drive, duration=60.0, surrogate=SuperSpike())
    # the same run as without surrogate: spikes and states
    np.testing.assert_array_equal(np.asarray(res.spikes) > 0, plain.spikes)
    np.testing.assert_array_equal(res.spike_times, plain.spike_times)
    # The same run compiled two ways (the plain run through the cached jit runner, the
    # surrogate run unjitted for reverse mode): float32 roundings differ and a steep
    # upswing amplifies them (MorrisLecar: 7e-5 mV), and rkf45 (HH) may accept other
    # sub-steps on a rounding (its rtol = atol = 1e-6). Spikes above are equal exactly;
    # traces agree to 1e-4 of their own scale.
    for name in plain.traces:
        scale = float(np.max(np.abs(plain[name]))) or 1.0
        np.testing.assert_allclose(np.asarray(res[name]), plain[name], rtol=1e-4, atol=1e-4 * scale)

    def loss(m):
        r = snnlab.simulate(m, drive, duration=60.0, surrogate=SuperSpike())
        return jnp.sum(r.spikes * jnp.arange(r.spikes.shape[0])[:, None])

    grads = eqx.filter_grad(loss)(model)
    leaves = jax.tree_util.tree_leaves(eqx.filter(grads, eqx.is_inexact_array))
    assert all(bool(jnp.all(jnp.isfinite(g))) for g in leaves)
    assert sum(float(jnp.sum(jnp.abs(g))) for g in leaves) > 0


def test_gradient_with_respect_to_an_input_weight_matches_finite_differences_of_a_smooth_loss():
    # A loss on the voltage (smooth between resets, no spike near the threshold) checks
    # the engine's derivative itself: the surrogate path must not change it.
    model = LIF(size=1, V_th=0.0)  # never fires
    spikes_in = PoissonGenerator(rate=200.0)

    def loss(w):
        r = snnlab.simulate(
            model, snnlab.Connection(spikes_in, w), duration=50.0, surrogate=Sigmoid()
        )
        return jnp.mean(r["V"])

    g = jax.grad(loss)(jnp.asarray(2.0))
    # V is linear in w: the derivative is the mean response to weight 1
    r1 = snnlab.simulate(model, snnlab.Connection(spikes_in, 1.0), duration=50.0)
    r0 = snnlab.simulate(model, snnlab.Connection(spikes_in, 0.0), duration=50.0)
    expected = np.mean(r1["V"]) - np.mean(r0["V"])
    assert float(g) == pytest.approx(expected, rel=1e-4)


def test_surrogate_true_uses_the_models_surrogate_grad_fn_and_errors_are_clear():
    drive = DCGenerator(amplitude=500.0)
    m = nn.LIF(surrogate_grad_fn=SuperSpike())
    a = snnlab.simulate(m, drive, duration=30.0, surrogate=True)
    b = snnlab.simulate(m, drive, duration=30.0, surrogate=SuperSpike())
    np.testing.assert_array_equal(a.spikes, b.spikes)
    assert isinstance(a.spikes, jax.Array) and a.spikes.dtype != bool
    with pytest.raises(ValueError, match="no surrogate_grad_fn"):
        snnlab.simulate(LIF(), drive, duration=10.0, surrogate=True)
    with pytest.raises(ValueError, match="derivative"):
        snnlab.simulate(LIF(), drive, duration=10.0, surrogate="sigmoid")
    with pytest.raises(ValueError, match="engine='stepped'"):
        snnlab.simulate(LIF(), drive, duration=10.0, surrogate=Sigmoid(), engine="event")
    with pytest.raises(ValueError, match="discrete-time"):
        snnlab.simulate(SNNLIF(), drive, duration=10.0, surrogate=Sigmoid())
