"""snnlab.compat.neurai: neurai's arguments, methods and delays on snnlab's models."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import snnlab
from snnlab.compat.neurai import const, nn
from snnlab.neurons import ExpLIF as NativeExpLIF

COMMON = dict(pid=1, id=2, neuron_start_id=5, stdp_tau=15.0, tau_triplet=100.0,
              area_name="V1", name="pop", frozen_params={"tau": 1.0})  # fmt: skip
NEURONS = (
    "LIF", "ExpLIF", "Izhikevich", "HH", "HHPSC", "GLIF3", "GLIF3PSC", "SNNIF", "SNNLIF",
    "SparseLIF", "SNNEIF", "SNNQIF", "SNNKLIF", "SNNParamtricLIF", "SNNALIF", "SNNSRM",
)  # fmt: skip


@pytest.mark.parametrize("name", NEURONS)
def test_common_arguments_are_accepted(name):
    model = getattr(nn, name)(size=3, dendritic_delay=2, **COMMON)
    assert type(model).__name__ == name and model.size == 3 and model.name == "pop"
    assert dict(model.neurai_options)["area_name"] == "'V1'"
    np.testing.assert_array_equal(model.get_dendritic_delay_data(), [2, 2, 2])
    np.testing.assert_array_equal(model.get_dendritic_delay_data(4), [4, 4, 4])


@pytest.mark.parametrize(
    "name", ("DCGenerator", "PoissonGenerator", "BernoulliGenerator", "SpikeGenerator")
)
def test_generators_take_common_arguments_and_reset(name):
    gen = getattr(nn, name)(size=2, rng_col="x", **COMMON)
    assert gen.reset() is gen and isinstance(gen.is_spike_binary, bool)


def test_same_numbers_as_snnlab():
    ours = nn.ExpLIF(size=4, I_e=500.0, pid=3)
    native = NativeExpLIF(size=4, I_e=500.0)
    a = snnlab.simulate(ours, duration=30.0)
    b = snnlab.simulate(native, duration=30.0)
    np.testing.assert_array_equal(a["V"], b["V"])
    assert a.spikes.sum() > 0


def test_dendritic_delay_is_the_connection_delay():
    gen = nn.SpikeGenerator(size=1, spike_times=[5.0])
    fast = nn.LIF(size=1, dendritic_delay=0)
    slow = nn.LIF(size=1, dendritic_delay=20)
    syn_fast = nn.StaticSynapse(pre=gen, post=fast, conn=nn.One2One(), weight=5.0)
    syn_slow = nn.StaticSynapse(pre=gen, post=slow, conn=nn.One2One(), weight=5.0)
    assert float(syn_slow.connection(dt=0.1).delay) == pytest.approx(2.0)
    t = syn_fast.run(20.0).t
    jump = lambda r: t[np.argmax(np.asarray(r["V"])[:, 0] > -69.0)]  # noqa: E731
    assert jump(syn_slow.run(20.0)) - jump(syn_fast.run(20.0)) == pytest.approx(2.0)


def test_initializers_for_parameters_state_and_prob():
    a = nn.LIF(size=50, v_init=nn.Normal(-65.0, 3.0), tau=nn.Uniform(5.0, 15.0), seed=7)
    b = nn.LIF(size=50, v_init=nn.Normal(-65.0, 3.0), tau=nn.Uniform(5.0, 15.0), seed=7)
    np.testing.assert_array_equal(a.v_init, b.v_init)
    assert float(jnp.std(a.v_init)) > 1.0 and a.tau.shape == (50,)
    g = nn.BernoulliGenerator(size=6, prob=nn.FromArray([0.0, 1.0, 0.0, 1.0, 0.0, 1.0]))
    res = snnlab.simulate(nn.LIF(size=6), [snnlab.Connection(g, 0.0)], duration=2.0)
    assert res.duration == 2.0 and g.prob.shape == (6,)
    d = nn.SNNLIF(size=5, dendritic_delay=nn.Uniform(1.0, 4.0))
    assert d.get_dendritic_delay_data().shape == (5,)


def test_stateful_calls_match_run():
    x = jax.random.uniform(jax.random.PRNGKey(0), (12, 4)) * 2.0
    multi = nn.SNNLIF(size=4, step_mode=const.StepMode.MULTI, record_v=True)
    spikes, v = multi(x)
    _, want, traces = nn.SNNLIF(size=4).run(x)
    np.testing.assert_array_equal(spikes, want)
    np.testing.assert_array_equal(v, traces["V"])
    single = nn.SNNLIF(size=4, step_mode=const.single)
    steps = jnp.stack([single(x_t) for x_t in x])
    np.testing.assert_array_equal(steps, want)
    single.reset_state()
    np.testing.assert_array_equal(single(x[0]), want[0])


def test_integrate_and_reset_methods():
    m = nn.SNNLIF(size=3, step_mode=const.single, reset_type=const.ResetType.HARD)
    state = m.init_neuron_state((3,))
    assert set(state) >= {"V", "H"}
    h = m.neuronal_integrate(jnp.array([20.0, 0.0, 20.0]))
    spike = m.fire(h)
    v = m.neuronal_reset(spike)
    np.testing.assert_allclose(v, jnp.where(spike > 0, 0.0, h))
    np.testing.assert_allclose(m.neuronal_reset(h, spike), v)


def test_stepwise_extra_arguments():
    m = nn.SNNLIF(size=2, time_recurrent=True, before_reset_mem=True, param_dtype=jnp.float32)
    assert m.record_H and m.time_recurrent and "H" in m.state_names


def test_surrogate_on_continuous_models():
    m = nn.LIF(size=2, surrogate_grad_fn=nn.SuperSpike())
    assert isinstance(m.surrogate_grad_fn, nn.SuperSpike)
    assert isinstance(nn.LIF().surrogate_grad_fn, nn.Sigmoid)
