"""simulate(..., initial_state=res.final_state): chunked runs equal one long run, bit for bit."""

import numpy as np
import pytest

import snnlab
from snnlab.generators import DCGenerator, OUGenerator, PoissonGenerator, SpikeGenerator
from snnlab.neurons import HH, LIF, SNNLIF, ExpLIF, Izhikevich


def _chunks(model, inputs, lengths, dt, **kw):
    results, state = [], None
    for duration in lengths:
        res = snnlab.simulate(model, inputs, duration=duration, dt=dt, initial_state=state, **kw)
        results.append(res)
        state = res.final_state
    return results


def _assert_same(one, parts):
    t = np.concatenate([parts[0].t] + [p.t[1:] for p in parts[1:]])
    assert np.array_equal(t, one.t)
    for name in one.state_names:
        got = np.concatenate([parts[0][name]] + [p[name][1:] for p in parts[1:]])
        assert np.array_equal(got, one[name], equal_nan=True), name
    spikes = np.concatenate([parts[0].spikes] + [p.spikes[1:] for p in parts[1:]])
    assert np.array_equal(spikes, one.spikes)
    assert np.array_equal(np.concatenate([p.spike_times for p in parts]), one.spike_times)
    assert np.array_equal(np.concatenate([p.spike_ids for p in parts]), one.spike_ids)


CASES = [
    # refractory LIF driven hard: chunk boundaries fall inside refractory periods
    (LIF(size=3, I_e=np.array([600.0, 900.0, 1200.0]), tau_ref=2.0), None, "exp_euler"),
    (
        ExpLIF(size=2, tau_ref=3.0),
        [
            snnlab.Connection(PoissonGenerator(size=2, rate=800.0), weight=400.0),
            snnlab.Connection(SpikeGenerator(spike_times=[3.05, 41.3, 77.7]), weight=900.0),
        ],
        "exp_euler",
    ),
    (HH(tau_ref=1.0), DCGenerator(amplitude=1000.0, start=5.0, stop=70.0), "rkf45"),
    (Izhikevich(a=0.1, b=0.2, c=-65.0, d=2.0), DCGenerator(amplitude=10.0), "euler"),
    (LIF(tau_ref=2.0), OUGenerator(mean=500.0, sigma=300.0), "exp_euler"),
]


@pytest.mark.parametrize("case", range(len(CASES)))
def test_chunked_run_equals_one_run(case):
    model, inputs, method = CASES[case]
    one = snnlab.simulate(model, inputs, duration=100.0, dt=0.1, method=method, seed=3)
    assert len(one.spike_times) > 3
    parts = _chunks(model, inputs, [13.7, 0.3, 50.0, 36.0], 0.1, method=method, seed=3)
    _assert_same(one, parts)
    assert parts[-1].final_state.step == one.final_state.step == 1000
    for a, b in zip(
        _leaves(parts[-1].final_state.carry), _leaves(one.final_state.carry), strict=True
    ):
        assert np.array_equal(a, b)


def _leaves(tree):
    import jax

    return jax.tree_util.tree_leaves(tree)


def test_final_state_keeps_refractory_counters():
    res = snnlab.simulate(LIF(I_e=2000.0, tau_ref=5.0), duration=20.0, dt=0.1)
    state = res.final_state
    assert state.t == pytest.approx(20.0) and state.y.shape == (1, 1)
    # a neuron that spiked within the last 5 ms still has steps of refractory period left
    last = res.spike_times[-1]
    if 20.0 - last < 5.0:
        assert state.refractory[0] > 0


def test_discrete_time_model_chunks():
    model = SNNLIF(size=2)
    gen = PoissonGenerator(size=2, rate=300.0)
    one = snnlab.simulate(model, gen, duration=60.0, dt=1.0, seed=1)
    _assert_same(one, _chunks(model, gen, [17.0, 43.0], 1.0, seed=1))


def test_initial_state_from_another_model_is_refused():
    res = snnlab.simulate(LIF(), duration=5.0, dt=0.1)
    with pytest.raises(ValueError, match="comes from LIF"):
        snnlab.simulate(HH(), duration=5.0, dt=0.1, initial_state=res.final_state)
    with pytest.raises(ValueError, match="dt is 0.1"):
        snnlab.simulate(LIF(), duration=5.0, dt=0.2, initial_state=res.final_state)
    with pytest.raises(ValueError, match="inputs"):
        snnlab.simulate(LIF(), DCGenerator(), duration=5.0, dt=0.1, initial_state=res.final_state)


def test_parameters_may_change_between_chunks():
    first = snnlab.simulate(LIF(I_e=600.0), duration=30.0, dt=0.1)
    second = snnlab.simulate(
        LIF(I_e=1500.0), duration=30.0, dt=0.1, initial_state=first.final_state
    )
    assert second.t[0] == first.t[-1] and second["V"][0, 0] == first["V"][-1, 0]
    assert len(second.spike_times) > len(first.spike_times)
