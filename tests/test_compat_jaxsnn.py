"""snnlab.compat.jaxsnn: jaxsnn's EventProp names on snnlab.eventprop, same gradients."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.scipy.linalg import expm

from snnlab import eventprop as ep
from snnlab.compat import jaxsnn as js


def _inputs(seed=0, n_in=4, k=10):
    rng = np.random.default_rng(seed)
    t = jnp.asarray(np.sort(rng.uniform(0.0, 0.02, k)))
    i = jnp.asarray(rng.integers(0, n_in, k))
    return t, i, js.EventPropSpike(t, i, jnp.zeros(k))


@pytest.mark.parametrize("tau_syn", [5e-3, 3e-3, 1e-2])
def test_adjoint_flows_are_the_matrix_exponential(x64, tau_syn):
    p = js.LIFParameters(tau_syn=tau_syn, tau_mem=1e-2)
    kernel = jnp.array([[-1.0 / p.tau_mem, 0.0], [1.0 / p.tau_syn, -1.0 / p.tau_syn]])
    lam = jnp.array([0.7, -1.3])
    for t in (0.0, 1e-3, 7e-3, 3e-2):
        want = expm(kernel * t) @ lam
        np.testing.assert_allclose(js.adjoint_lif_dynamic(p, lam, t), want, rtol=1e-10)
        got = js.adjoint_lif_exponential_flow(p)(js.LIFState(lam[0], lam[1]), t)
        np.testing.assert_allclose([got.V, got.I], want, rtol=1e-10)
        ref = js.exponential_flow(kernel)(js.LIFState(lam[0], lam[1]), t)
        np.testing.assert_allclose([ref.V, ref.I], want, rtol=1e-10)


def test_forward_flow_and_ttfs_solver(x64):
    p = js.LIFParameters()
    s = js.LIFState(jnp.array(0.1), jnp.array(3.0))
    out = js.lif_exponential_flow(p)(s, 4e-3)
    ref = js.exponential_flow(p.dynamics)(s, 4e-3)
    np.testing.assert_allclose([out.V, out.I], [ref.V, ref.I], rtol=1e-10)
    t = js.ttfs_solver(p.tau_mem, p.v_th, s, 0.05)
    v = js.lif_exponential_flow(p)(s, t).V
    np.testing.assert_allclose(v, p.v_th, rtol=1e-9)
    quiet = js.LIFState(jnp.array(0.0), jnp.array(0.1))
    assert js.ttfs_solver(p.tau_mem, p.v_th, quiet, 0.05) == 0.05


def test_input_queue_and_filter():
    spikes = js.EventPropSpike(jnp.array([0.1, 0.2, 0.3]), jnp.array([5, 1, 6]), jnp.zeros(3))
    q = js.InputQueue(spikes)
    assert not q.is_empty and float(q.peek().time) == pytest.approx(0.1)
    assert int(q.pop().idx) == 5 and int(q.head) == 1
    q.head = 3
    assert q.is_empty and float(q.next_time_or_default(9.0)) == 9.0
    kept = js.filter_spikes(spikes, 5)
    np.testing.assert_array_equal(kept.idx, [5, 6, -1])
    assert np.isinf(kept.time[-1])


@pytest.mark.parametrize("tau_syn", [5e-3, 4e-3])
def test_two_layers_same_gradients_as_eventprop(x64, tau_syn):
    p = js.LIFParameters(tau_syn=tau_syn)
    t_max, n_in, n_h, n_o = 0.05, 4, 5, 3
    t_in, i_in, inp = _inputs()
    rng = np.random.default_rng(1)
    w1 = jnp.asarray(rng.uniform(0.5, 1.5, (n_in, n_h)))
    w2 = jnp.asarray(rng.uniform(0.5, 1.5, (n_h, n_o)))
    c = jnp.arange(1.0, n_o + 1)

    def snnlab_loss(w1, w2):
        h = ep.lif_layer(w1, t_in, i_in, p, t_max=t_max, max_spikes=20)
        o = ep.lif_layer(w2, h.time, h.idx, p, t_max=t_max, max_spikes=40)
        return jnp.sum(c * ep.first_times(o, n_o, t_max))

    want = jax.grad(snnlab_loss, argnums=(0, 1))(w1, w2)
    for layer in (js.EventPropLIF, js.LIF):
        _, apply_fn = js.serial(layer(n_h, 30, t_max, p), layer(n_o, 60, t_max, p))

        def loss(weights, apply_fn=apply_fn):
            _, _, out, _ = apply_fn(weights, inp)
            return jnp.sum(c * js.first_spike(out, n_in + n_h + n_o, n_o))

        got = jax.grad(loss)([js.WeightInput(w1), js.WeightInput(w2)])
        np.testing.assert_allclose(got[0].input, want[0], rtol=1e-7, atol=1e-12)
        np.testing.assert_allclose(got[1].input, want[1], rtol=1e-7, atol=1e-12)
        assert np.abs(np.asarray(want[0])).max() > 0


def test_recurrent_layer_same_gradients_as_eventprop(x64):
    p = js.LIFParameters()
    t_max, n_in, n = 0.05, 4, 3
    t_in, i_in, inp = _inputs(seed=2)
    rng = np.random.default_rng(3)
    w = jnp.asarray(rng.uniform(0.6, 1.6, (n_in, n)))
    w_rec = jnp.asarray(rng.normal(0.0, 0.3, (n, n)))
    c = jnp.asarray(rng.normal(size=24))

    def snnlab_loss(w, w_rec):
        s = ep.lif_layer(w, t_in, i_in, p, t_max=t_max, max_spikes=24, recurrent=w_rec)
        return jnp.sum(c * jnp.where(s.idx >= 0, s.time, 0.0))

    want = jax.grad(snnlab_loss, argnums=(0, 1))(w, w_rec)
    _, apply_fn = js.RecurrentEventPropLIF(n, 34, t_max, p)

    def loss(weights):
        _, _, out, _ = apply_fn(weights, inp)
        own = out.idx >= n_in
        order = jnp.argsort(jnp.where(own, out.time, jnp.inf), stable=True)[:24]
        times = jnp.where(own[order], out.time[order], 0.0)
        return jnp.sum(c * times)

    got = jax.grad(loss)(js.WeightRecurrent(w, w_rec))
    np.testing.assert_allclose(got.input, want[0], rtol=1e-7, atol=1e-12)
    np.testing.assert_allclose(got.recurrent, want[1], rtol=1e-7, atol=1e-12)
