"""EventProp: the adjoint against expm, finite differences and autodiff; a toy task."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.scipy.linalg import expm

import snnlab
from snnlab import eventprop as ep
from snnlab.generators import SpikeGenerator
from snnlab.neurons import ExpLIF


def _network(seed=0, n_in=5, n=3, k=14):
    rng = np.random.default_rng(seed)
    times = np.sort(rng.uniform(0.0, 0.03, k))
    idx = rng.integers(0, n_in, k)
    w = rng.uniform(0.6, 1.6, (n_in, n))
    w_rec = rng.normal(0.0, 0.3, (n, n))
    return jnp.asarray(times), jnp.asarray(idx), jnp.asarray(w), jnp.asarray(w_rec)


@pytest.mark.parametrize("tau_syn", [5e-3, 3e-3, 1e-2])
def test_adjoint_propagator_is_expm(x64, tau_syn):
    p = ep.LIFParameters(tau_syn=tau_syn, tau_mem=1e-2)
    for s in (0.0, 1e-4, 3e-3, 2e-2):
        np.testing.assert_allclose(
            ep.adjoint_propagator(p, s), expm(p.dynamics.T * s), rtol=1e-12, atol=1e-14
        )


@pytest.mark.parametrize("tau_syn", [5e-3, 4e-3], ids=["tau_mem=2tau_syn", "general"])
def test_gradients_match_finite_differences(x64, tau_syn):
    times, idx, w, w_rec = _network()
    p = ep.LIFParameters(tau_syn=tau_syn)
    c = jnp.asarray(np.random.default_rng(1).normal(size=64))

    @jax.jit
    def loss(w, w_rec, times):
        s = ep.lif_layer(w, times, idx, p, t_max=0.05, max_spikes=64, recurrent=w_rec)
        return jnp.sum(c * s.time)

    count = ep.lif_layer(w, times, idx, p, t_max=0.05, max_spikes=64, recurrent=w_rec).count
    assert 8 <= int(count) < 64  # several spikes of every kind, buffer not full
    grads = jax.grad(loss, argnums=(0, 1, 2))(w, w_rec, times)
    eps = 1e-7
    for a, x in enumerate((w, w_rec, times)):
        fd = np.zeros(x.shape)
        for k in np.ndindex(x.shape):
            args_p, args_m = [w, w_rec, times], [w, w_rec, times]
            args_p[a], args_m[a] = x.at[k].add(eps), x.at[k].add(-eps)
            fd[k] = (loss(*args_p) - loss(*args_m)) / (2 * eps)
        rel = np.max(np.abs(fd - np.asarray(grads[a]))) / np.max(np.abs(fd))
        assert rel < 1e-3, (a, rel)


def test_gradients_match_autodiff_through_the_closed_form(x64):
    """Where tau_mem = 2 tau_syn the forward pass is the closed form; jax differentiates
    through it directly, and EventProp must give the same numbers."""
    times, idx, w, w_rec = _network(seed=2)
    p = ep.LIFParameters()
    c = jnp.asarray(np.random.default_rng(3).normal(size=30))
    kw = dict(t_max=0.05, max_spikes=30, recurrent=w_rec)

    def loss_ep(w, w_rec):
        return jnp.sum(c * ep.lif_layer(w, times, idx, p, **kw | dict(recurrent=w_rec)).time)

    def loss_ad(w, w_rec):
        s = ep.lif_layer_reference(w, times, idx, p, **kw | dict(recurrent=w_rec))
        return jnp.sum(c * s.time)

    g_ep = jax.grad(loss_ep, argnums=(0, 1))(w, w_rec)
    g_ad = jax.grad(loss_ad, argnums=(0, 1))(w, w_rec)
    for a, b in zip(g_ep, g_ad, strict=True):
        assert np.all(np.isfinite(b))
        np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-10)


@pytest.mark.slow
def test_forward_matches_the_event_engine(x64):
    """first_spike_times equals snnlab.simulate(engine="event") on ExpLIF in ms units
    (R = 1 GOhm, so the current jump w pA is a voltage jump w mV per unit)."""
    times, idx, w, _ = _network(seed=4)
    p = ep.LIFParameters(tau_syn=4e-3, tau_mem=1e-2, v_th=0.6)
    t_first = ep.first_spike_times(w, times, idx, p, t_max=0.05)
    model = ExpLIF(
        size=3, tau=10.0, tau_syn=4.0, R=1.0, V_rest=0.0, V_th=0.6, V_reset=0.0,
        v_init=0.0, tau_ref=None,
    )  # fmt: skip
    lists = [list(np.asarray(times)[np.asarray(idx) == j] * 1e3) for j in range(5)]
    src = SpikeGenerator(5, spike_times=lists)
    res = snnlab.simulate(
        model, snnlab.Connection(src, weight=np.asarray(w), conn="all_to_all"),
        duration=50.0, engine="event",
    )  # fmt: skip
    for n in range(3):
        mine = res.spike_times[res.spike_ids == n]
        expected = mine[0] * 1e-3 if len(mine) else 0.05
        np.testing.assert_allclose(t_first[n], expected, atol=1e-12)


def test_time_to_first_spike_task_is_learned(x64):
    """Two classes of input patterns (the early half of the inputs differs); the neuron of
    the right class must fire first. Gradient descent on a softmax of -t / tau with
    EventProp gradients learns it in a few hundred steps."""
    rng = np.random.default_rng(0)
    n_in, t_max, tau = 8, 0.04, 5e-3
    p = ep.LIFParameters()
    patterns = []
    for label in (0, 1):
        early = np.arange(4) + 4 * label
        late = np.arange(4) + 4 * (1 - label)
        t = np.concatenate([rng.uniform(0.0, 0.004, 4), rng.uniform(0.008, 0.012, 4)])
        i = np.concatenate([early, late])
        order = np.argsort(t)
        patterns.append((jnp.asarray(t[order]), jnp.asarray(i[order])))
    w0 = jnp.asarray(rng.uniform(0.4, 0.6, (n_in, 2)))

    def loss(w):
        total = 0.0
        for label, (t, i) in enumerate(patterns):
            first = ep.first_spike_times(w, t, i, p, t_max=t_max)
            # Cross-entropy on -t / tau, plus a small push towards firing early that keeps
            # both neurons alive (a silent neuron has no gradient).
            total = total - jax.nn.log_softmax(-first / tau)[label] + jnp.mean(first) / t_max
        return total / len(patterns)

    def correct(w):
        return [
            int(jnp.argmin(ep.first_spike_times(w, t, i, p, t_max=t_max))) == label
            for label, (t, i) in enumerate(patterns)
        ]

    step = jax.jit(jax.value_and_grad(loss))
    w = w0
    for _ in range(300):
        value, g = step(w)
        w = w - 0.1 * g
    assert all(correct(w))
    assert float(loss(w)) < 0.5 * float(loss(w0))


def test_no_recompilation_when_weights_or_parameters_change(x64):
    traces = []

    @jax.jit
    def grad_fn(w, p):
        traces.append(1)
        times, idx, _, _ = _network()
        return jax.grad(lambda w: jnp.sum(ep.first_spike_times(w, times, idx, p, t_max=0.05)))(w)

    _, _, w, _ = _network()
    grad_fn(w, ep.LIFParameters())
    grad_fn(w * 1.1, ep.LIFParameters(tau_syn=3e-3, v_th=0.5))
    grad_fn(w * 0.9, ep.LIFParameters(tau_mem=2e-2))
    assert len(traces) == 1


def test_bad_input_names_the_argument():
    w = jnp.ones((2, 1))
    with pytest.raises(ValueError, match="input_times"):
        ep.first_spike_times(w, jnp.array([0.02, 0.01]), jnp.array([0, 1]), t_max=0.05)
    with pytest.raises(ValueError, match="input_times"):
        ep.first_spike_times(w, jnp.array([-0.01, 0.01]), jnp.array([0, 1]), t_max=0.05)
    with pytest.raises(ValueError, match="max_spikes"):
        ep.lif_layer(w, jnp.array([0.01]), jnp.array([0]), t_max=0.05, max_spikes=0)
    with pytest.raises(ValueError, match="input_idx"):
        ep.first_spike_times(w, jnp.array([0.01]), jnp.array([5]), t_max=0.05)
    with pytest.raises(ValueError, match="v_reset"):
        ep.LIFParameters(v_th=0.5, v_reset=0.6)
