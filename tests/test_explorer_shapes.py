"""Shape changes in the Explorer: duration and neurons pad to buckets, so a drag compiles
at most once per bucket, off the event loop, and padding never changes a run."""

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from snnlab.app import _guard as guard
from snnlab.app import _scheduler
from snnlab.app._explorer import Explorer
from snnlab.app._explorer_runs import EXACT_NEURONS, first_neurons, neuron_bucket
from snnlab.core import bucket_steps, trace_count


def test_neuron_buckets_cover_the_range_with_little_extra_work():
    sizes = np.arange(1, 5001)
    buckets = np.array([neuron_bucket(n) for n in sizes])
    assert np.all(buckets >= sizes) and np.all(np.diff(buckets) >= 0)
    assert np.all(buckets[:EXACT_NEURONS] == sizes[:EXACT_NEURONS])
    # 4 buckets per octave: at most 1/4 extra neurons (a bucket edge never exceeds it)
    assert np.all(buckets <= sizes * 1.25)
    assert len(set(buckets)) <= EXACT_NEURONS + 4 * 11
    assert all(neuron_bucket(b) == b for b in set(buckets))  # a bucket is its own bucket


def _distinct(values) -> int:
    return len(set(values))


def test_dragging_duration_compiles_at_most_once_per_bucket():
    e = Explorer(sync_url=False, dt=0.5, duration=200.0)
    durations = np.arange(200.0, 410.0, 10.0)
    n0 = trace_count()
    for d in durations:
        e.duration = float(d)
        assert e.message == "" and e.result.duration == pytest.approx(d)
    buckets = _distinct(bucket_steps(round(d / 0.5)) for d in durations)
    assert buckets < len(durations) / 2  # the drag crosses a few buckets only
    assert trace_count() - n0 <= buckets


def test_dragging_neurons_compiles_at_most_once_per_bucket():
    e = Explorer(sync_url=False, duration=50.0, size=17)
    sizes = range(17, 41)
    n0 = trace_count()
    for n in sizes:
        e.size = n
        assert e.message == "" and e.result.n_neurons == n
        assert e.result.spikes.shape[1] == n and np.all(e.result.spike_ids < n)
        assert e._model.size == n  # the page keeps the model asked for, not the padded one
    assert trace_count() - n0 <= _distinct(neuron_bucket(n) for n in sizes) == 5


def test_a_padded_run_equals_the_unpadded_simulation_spike_for_spike():
    e = Explorer(sync_url=False, inputs=["PoissonGenerator"], size=9, seed=4)
    e.generator_params["PoissonGenerator"].rate = 900.0
    assert neuron_bucket(9) == 10 and e.result.n_neurons == 9
    ns = {}
    exec(e.code(), ns)  # snnlab.simulate of the 9 neurons asked for, unpadded
    res = ns["res"]
    assert res.n_neurons == 9 and len(res.spike_times) > 0
    np.testing.assert_array_equal(res.spike_times, e.result.spike_times)
    np.testing.assert_array_equal(res.spike_ids, e.result.spike_ids)
    np.testing.assert_array_equal(res["V"], e.result["V"])
    first = e.result
    e.seed = 5
    e.seed = 4  # the same seed and size: the same run
    np.testing.assert_array_equal(first.spike_times, e.result.spike_times)


def test_first_neurons_keeps_the_neurons_asked_for():
    e = Explorer(sync_url=False, size=3, duration=30.0)
    res = first_neurons(e.result, 2)
    assert res.n_neurons == 2 and res["V"].shape == (len(res.t), 2)
    assert np.all(res.spike_ids < 2) and res.final_state is None
    assert first_neurons(e.result, 3) is e.result


def test_a_new_bucket_compiles_on_the_pool_behind_the_busy_sign(monkeypatch):
    pool = ThreadPoolExecutor(1)
    queue, submitted, busy = [], [], []
    monkeypatch.setattr(guard, "submit", lambda fn, *a: submitted.append(1) or pool.submit(fn, *a))
    monkeypatch.setattr(guard, "call_soon_in_session", lambda doc, fn, *a: queue.append((fn, a)))
    monkeypatch.setattr(guard, "call_later_in_session", lambda doc, ms, fn, *a: None)
    monkeypatch.setattr(_scheduler, "COSTS", _scheduler.CostTable())
    e = Explorer(sync_url=False, duration=40.0, size=50)
    e._doc = object()  # as if served
    monkeypatch.setattr(e.page.busy, "start", lambda doc=None: busy.append(True))
    try:
        e.size = 70  # bucket 80: never run in this session's process table
        while queue:
            fn, args = queue.pop(0)
            fn(*args)
        assert submitted and busy  # off the loop, with the busy sign
        pool.submit(lambda: None).result()
        while queue:
            fn, args = queue.pop(0)
            fn(*args)
        assert e.result.n_neurons == 70
    finally:
        pool.shutdown()


def test_warm_compilation_cache_measures_the_default_variant(monkeypatch):
    from snnlab.app import warm_compilation_cache

    costs = _scheduler.CostTable()
    monkeypatch.setattr(_scheduler, "COSTS", costs)
    assert warm_compilation_cache() > 0
    assert any(key[0] == "LIF" and costs.estimate(key) is not None for key in costs._compiled)
