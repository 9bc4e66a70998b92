"""EventProp gradients with respect to the neuron parameters against central finite
differences; no NaN through the LIF crossing without synaptic current."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from snnlab import eventprop as ep
from snnlab.core import lif_crossing

NAMES = ("tau_mem", "tau_syn", "v_th", "v_leak", "v_reset")


def _network(seed=0, n_in=5, n=3, k=14):
    rng = np.random.default_rng(seed)
    times = np.sort(rng.uniform(0.0, 0.03, k))
    idx = rng.integers(0, n_in, k)
    w = rng.uniform(0.6, 1.6, (n_in, n))
    w_rec = rng.normal(0.0, 0.3, (n, n))
    return jnp.asarray(times), jnp.asarray(idx), jnp.asarray(w), jnp.asarray(w_rec)


def _fd(f, p, name, eps):
    up = eqx_replace(p, name, getattr(p, name) + eps)
    down = eqx_replace(p, name, getattr(p, name) - eps)
    return (f(up) - f(down)) / (2 * eps)


def _check(f, p, name, got):
    """`got` agrees with a central difference at one of three steps (1e-7, 1e-6, 1e-5
    relative to the parameter's scale): too small a step is swamped by rounding of the
    spike times (and at tau_mem = 2 tau_syn by the switch between the quadratic and the
    Newton root), too large a step by the curvature near grazing crossings."""
    scale = 1e-2 if name.startswith("tau") else 1.0
    errors = []
    for rel in (1e-7, 1e-6, 1e-5):
        fd = float(_fd(f, p, name, rel * scale))
        errors.append(abs(got - fd) / max(abs(fd), 1.0 / scale))
    assert min(errors) <= 1e-5, (name, got, errors)


def eqx_replace(p, name, value):
    return ep.LIFParameters(**(p.as_dict() | {name: value}))


@pytest.mark.parametrize(
    "tau_syn, recurrent",
    [(5e-3, True), (4e-3, True), (4e-3, False)],
    ids=["tau_mem=2tau_syn", "general", "feed-forward"],
)
def test_parameter_gradients_match_central_differences(x64, tau_syn, recurrent):
    times, idx, w, w_rec = _network()
    params = ep.LIFParameters(tau_syn=tau_syn, tau_mem=1e-2, v_th=0.6, v_leak=0.05, v_reset=-0.1)
    c = jnp.asarray(np.random.default_rng(1).normal(size=64))

    @jax.jit
    def loss(p):
        s = ep.lif_layer(
            w, times, idx, p, t_max=0.05, max_spikes=64, recurrent=w_rec if recurrent else None
        )
        return jnp.sum(c * s.time)

    count = ep.lif_layer(w, times, idx, params, t_max=0.05, max_spikes=64, recurrent=w_rec).count
    assert 8 <= int(count) < 64
    grads = jax.grad(loss)(params)
    for name in NAMES:
        got = float(getattr(grads, name))
        assert got != 0.0, name
        _check(loss, params, name, got)


def test_first_spike_time_gradients_for_parameters_and_t_max(x64):
    times, idx, w, _ = _network(seed=4, n=4)
    w = w.at[:, 3].set(0.0)  # neuron 3 never fires: its time is t_max
    params = ep.LIFParameters()

    def loss(p, t_max):
        t = ep.first_spike_times(w, times, idx, p, t_max)
        return jnp.sum(t * jnp.arange(1.0, 5.0))

    g_p, g_t = jax.grad(loss, argnums=(0, 1))(params, 0.05)
    assert float(g_t) == pytest.approx(4.0)  # only the silent neuron's t_max
    for name in NAMES:
        _check(lambda p: loss(p, 0.05), params, name, float(getattr(g_p, name)))


@pytest.mark.parametrize("argnum", range(6))
def test_no_nan_through_the_crossing_without_synaptic_current(x64, argnum):
    # a LIF driven by a constant current only (b = 0): u0 = V0 - V_inf < theta
    args = [jnp.asarray(-20.0), jnp.asarray(0.0), jnp.asarray(-5.0), 10.0, 5.0, 100.0]

    def crossing(*a):
        return lif_crossing(*a)

    g = jax.grad(crossing, argnums=argnum)(*args)
    assert np.isfinite(float(g)), argnum
    # and the value: u(s) = u0 e^{-s/tau} = theta  ->  s = tau log(u0 / theta)
    assert float(crossing(*args)) == pytest.approx(10.0 * np.log(4.0))
    if argnum == 0:
        assert float(g) == pytest.approx(-10.0 / 20.0)  # d/du0 of tau log(u0/theta)


def test_crossing_derivatives_are_continuous_through_the_quadratic_case(x64):
    # at tau_m = 2 tau_s the root comes from a quadratic that knows only tau_m; its
    # derivatives must still be those of the general root on either side
    args = [jnp.asarray(0.0), jnp.asarray(1.0), jnp.asarray(0.6), 1e-2, 5e-3, 0.05]
    for argnum in range(5):
        at = jax.grad(lif_crossing, argnums=argnum)(*args)
        near = [
            jax.grad(lif_crossing, argnums=argnum)(*args[:4], 5e-3 * (1 + d), args[5])
            for d in (1e-7, -1e-7)
        ]
        assert np.isfinite(float(at))
        np.testing.assert_allclose(float(at), np.mean([float(x) for x in near]), rtol=1e-5)
