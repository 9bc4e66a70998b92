"""The jaxsnn discrete encoders: the documented examples, the decided quirks, errors."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from snnlab.encode import (
    LIFParameters,
    constant_current_lif_encode,
    heaviside,
    lif_current_encoder,
    one_hot,
    spatio_temporal_encode,
    superspike,
)

DATA = jnp.array([2, 4, 8, 16])
# The example's numbers are short decimals computed in float32 by repeated Euler steps;
# 1e-6 covers the few roundings of 0.1 * i (float32 eps is 1.2e-7, values <= 1).
TOL = 1e-6


def test_lif_parameters_defaults():
    p = LIFParameters()
    assert p.as_dict() == pytest.approx(
        {"tau_syn": 0.005, "tau_mem": 0.01, "v_th": 0.6, "v_leak": 0.0, "v_reset": 0.0}
    )
    np.testing.assert_allclose(p.dynamics, [[-100.0, 100.0], [0.0, -200.0]], rtol=1e-6)
    with pytest.raises(ValueError, match="tau_mem"):
        LIFParameters(tau_mem=0.0)


def test_seed_example_holds_with_v_th_one():
    v, z = constant_current_lif_encode(DATA, 2, params=LIFParameters(v_th=1.0), return_trace=True)
    np.testing.assert_allclose(v, [[0.2, 0.4, 0.8, 0.0], [0.38, 0.76, 0.0, 0.0]], atol=TOL)
    np.testing.assert_array_equal(z, [[0, 0, 0, 1], [0, 0, 1, 1]])


def test_default_returns_final_voltage_and_spikes():
    v, z = constant_current_lif_encode(DATA, 2)
    # jaxsnn's default v_th = 0.6: 0.8 and 0.76 now cross as well.
    np.testing.assert_array_equal(z, [[0, 0, 1, 1], [0, 1, 1, 1]])
    np.testing.assert_allclose(v, [0.38, 0.0, 0.0, 0.0], atol=TOL)
    trace, z2 = constant_current_lif_encode(DATA, 2, return_trace=True)
    np.testing.assert_array_equal(trace[-1], v)
    np.testing.assert_array_equal(z2, z)


def test_lif_current_encoder_step_and_half_spike_at_threshold():
    p = LIFParameters(v_th=1.0)
    v, z = lif_current_encoder(jnp.array([0.0, 0.5]), jnp.array([3.0, 5.0]), p, dt=0.001)
    # v + dt/tau (-v + i): 0.3 and 0.5 + 0.1 * 4.5 = 0.95.
    np.testing.assert_allclose(v, [0.3, 0.95], atol=TOL)
    np.testing.assert_array_equal(z, [0.0, 0.0])
    # Landing exactly on the threshold emits 0.5 and resets halfway (jaxsnn's heaviside).
    v, z = lif_current_encoder(jnp.array([1.0]), jnp.array([1.0]), p, dt=0.001)
    assert float(z[0]) == 0.5 and float(v[0]) == 0.5


def test_superspike_gradient():
    assert float(heaviside(0.0)) == 0.5
    g = jax.vmap(jax.grad(superspike))(jnp.array([-0.1, 0.0, 0.05]))
    np.testing.assert_allclose(g, 1.0 / (80.0 * np.abs([-0.1, 0.0, 0.05]) + 1.0) ** 2, rtol=1e-6)
    # Gradient through a whole encoding run is finite.
    dv = jax.grad(lambda c: constant_current_lif_encode(c, 20)[1].sum())(jnp.array([1.0, 3.0]))
    assert np.all(np.isfinite(dv))


def test_one_hot():
    out = one_hot(jnp.array([0, 2, 1, 5]), 3)
    np.testing.assert_array_equal(out, [[1, 0, 0], [0, 0, 1], [0, 1, 0], [0, 0, 0]])
    assert out.dtype == jnp.float32
    assert one_hot(jnp.array([1]), 2, dtype=jnp.int32).dtype == jnp.int32
    with pytest.raises(ValueError, match="k="):
        one_hot(jnp.array([1]), 0)


def test_spatio_temporal_encode():
    x = jnp.array([0.0, 0.5, 1.0])
    out = spatio_temporal_encode(x, 11, 0.01, 0.001)
    assert out.shape == (11, 3)
    assert np.argmax(out, axis=0).tolist() == [0, 5, 10]
    assert np.all(out.sum(axis=0) == 1)
    # 2-D points: one spike per coordinate.
    pts = jnp.array([[0.1, 0.9], [0.3, 0.7]])
    out2 = spatio_temporal_encode(pts, 11, 0.01, 0.001)
    assert out2.shape == (11, 2, 2)
    assert np.argmax(out2, axis=0).tolist() == [[1, 9], [3, 7]]
    # t_early shifts x = 0 to step 2 and keeps x = 1 at t_late.
    out3 = spatio_temporal_encode(x, 11, 0.01, 0.001, t_early=0.002)
    assert np.argmax(out3, axis=0).tolist() == [2, 6, 10]


def test_spatio_temporal_encode_errors():
    with pytest.raises(ValueError, match="input_values"):
        spatio_temporal_encode(jnp.array([1.0]), 10, 0.01, 0.001)  # step 10 of 0..9
    with pytest.raises(ValueError, match="input_values"):
        spatio_temporal_encode(jnp.array([-0.2]), 10, 0.009, 0.001)
    with pytest.raises(ValueError, match="2 axes"):
        spatio_temporal_encode(jnp.zeros((2, 2, 2)), 10, 0.009, 0.001)
    with pytest.raises(ValueError, match="seq_length"):
        spatio_temporal_encode(jnp.array([0.5]), 0, 0.009, 0.001)
    with pytest.raises(ValueError, match="dt"):
        spatio_temporal_encode(jnp.array([0.5]), 10, 0.009, -0.001)
    with pytest.raises(ValueError, match="t_late"):
        spatio_temporal_encode(jnp.array([0.5]), 10, 0.001, 0.001, t_early=0.005)
    with pytest.raises(ValueError, match="seq_length"):
        constant_current_lif_encode(DATA, 2.5)


def test_spatio_temporal_encode_jits():
    f = jax.jit(spatio_temporal_encode, static_argnums=(1,))
    out = f(jnp.array([0.0, 0.5]), 11, 0.01, 0.001)
    assert np.argmax(out, axis=0).tolist() == [0, 5]
