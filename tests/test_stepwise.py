"""The discrete-time SNN models against independent numpy versions of the seed's formulas.

Tolerances: the models run in float32, the references in float64. Every update is a few
multiply-adds per step on values of order 1 (order 10 for SNNSRM), and the dynamics
either contract (leaky models) or are reset at every spike, so float32 rounding (1.2e-7
relative per operation) accumulates to at most ~1e-5 over the 200 steps used; 1e-4 leaves
a margin. Spikes must match exactly; `_reference` asserts that no pre-reset potential in
the reference comes within 1e-4 of its threshold, so that rounding cannot flip a spike.
"""

import dataclasses

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import snnlab
from snnlab.core import trace_count
from snnlab.generators import InputTransmitter
from snnlab.neurons._stepwise import (
    SNNALIF,
    SNNEIF,
    SNNIF,
    SNNKLIF,
    SNNLIF,
    SNNQIF,
    SNNSRM,
    STEPWISE_MODELS,
    NormalIniter,
    SNNParamtricLIF,
    SparseLIF,
    multi_step,
    single_step,
)
from snnlab.neurons._surrogate import MultiGaussian, SuperSpike

T, N = 200, 8
ATOL = 1e-4
MARGIN = 1e-4

# Jitted with the model as an argument: models that differ only in parameter values share
# one compiled program, which keeps this file fast.
RUN = eqx.filter_jit(multi_step)
STEP = eqx.filter_jit(single_step)


def _input(mu, sigma, seed=0, shape=(T, N)):
    return np.random.default_rng(seed).normal(mu, sigma, shape).astype(np.float32)


def _decide(h, theta, model_spikes):
    """Threshold test of the reference. Where the float64 reference lies within MARGIN of
    the threshold, float32 rounding may legitimately decide either way, so the model's
    decision is taken there (and counted); everywhere else the reference decides."""
    s = h >= theta
    close = np.abs(h - theta) < MARGIN
    s = np.where(close, model_spikes > 0, s)
    return s, int(close.sum())


def _reference(integrate, x, v_th, v_reset, soft, model_spikes, v0=0.0):
    """Integrate, fire at H >= V_th, reset: the StepwiseNeuron loop in numpy (float64)."""
    x = x.astype(np.float64)
    v = np.full(x.shape[1], v0, np.float64)
    vs, hs, ss, ties = [], [], [], 0
    for t in range(x.shape[0]):
        h = integrate(v, x[t])
        s, n = _decide(h, v_th, model_spikes[t])
        ties += n
        v = h - v_th * s if soft else np.where(s, v_reset, h)
        vs.append(v)
        hs.append(h)
        ss.append(s)
    assert ties <= 3, "too many near-threshold decisions for a meaningful comparison"
    return np.array(vs), np.array(hs), np.array(ss, dtype=np.float32)


def _compare(model, x, integrate, v_th=1.0, v_reset=0.0, soft=False):
    _, spikes, traces = RUN(model, jnp.asarray(x))
    spikes = np.asarray(spikes)
    ref_v, ref_h, ref_s = _reference(integrate, x, v_th, v_reset, soft, spikes)
    assert 0.02 < float(np.mean(ref_s)) < 0.9, "input should make the neurons fire sometimes"
    np.testing.assert_array_equal(spikes, ref_s)
    np.testing.assert_allclose(np.asarray(traces["V"]), ref_v, atol=ATOL, rtol=ATOL)
    if "H" in traces:
        np.testing.assert_allclose(np.asarray(traces["H"]), ref_h, atol=ATOL, rtol=ATOL)


RESETS = [("hard", 0.0), ("hard", -0.3), ("soft", 0.0), (None, None)]
RESET_IDS = ["hard", "hard-Vreset", "soft", "Vreset-None"]


def _soft(reset_type, v_reset):
    return reset_type == "soft" or v_reset is None


@pytest.mark.parametrize("reset", RESETS, ids=RESET_IDS)
def test_snnif(reset):
    rt, vr = reset
    model = SNNIF(size=N, reset_type=rt, V_reset=vr, record_H=True)
    _compare(model, _input(0.25, 0.4), lambda v, i: v + i, 1.0, vr, _soft(rt, vr))


@pytest.mark.parametrize("reset", RESETS, ids=RESET_IDS)
def test_snnlif(reset):
    rt, vr = reset
    tau, R = 5.0, 1.3

    def integrate(v, i):  # neurai: V(t) = V(t-1)(1 - 1/tau) + R X / tau
        return v * (1 - 1 / tau) + R * i / tau

    model = SNNLIF(size=N, tau=tau, R=R, reset_type=rt, V_reset=vr, record_H=True)
    _compare(model, _input(1.0, 0.8, seed=1), integrate, 1.0, vr, _soft(rt, vr))


def test_snnlif_v_rest_is_the_leak_target():
    tau, v_rest = 4.0, 0.5
    _compare(
        SNNLIF(size=N, tau=tau, V_rest=v_rest),
        _input(0.6, 0.8, seed=2),
        lambda v, i: v + (v_rest - v + i) / tau,
    )


@pytest.mark.parametrize("reset", RESETS, ids=RESET_IDS)
def test_sparse_lif(reset):
    rt, vr = reset
    alpha = np.exp(-0.001 / 0.01)
    model = SparseLIF(size=N, reset_type=rt, V_reset=vr, record_H=True)
    _compare(model, _input(0.12, 0.3, seed=3), lambda v, i: alpha * v + i, 1.0, vr, _soft(rt, vr))


@pytest.mark.parametrize("reset", RESETS, ids=RESET_IDS)
def test_snneif(reset):
    rt, vr = reset
    vr = -0.1 if vr == 0.0 else vr  # the neurai default V_reset of SNNEIF
    tau, R, dT, vT, vL = 2.0, 1.0, 0.5, 0.8, 0.1

    def integrate(v, i):
        return v + (-(v - vL) + R * i + dT * np.exp((v - vT) / dT)) / tau

    model = SNNEIF(size=N, reset_type=rt, V_reset=vr, delta_T=dT, V_rest=vL, record_H=True)
    _compare(model, _input(0.3, 0.4, seed=4), integrate, 1.0, vr, _soft(rt, vr))


@pytest.mark.parametrize("reset", RESETS, ids=RESET_IDS)
def test_snnqif(reset):
    rt, vr = reset
    tau, R, a0, vc, vL = 2.0, 1.2, 1.0, 0.8, 0.0

    def integrate(v, i):
        return v + (a0 * (v - vL) * (v - vc) + R * i) / tau

    model = SNNQIF(size=N, reset_type=rt, V_reset=vr, R=R, a0=a0, record_H=True)
    # Above v_c the quadratic term amplifies rounding by up to 1 + a0 (2V - v_c) / tau per
    # step, so float32 and float64 drift apart over long sub-threshold excursions; 100
    # steps keep the amplified difference far below ATOL.
    x = _input(0.25, 0.3, seed=5)[:100]
    _compare(model, x, integrate, 1.0, vr, _soft(rt, vr))


@pytest.mark.parametrize("reset", RESETS, ids=RESET_IDS)
@pytest.mark.parametrize("decay_input", [True, False])
@pytest.mark.parametrize("scale_reset", [False, True])
def test_snnklif(reset, decay_input, scale_reset):
    rt, vr = reset
    tau, k = 2.0, 1.4
    target = 0.0 if vr is None else vr
    x = _input(0.55, 0.5, seed=6)
    soft = _soft(rt, vr)
    model = SNNKLIF(
        size=N, reset_type=rt, V_reset=vr, k=k, decay_input=decay_input, scale_reset=scale_reset
    )
    _, spikes, traces = RUN(model, jnp.asarray(x))
    spikes = np.asarray(spikes)

    x64 = x.astype(np.float64)
    v = np.zeros(N)
    vs, ss, ties = [], [], 0
    for t in range(x.shape[0]):
        if decay_input:  # KLIF: integrate, then ReLU(k H) before the threshold
            h = v + (x64[t] - (v - target)) / tau
        else:
            h = v - (v - target) / tau + x64[t]
        h = np.maximum(k * h, 0.0)
        s, n = _decide(h, 1.0, spikes[t])
        ties += n
        if scale_reset:
            v = (h - s) / k if soft else np.where(s, vr, h / k)
        else:
            v = h - s if soft else np.where(s, vr, h)
        vs.append(v)
        ss.append(s)
    assert ties <= 3
    assert 0.02 < np.mean(ss) < 0.9
    np.testing.assert_array_equal(spikes, np.array(ss, np.float32))
    np.testing.assert_allclose(np.asarray(traces["V"]), np.array(vs), atol=ATOL, rtol=ATOL)


@pytest.mark.parametrize("reset", RESETS, ids=RESET_IDS)
def test_plif(reset):
    rt, vr = reset
    init_tau = 3.0
    target = 0.0 if vr is None else vr
    model = SNNParamtricLIF(size=N, init_tau=init_tau, reset_type=rt, V_reset=vr)
    np.testing.assert_allclose(float(model.tau), init_tau, rtol=1e-6)
    _compare(
        model,
        _input(0.9, 0.6, seed=7),
        lambda v, i: v + (i - (v - target)) / init_tau,
        1.0,
        vr,
        _soft(rt, vr),
    )


def _alif_reference(x, tau_m, tau_adp, reset_type, v_reset, model_spikes, dt=1.0):
    """Yin et al. (2021), as in the seed: b and theta from the previous spike; the reset
    theta * s * dt paid one step later (reset_type None), or an immediate hard/soft reset."""
    v_th0, beta, eta, R = 0.01, 1.8, 1.0, 1.0
    x = x.astype(np.float64)
    alpha, rho = np.exp(-dt / tau_m), np.exp(-dt / tau_adp)
    v = np.zeros(x.shape[1])
    b = np.full(x.shape[1], eta)
    s = np.zeros(x.shape[1])
    vs, ss, bs, ties = [], [], [], 0
    for t in range(x.shape[0]):
        b = rho * b + (1 - rho) * s
        theta = v_th0 + beta * b
        h = alpha * v + (1 - alpha) * R * x[t]
        if reset_type is None:
            v = h - theta * s * dt
            s, n = _decide(v, theta, model_spikes[t])
        else:
            s, n = _decide(h, theta, model_spikes[t])
            v = h - theta * s if reset_type == "soft" else np.where(s, v_reset, h)
        ties += n
        s = s.astype(float)
        vs.append(v)
        ss.append(s)
        bs.append(b)
    assert ties <= 3
    return np.array(vs), np.array(ss, np.float32), np.array(bs)


@pytest.mark.parametrize("reset_type", [None, "hard", "soft"])
def test_snnalif(reset_type):
    tau_m = np.linspace(8.0, 30.0, N)
    tau_adp = np.linspace(100.0, 200.0, N)
    x = _input(2.0, 1.5, seed=8)
    model = SNNALIF(size=N, tau_m=tau_m, tau_adp=tau_adp, reset_type=reset_type, V_reset=-0.2)
    _, spikes, traces = RUN(model, jnp.asarray(x))
    spikes = np.asarray(spikes)
    ref_v, ref_s, ref_b = _alif_reference(x, tau_m, tau_adp, reset_type, -0.2, spikes)
    assert 0.02 < ref_s.mean() < 0.9
    np.testing.assert_array_equal(spikes, ref_s)
    np.testing.assert_allclose(np.asarray(traces["V"]), ref_v, atol=ATOL, rtol=ATOL)
    np.testing.assert_allclose(np.asarray(traces["b"]), ref_b, atol=ATOL, rtol=ATOL)
    np.testing.assert_allclose(
        np.asarray(traces["theta"]), 0.01 + 1.8 * ref_b, atol=ATOL, rtol=ATOL
    )


def test_snnalif_initialisers():
    key = jax.random.PRNGKey(3)
    m = SNNALIF(size=512, tau_shape=(512,), key=key)
    assert isinstance(m.surrogate_grad_fn, MultiGaussian)
    # Means of 512 draws: standard errors 5/sqrt(512) = 0.22 and 10/sqrt(512) = 0.44;
    # 5 standard errors cannot fail by chance in practice (and the key is fixed).
    assert abs(float(jnp.mean(m.tau_m)) - 20.0) < 1.1
    assert abs(float(jnp.mean(m.tau_adp)) - 150.0) < 2.2
    assert abs(float(jnp.std(m.tau_m)) - 5.0) < 0.8
    same = SNNALIF(size=512, tau_shape=(512,), key=key)
    np.testing.assert_array_equal(m.tau_m, same.tau_m)
    given = SNNALIF(size=2, tau_m=jnp.array([5.0, 6.0]), tau_adp=100.0)
    np.testing.assert_array_equal(given.tau_m, [5.0, 6.0])
    custom = SNNALIF(tau_m_initializer=NormalIniter(40.0, 0.0))
    np.testing.assert_allclose(custom.tau_m, [40.0])
    assert SNNALIF().tau_m.shape == (1,)


def _srm_reference(x, model_spikes, v_th=10.0, tau_res=5.0, tau_ref=5.0, dt=1.0, K=38):
    def kernel(t, tau, mult, eps):
        k = mult * t / tau * np.exp(1 - t / tau)
        k[(t > tau) & (np.abs(k) < eps * abs(mult))] = 0.0
        return k

    eps_k = kernel(np.arange(K) * dt, tau_res, 1.0, 0.01)
    nu_k = kernel(np.arange(1, K + 1) * dt, tau_ref, -2 * v_th, 0.001)
    x = x.astype(np.float64)
    s = np.zeros_like(x)
    v = np.zeros_like(x)
    for t in range(x.shape[0]):
        past_x = x[max(t - K + 1, 0) : t + 1][::-1]  # x[t], x[t-1], ...
        past_s = s[max(t - K, 0) : t][::-1]  # s[t-1], s[t-2], ...
        v[t] = eps_k[: len(past_x)] @ past_x + nu_k[: len(past_s)] @ past_s
        s[t], _ = _decide(v[t], v_th, model_spikes[t])
    return v, s.astype(np.float32)


def test_snnsrm():
    x = _input(1.0, 1.5, seed=9)
    model = SNNSRM(size=N)
    _, spikes, traces = RUN(model, jnp.asarray(x))
    ref_v, ref_s = _srm_reference(x, np.asarray(spikes))
    assert 0.02 < ref_s.mean() < 0.9
    np.testing.assert_array_equal(np.asarray(spikes), ref_s)
    # Potentials of order 10, sums of 76 terms: 1e-4 relative.
    np.testing.assert_allclose(np.asarray(traces["V"]), ref_v, atol=1e-3, rtol=1e-4)
    eps = model.response_kernel()
    assert float(eps[0]) == 0.0 and float(jnp.max(eps)) == pytest.approx(1.0)  # peak at tau
    assert int(jnp.argmax(eps)) == 5
    assert float(jnp.min(model.refractory_kernel())) == pytest.approx(-20.0)


# ---- modes and engines -------------------------------------------------------------------

ALL_MODELS = {
    "SNNIF": (SNNIF(size=N), 0.25, 0.4),
    "SNNLIF": (SNNLIF(size=N, tau=5.0), 1.0, 0.8),
    "SparseLIF": (SparseLIF(size=N), 0.12, 0.3),
    "SNNEIF": (SNNEIF(size=N), 0.3, 0.4),
    "SNNQIF": (SNNQIF(size=N), 0.25, 0.3),
    "SNNKLIF": (SNNKLIF(size=N, reset_type="soft"), 0.35, 0.5),
    "SNNALIF": (SNNALIF(size=N, tau_shape=(N,), key=jax.random.PRNGKey(0)), 2.0, 1.5),
    "SNNParamtricLIF": (SNNParamtricLIF(size=N, init_tau=3.0), 0.9, 0.6),
    "SNNSRM": (SNNSRM(size=N), 1.0, 1.5),
}


def test_every_model_is_covered():
    assert set(ALL_MODELS) == set(STEPWISE_MODELS)


@pytest.mark.parametrize("name", sorted(ALL_MODELS))
def test_single_and_multi_step_agree_exactly(name):
    model, mu, sigma = ALL_MODELS[name]
    x = jnp.asarray(_input(mu, sigma, seed=11, shape=(60, N)))
    _, spikes, traces = RUN(model, x)
    state = model.init_state()
    for t in range(x.shape[0]):
        state, s = STEP(model, state, x[t])
        np.testing.assert_array_equal(np.asarray(s), np.asarray(spikes[t]))
        np.testing.assert_array_equal(np.asarray(state["V"]), np.asarray(traces["V"][t]))
    # The step_mode switch: model(x) is one step or the whole sequence.
    single = dataclasses.replace(model, step_mode="single")
    multi = dataclasses.replace(model, step_mode="multi")
    call = eqx.filter_jit(lambda m, u: m(u))
    _, s0 = call(single, x[0])
    np.testing.assert_array_equal(np.asarray(s0), np.asarray(spikes[0]))
    np.testing.assert_array_equal(np.asarray(call(multi, x)[1]), np.asarray(spikes))


def test_batched_multi_step_matches_per_sample():
    model = SNNLIF(size=N, tau=5.0)
    x = jnp.asarray(_input(1.0, 0.8, seed=12, shape=(40, 3, N)))
    _, spikes, traces = model.run(x)
    assert spikes.shape == (40, 3, N)
    for b in range(3):
        _, sb, tb = model.run(x[:, b])
        np.testing.assert_array_equal(np.asarray(spikes[:, b]), np.asarray(sb))
        np.testing.assert_array_equal(np.asarray(traces["V"][:, b]), np.asarray(tb["V"]))


@pytest.mark.parametrize("name", ["SNNLIF", "SNNALIF", "SNNSRM"])
def test_simulate_stepped_engine_matches_run(name):
    model, mu, sigma = ALL_MODELS[name]
    model = dataclasses.replace(model, record_H=True)
    x = _input(mu, sigma, seed=13, shape=(100, N))
    res = snnlab.simulate(
        model, InputTransmitter(N, inputs_type="current", data=x), duration=100 * 0.5, dt=0.5
    )
    _, spikes, traces = RUN(model, jnp.asarray(x))
    # Row 0 of a Result is the initial state at t = 0; step k is recorded at t = k dt.
    np.testing.assert_allclose(res.t, 0.5 * np.arange(101))
    assert not res.spikes[0].any()
    np.testing.assert_array_equal(res.spikes[1:], np.asarray(spikes).astype(bool))
    init = model.record_state(model.init_state())
    for j, name_ in enumerate(model.state_names):
        np.testing.assert_array_equal(res[name_][0], np.asarray(init[:, j]))
        # The same step inside the engine's own compiled loop (with the generator's
        # sampling fused in): equal up to float32 rounding.
        np.testing.assert_allclose(res[name_][1:], np.asarray(traces[name_]), atol=1e-6, rtol=1e-6)


def test_simulate_does_not_recompile_on_new_parameter_values():
    x = _input(1.0, 0.8, seed=14, shape=(100, N))
    inp = InputTransmitter(N, inputs_type="current", data=x)
    snnlab.simulate(SNNLIF(size=N, tau=5.0), inp, duration=100.0, dt=1.0)
    before = trace_count()
    for tau, v_th in [(3.0, 0.8), (20.0, 1.5)]:
        snnlab.simulate(SNNLIF(size=N, tau=tau, V_th=v_th), inp, duration=100.0, dt=1.0)
    assert trace_count() == before


def test_run_does_not_recompile_on_new_parameter_values():
    traces = 0

    @eqx.filter_jit
    def run(model, x):
        nonlocal traces
        traces += 1
        return model.run(x)

    x = jnp.asarray(_input(1.0, 0.8, seed=15, shape=(30, N)))
    for tau, r, v_th, alpha in [(5.0, 1.0, 1.0, 4.0), (9.0, 0.5, 0.7, 10.0), (2.0, 3.0, 2.0, 1.0)]:
        sg = SuperSpike(alpha=alpha)
        run(SNNLIF(size=N, tau=tau, R=r, V_th=v_th, surrogate_grad_fn=sg), x)
    assert traces == 1
    for tau_m in (10.0, 25.0):
        run(SNNALIF(size=N, tau_m=tau_m, tau_adp=120.0, beta=tau_m / 10), x)
    assert traces == 2  # one more for the new model class, none for new values


# ---- gradients and training -------------------------------------------------------------


def _grad_setup(model):
    key_w, key_x = jax.random.split(jax.random.PRNGKey(0))
    w = 0.5 * jax.random.normal(key_w, (5, N))
    x = jax.random.uniform(key_x, (100, 5)) * 2.0
    return w, x


@pytest.mark.parametrize(
    "model",
    [SNNLIF(size=N, tau=5.0), SNNALIF(size=N, tau_m=20.0, tau_adp=150.0, Eta=0.1)],
    ids=["SNNLIF", "SNNALIF"],
)
def test_gradient_through_100_steps(model):
    w, x = _grad_setup(model)

    def loss(params):
        m, w = params
        _, spikes, traces = m.run(x @ w)
        return jnp.mean((spikes.sum(0) - 10.0) ** 2) + jnp.mean(traces["V"] ** 2)

    grads = eqx.filter_jit(eqx.filter_grad(loss))((model, w))
    g_model, g_w = grads
    assert np.all(np.isfinite(np.asarray(g_w))) and float(jnp.abs(g_w).sum()) > 0
    leaves = jax.tree_util.tree_leaves(eqx.filter(g_model, eqx.is_inexact_array))
    assert all(np.all(np.isfinite(np.asarray(g))) for g in leaves)
    tau_grad = g_model.tau if isinstance(model, SNNLIF) else g_model.tau_m
    assert float(jnp.abs(tau_grad).sum()) > 0


def test_sgd_lowers_loss():
    model = SNNLIF(size=N, tau=5.0)
    w, x = _grad_setup(model)
    target = jnp.linspace(2.0, 20.0, N)  # a different spike count per neuron

    def loss(w):
        _, spikes, _ = model.run(x @ w)
        return jnp.mean((spikes.sum(0) - target) ** 2)

    @jax.jit
    def sgd(w):
        value, g = jax.value_and_grad(loss)(w)
        return w - 2e-3 * g, value

    first = float(loss(w))
    for _ in range(30):
        w, _ = sgd(w)
    assert float(loss(w)) < 0.5 * first


def test_sparse_lif_gradient_is_gated():
    model = SparseLIF(size=2, BV_th=0.8)

    def total(x):
        return model.step(model.init_state(), x)[1].sum()

    g = jax.grad(total)(jnp.array([0.5, 0.9]))  # H = 0.5 below BV_th, 0.9 above
    assert float(g[0]) == 0.0 and float(g[1]) > 0.0


# ---- construction, errors, metadata ------------------------------------------------------


@pytest.mark.parametrize(
    "make,match",
    [
        (lambda: SNNLIF(tau=0.5), "tau"),
        (lambda: SNNEIF(delta_T=0.0), "delta_T"),
        (lambda: SNNALIF(tau_m=-1.0), "tau_m"),
        (lambda: SNNALIF(size=3, tau_shape=(4,)), "tau_m"),
        (lambda: SNNLIF(size=4, R=jnp.ones(3)), "R"),
        (lambda: SNNKLIF(k=0.0), "k"),
        (lambda: SNNParamtricLIF(init_tau=1.0), "init_tau"),
        (lambda: SNNIF(size=0), "size"),
        (lambda: SNNIF(reset_type="bogus"), "reset_type"),
        (lambda: SNNIF(step_mode="many"), "step_mode"),
        (lambda: SNNIF(surrogate_grad_fn=lambda x: x), "surrogate_grad_fn"),
        (lambda: SparseLIF(readout=True), "target_neuronNum"),
        (lambda: SNNSRM(computation_type="cuda"), "computation_type"),
    ],
)
def test_bad_input_names_the_parameter(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_run_checks_input_shape():
    with pytest.raises(ValueError, match="x has shape"):
        SNNLIF(size=3).run(jnp.zeros((10, 4)))


def test_seed_defaults():
    assert float(SNNLIF().tau) == 10.0 and SNNLIF().reset_type == "hard"
    assert float(SNNEIF().V_reset) == pytest.approx(-0.1) and float(SNNEIF().tau) == 2.0
    assert float(SNNQIF().V_reset) == 0.0 and float(SNNQIF().v_c) == pytest.approx(0.8)
    klif = SNNKLIF()
    assert klif.step_mode == "single" and klif.decay_input and not klif.scale_reset
    alif = SNNALIF()
    assert float(alif.v_th0) == pytest.approx(0.01) and float(alif.beta) == pytest.approx(1.8)
    srm = SNNSRM()
    assert float(srm.V_th) == 10.0 and srm.kernel_window == 38 and srm.time_window == 100
    sparse = SparseLIF()
    assert float(sparse.time_step) == pytest.approx(0.001)
    assert float(sparse.BV_th) == pytest.approx(0.8)
    assert float(SNNParamtricLIF().init_tau) == 10.0


@pytest.mark.parametrize("name", sorted(STEPWISE_MODELS))
def test_parameter_metadata(name):
    specs = STEPWISE_MODELS[name].parameter_specs()
    assert "V_th" in specs and "V_reset" in specs
    for spec in specs.values():
        assert spec.doc and isinstance(spec.unit, str)
        lo, hi = spec.slider
        assert lo < hi
        if spec.bounds[0] is not None:
            assert lo >= spec.bounds[0]
        if spec.bounds[1] is not None:
            assert hi <= spec.bounds[1]


@pytest.mark.parametrize("name", sorted(ALL_MODELS))
def test_record_h_and_state_names(name):
    model, mu, sigma = ALL_MODELS[name]
    with_h = dataclasses.replace(model, record_H=True)
    assert with_h.state_names[-1] == "H" and "H" not in model.state_names
    state = with_h.init_state()
    assert with_h.record_state(state).shape == (N, len(with_h.state_names))
