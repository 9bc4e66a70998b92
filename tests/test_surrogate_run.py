"""surrogate_run: the stepped engine's spikes, differentiable through a surrogate."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import snnlab
from snnlab.compat.neurai import nn
from snnlab.neurons import CONTINUOUS_MODELS, SuperSpike, surrogate_run

AMPLITUDES = (1.0, 10.0, 100.0, 500.0, 2000.0)  # pA (unitless for FitzHugh-Nagumo)


def _driven(cls):
    model = cls(size=2)
    for amp in AMPLITUDES:
        res = snnlab.simulate(model, snnlab.generators.DCGenerator(amplitude=amp), duration=100.0)
        if res.spikes.sum() > 0:
            return model, amp, res
    pytest.skip(f"{cls.__name__} does not fire for {AMPLITUDES}")


@pytest.mark.parametrize("cls", CONTINUOUS_MODELS, ids=lambda c: c.__name__)
def test_same_spikes_as_the_stepped_engine_and_finite_nonzero_gradients(cls):
    model, amp, res = _driven(cls)
    current = jnp.full((1000, 2), amp)
    spikes, states = surrogate_run(model, current, dt=0.1)
    np.testing.assert_array_equal(np.asarray(spikes) > 0, res.spikes[1:])
    first = res.traces[model.state_names[0]][1:]
    np.testing.assert_allclose(states[..., 0], first, rtol=1e-4, atol=1e-4)

    def loss(m):
        # SuperSpike's heavy tail: models whose potential jumps far past threshold in one
        # step (AdEx) still get a gradient.
        s, _ = surrogate_run(m, current, dt=0.1, surrogate=SuperSpike())
        return jnp.sum(s * jnp.arange(1000)[:, None])

    grads = eqx.filter_grad(loss)(model)
    leaves = jax.tree_util.tree_leaves(eqx.filter(grads, eqx.is_inexact_array))
    assert all(bool(jnp.all(jnp.isfinite(g))) for g in leaves)
    assert sum(float(jnp.sum(jnp.abs(g))) for g in leaves) > 0


def test_surrogate_from_the_model_or_given():
    current = jnp.full((300, 1), 500.0)
    m = nn.LIF(surrogate_grad_fn=SuperSpike())
    a, _ = surrogate_run(m, current)
    b, _ = surrogate_run(m, current, surrogate=SuperSpike())
    np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="n_steps"):
        surrogate_run(m)
    assert surrogate_run(m, n_steps=5)[0].shape == (5, 1)
