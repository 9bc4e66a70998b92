"""Surrogate gradients: exact step forward, the declared pulse backward, plottable shape."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from snnlab.core._spike import heaviside
from snnlab.neurons._surrogate import (
    SURROGATES,
    Arctan,
    GatedSurrogate,
    MultiGaussian,
    Rectangular,
    Sigmoid,
    SuperSpike,
    spike_fn,
)

ALL = [Sigmoid(), SuperSpike(), Rectangular(), MultiGaussian(), Arctan()]
# Grid avoiding the box edges of Rectangular (|x| = 0.5), where its derivative jumps.
X = jnp.linspace(-1.99, 1.99, 200)


@pytest.mark.parametrize("sg", ALL, ids=lambda s: type(s).__name__)
def test_forward_is_step_and_backward_is_derivative(sg):
    out = sg(X)
    np.testing.assert_array_equal(np.asarray(out), (np.asarray(X) >= 0).astype(np.float32))
    assert float(sg(jnp.float32(0.0))) == 1.0  # at threshold a neuron fires (V >= V_th)
    grad = jax.vmap(jax.grad(lambda x: sg(x)))(X)
    # The custom JVP multiplies the tangent by derivative(x) and nothing else: exact.
    np.testing.assert_array_equal(np.asarray(grad), np.asarray(sg.derivative(X)))


@pytest.mark.parametrize("sg", ALL, ids=lambda s: type(s).__name__)
def test_shape_for_plotting(sg):
    x, d = sg.shape()
    assert x.shape == d.shape == (401,)
    assert np.all(np.isfinite(np.asarray(d)))
    assert float(d[200]) == pytest.approx(float(jnp.max(d)), rel=1e-6)  # peak at x = 0
    x2, _ = sg.shape(jnp.array([0.0, 1.0]))
    assert x2.shape == (2,)


@pytest.mark.parametrize(
    "sg,area",
    [
        (Sigmoid(alpha=4.0), 1.0),
        (Rectangular(a=0.5), 1.0),
        (Arctan(), 1.0),
        (SuperSpike(alpha=10.0), 0.2),
    ],
    ids=["Sigmoid", "Rectangular", "Arctan", "SuperSpike"],
)
def test_areas(sg, area):
    # A trapezoid sum on a wide, fine grid; the tails beyond |x| = 200 carry < 1e-2 of the
    # Arctan area (its 1/x^2 tail) and the grid error is O(h) at the box edges, so 1.5e-2.
    x = jnp.linspace(-200.0, 200.0, 400_001)
    _, d = sg.shape(x)
    assert float(jnp.trapezoid(d, x)) == pytest.approx(area, abs=1.5e-2)


def test_width_has_no_gradient_and_no_retrace():
    traces = 0

    @jax.jit
    def g(x, sg):
        nonlocal traces
        traces += 1
        return jax.grad(lambda u: jnp.sum(spike_fn(u, sg)))(x)

    for alpha in (1.0, 4.0, 10.0):
        g(X, Sigmoid(alpha=alpha))
    assert traces == 1
    dalpha = jax.grad(lambda a: jnp.sum(spike_fn(X, Sigmoid(alpha=a))))(4.0)
    assert float(dalpha) == 0.0


def test_gated_surrogate():
    sg = GatedSurrogate(Sigmoid(), jnp.asarray(-0.2))
    d = sg.derivative(X)
    assert np.all(np.asarray(d)[np.asarray(X) <= -0.2] == 0.0)
    np.testing.assert_array_equal(
        np.asarray(d)[np.asarray(X) > -0.2],
        np.asarray(Sigmoid().derivative(X))[np.asarray(X) > -0.2],
    )


def test_bad_width_names_parameter():
    with pytest.raises(ValueError, match="alpha"):
        Sigmoid(alpha=0.0)
    with pytest.raises(ValueError, match="lens"):
        MultiGaussian(lens=-1.0)


def test_registry_and_metadata():
    assert set(SURROGATES) >= {"Sigmoid", "SuperSpike", "Rectangular", "MultiGaussian"}
    for cls in SURROGATES.values():
        for spec in cls.parameter_specs().values():
            assert spec.doc
            assert spec.slider[0] <= spec.default <= spec.slider[1]


def test_heaviside_dtype():
    assert heaviside(jnp.array([1, -1])).dtype == jnp.float32
    assert heaviside(jnp.array([0.0], jnp.float32)).dtype == jnp.float32
