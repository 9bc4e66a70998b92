"""The event-vs-clock lab on the live-update path (#16): figures built once, data equal to
direct runs of both engines, the sweep as a second stage that is never shown stale, and
no recompilation on a parameter change."""

from concurrent.futures import Future

import jax
import numpy as np
import pytest

import snnlab
from snnlab.app import _guard as guard
from snnlab.app import _lab_common, _scheduler
from snnlab.app import _lab_event_clock as ec

pytestmark = pytest.mark.skipif(
    not ec.event_available(), reason="the event engine is not registered"
)

SMALL = dict(duration=20.0, curve_methods=["euler"])


def _direct(lab):
    """Both engines and the sweep for the lab's values, called directly."""
    with jax.enable_x64(lab.float64):
        model = lab.neuron_params[lab.model].to_model()
        inputs = ec.lab_inputs(lab.current, lab.spike_period, lab.spike_weight, lab.duration)
        fine = ec.event_sample_dt(lab.duration, lab.dt)
        exact = snnlab.simulate(model, inputs, duration=lab.duration, dt=fine, engine="event")
        stepped = snnlab.simulate(
            model, inputs, duration=lab.duration, dt=lab.dt, method=lab.method
        )
        curve = ec.error_vs_dt(
            model,
            inputs,
            duration=lab.duration,
            current=lab.current,
            methods=list(dict.fromkeys([*lab.curve_methods, lab.method])),
            exact_times=exact.spike_times,
        )
    return exact, stepped, curve


def _sources(lab):
    views = (lab.traces_view, lab.spikes_view, lab.error_view)
    return [v.figure for v in views], [s for v in views for s in v.sources.values()]


def _assert_shows(lab, exact, stepped, curve):
    tv, sv, errv = lab.traces_view.sources, lab.spikes_view.sources, lab.error_view.sources
    np.testing.assert_array_equal(tv["event"].data["t"], exact.t)
    np.testing.assert_array_equal(tv["event"].data["V"], exact["V"][:, 0])
    np.testing.assert_array_equal(tv["stepped"].data["t"], stepped.t)
    np.testing.assert_array_equal(tv["stepped"].data["V"], stepped["V"][:, 0])
    np.testing.assert_array_equal(sv["event"].data["t"], exact.spike_times)
    np.testing.assert_array_equal(sv["stepped"].data["t"], stepped.spike_times)
    for method, c in curve.items():
        np.testing.assert_array_equal(errv[method].data["dt"], c["dt"])
        np.testing.assert_array_equal(
            errv[method].data["first"], np.maximum(c["first"], ec.ERROR_FLOOR)
        )
        np.testing.assert_array_equal(
            errv[method].data["grid"], np.maximum(c["grid"], ec.ERROR_FLOOR)
        )
    assert set(lab.curve) == set(curve)


def test_a_move_puts_new_data_equal_to_direct_runs_into_the_same_figures():
    lab = ec.EventClockLab(**SMALL)
    assert lab.message == "", lab.message
    figures, sources = _sources(lab)
    _assert_shows(lab, *_direct(lab))
    before = lab.traces_view.sources["event"].data["V"]
    lab.current = 900.0
    assert lab.message == "", lab.message
    figures2, sources2 = _sources(lab)
    assert all(a is b for a, b in zip(figures, figures2, strict=True))
    assert all(a is b for a, b in zip(sources, sources2, strict=True))
    assert not np.array_equal(lab.traces_view.sources["event"].data["V"], before)
    _assert_shows(lab, *_direct(lab))
    assert lab.error_view.figure.title.text == "spike-time error against dt"
    # a method of the stepped engine outside curve_methods joins the sweep
    lab.method = "rk4"
    _assert_shows(lab, *_direct(lab))
    assert set(lab.curve) == {"euler", "rk4"}


class PoolOnly(_scheduler.CostTable):
    """A cost table that never knows a cost: the scheduler sends every job to the pool."""

    def estimate(self, key):
        return None


@pytest.fixture
def held(monkeypatch):
    """A served session whose pool runs a job only when the test says so: `step()` runs
    the loop's queued callbacks, `finish(i)` runs the i-th submitted job now; delayed
    callbacks wait in `later` until the test moves them to the queue."""
    queue, jobs, later = [], [], []

    def submit(fn, *args):
        future = Future()
        jobs.append((fn, args, future))
        return future

    def finish(i):
        fn, args, future = jobs[i]
        future.set_result(fn(*args))

    def step():
        while queue:
            fn, args = queue.pop(0)
            fn(*args)

    doc = object()
    monkeypatch.setattr(guard, "submit", submit)
    monkeypatch.setattr(guard, "call_soon_in_session", lambda d, fn, *a: queue.append((fn, a)))
    monkeypatch.setattr(guard, "call_later_in_session", lambda d, ms, fn, *a: later.append((fn, a)))
    monkeypatch.setattr(_lab_common.Lab, "_session_doc", staticmethod(lambda: doc))
    monkeypatch.setattr(_scheduler, "COSTS", PoolOnly())  # every job: the pool

    def wait():
        queue.extend(later)
        later.clear()
        step()

    return step, finish, jobs, wait


def test_a_newer_moves_sweep_is_never_overwritten_by_an_older_one(held):
    step, finish, jobs, _wait = held
    lab = ec.EventClockLab(**SMALL)
    step()
    finish(0)  # move 1: the engines
    step()  # ... shown; its sweep goes to the pool
    assert len(jobs) == 2 and lab.runs == 1
    assert "updating" in lab.error_view.figure.title.text
    lab.current = 1200.0  # move 2 while sweep 1 runs
    step()
    finish(2)  # move 2's engines end before sweep 1
    step()
    exact2, stepped2, curve2 = _direct(lab)
    np.testing.assert_array_equal(lab.exact.spike_times, exact2.spike_times)
    assert "updating" in lab.error_view.figure.title.text  # sweep 1's curves are not current
    finish(1)  # sweep 1 (older values) ends now
    step()
    assert lab.sweep.dropped == 1 and lab.curve is None  # not shown
    assert jobs[1][2].result()[0] is None  # it stopped before its first run
    assert "updating" in lab.error_view.figure.title.text
    assert len(jobs) == 4  # and sweep 2 started
    finish(3)
    step()
    _assert_shows(lab, exact2, stepped2, curve2)
    assert lab.error_view.figure.title.text == "spike-time error against dt"
    assert lab.sweep.shown == lab.sweep.generation == 2


def test_a_failed_sweep_says_its_curves_are_not_current(held):
    step, finish, jobs, _wait = held
    lab = ec.EventClockLab(**SMALL)
    step()
    finish(0)
    step()
    jobs[1][2].set_exception(ValueError("the sweep broke"))  # the sweep's job raised
    step()
    assert lab.message == "the sweep broke" and lab.alert.visible
    assert "not updated" in lab.error_view.figure.title.text


def test_a_sweep_gives_way_to_a_newer_moves_engines_and_comes_back(held):
    step, finish, jobs, wait = held
    lab = ec.EventClockLab(**SMALL)
    step()
    finish(0)
    step()  # sweep 1 on the pool (job 1)
    exact1, stepped1, curve1 = _direct(lab)
    lab.current = 1200.0
    step()  # move 2's engines on the pool (job 2)
    finish(1)  # sweep 1 starts while they run: it stops at once
    step()
    assert jobs[1][2].result()[0] is None and lab.sweep.retries == 1 and lab.curve is None
    assert "updating" in lab.error_view.figure.title.text
    jobs[2][2].set_exception(ValueError("move 2 failed"))  # the newer move fails ...
    step()
    assert lab.message == "move 2 failed"
    wait()  # ... so sweep 1, still the newest, is tried again
    assert len(jobs) == 4
    finish(3)
    step()
    _assert_shows(lab, exact1, stepped1, curve1)  # the values the traces show
    assert lab.error_view.figure.title.text == "spike-time error against dt"


def test_moves_of_a_slider_compile_nothing():
    lab = ec.EventClockLab(**SMALL)
    lab.current = 700.0  # every variant of this lab's first two runs is compiled now
    n = _scheduler.compile_count()
    for value in (650.0, 820.0, 1500.0):
        lab.current = value
    lab.neuron_params["LIF"].tau = 12.0
    lab.spike_weight = 3.0
    assert lab.message == "", lab.message
    assert _scheduler.compile_count() == n
