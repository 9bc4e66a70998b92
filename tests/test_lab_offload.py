"""A lab that splits its run (work / present) runs `work` off the event loop when served."""

import threading
from concurrent.futures import ThreadPoolExecutor

import jax
import param
import pytest
from lab_support import later

from snnlab.app import _guard as guard
from snnlab.app import _lab_common
from snnlab.app._lab_event_clock import EventClockLab


class Doubler(_lab_common.Lab):
    x = param.Number(1.0)

    def __init__(self, **params):
        super().__init__(**params)
        self.work_threads, self.present_threads, self.shown = [], [], []

    def work(self):
        self.work_threads.append(threading.get_ident())
        if self.x < 0:
            raise ValueError("x must not be negative.")
        return 2 * self.x

    def present(self, result):
        self.present_threads.append(threading.get_ident())
        self.shown.append(result)
        return ""


@pytest.fixture
def served(monkeypatch):
    """A fake served session: the pool is a real thread; callbacks for the session's
    loop are queued and run by `loop()` on the test's thread."""
    pool = ThreadPoolExecutor(1)
    queue = []
    monkeypatch.setattr(guard, "submit", lambda fn, *a: pool.submit(fn, *a))
    monkeypatch.setattr(guard, "call_soon_in_session", lambda doc, fn, *a: queue.append((fn, a)))
    # the busy sign after 0.3 s runs with the loop's other callbacks; a deadline never comes
    monkeypatch.setattr(guard, "call_later_in_session", later(queue))
    doc = object()
    monkeypatch.setattr(_lab_common.Lab, "_session_doc", staticmethod(lambda: doc))

    def loop():
        """Run the queued loop callbacks (and those they queue) on this thread."""
        while queue:
            fn, args = queue.pop(0)
            fn(*args)

    yield loop, pool
    pool.shutdown()


def test_work_runs_on_the_pool_and_present_on_the_loop(served):
    loop, pool = served
    lab = Doubler()
    lab.request_run()
    loop()  # the scheduled drain: starts the work on the pool
    pool.submit(lambda: None).result()  # the work is done
    loop()  # the result is presented
    assert lab.shown == [2.0] and lab.runs == 1
    assert lab.work_threads[0] != threading.get_ident()
    assert lab.present_threads == [threading.get_ident()]


def test_moves_during_a_run_coalesce_and_errors_reach_the_page(served):
    loop, pool = served
    lab = Doubler()
    lab.request_run()
    loop()
    lab.x = 5.0  # two moves while the first run is on the pool ...
    lab.request_run()
    lab.x = -1.0
    lab.request_run()
    pool.submit(lambda: None).result()
    loop()  # ... the first result is shown, then one run with the newest value
    pool.submit(lambda: None).result()
    loop()
    assert lab.shown == [2.0] and len(lab.work_threads) == 2
    assert lab.message == "x must not be negative." and lab.alert.visible
    lab.x = 3.0
    lab.request_run()
    loop()
    pool.submit(lambda: None).result()
    loop()
    assert lab.shown == [2.0, 6.0] and lab.message == "" and not lab.alert.visible


def test_the_event_clock_lab_splits_its_run():
    lab = EventClockLab(duration=40.0)
    model, exact, stepped, curve, note = lab.work()
    assert lab.exact is None or lab.exact is not exact  # work changes nothing visible
    assert lab.present((model, exact, stepped, curve, note)) == note
    assert lab.exact is exact and len(exact.spike_times) > 0


def test_the_explorer_runs_a_new_variant_on_the_pool_then_small_runs_inline(monkeypatch):
    """A variant (model, size, step bucket, ...) whose cost is not measured yet (it may
    compile for seconds) goes to the pool; once a run of it has been measured without
    compiling, repeats of a small variant run inline on the loop
    (snnlab/app/_scheduler.py: the choice follows measured cost, not cell counts)."""
    from snnlab.app import _scheduler
    from snnlab.app._explorer import Explorer

    pool = ThreadPoolExecutor(1)
    queue, submitted = [], []

    def submit(fn, *args):
        submitted.append(fn.__name__)
        return pool.submit(fn, *args)

    monkeypatch.setattr(guard, "submit", submit)
    monkeypatch.setattr(guard, "call_soon_in_session", lambda doc, fn, *a: queue.append((fn, a)))
    monkeypatch.setattr(guard, "call_later_in_session", lambda doc, ms, fn, *a: None)
    monkeypatch.setattr(_scheduler, "COSTS", _scheduler.CostTable())  # nothing measured yet
    monkeypatch.setenv("SNNLAB_INLINE_MS", "1000")  # any measured variant counts as small
    # durations no other test uses: their step buckets are compiled here first
    ex = Explorer(sync_url=False, duration=53.0)
    ex._doc = object()  # as if served

    def move(**values):
        runs = ex.runs
        ex.param.update(**values)
        ex.request_run()
        while ex.runs == runs:
            if queue:
                fn, args = queue.pop(0)
                fn(*args)
            else:
                pool.submit(lambda: None).result()
        return len(submitted)

    try:
        # the first run (compiled by the drive's calibration before it) was measured
        assert move(weight=ex.weight * 1.1) == 0  # measured, small: inline
        # another test may have compiled this step bucket in the process already: forget it,
        # so that the next run really compiles
        jax.clear_caches()
        compiles = _scheduler.compile_count()
        assert move(duration=77.0) == 1  # more steps: a new bucket, compiles on the pool
        assert _scheduler.compile_count() > compiles  # the premise of the next line
        assert move(weight=ex.weight * 1.1) == 2  # a run that compiled is no measurement
        assert move(weight=ex.weight * 1.1) == 2  # now measured: inline
        other = next(m for m in ex.param.model.objects if m != ex.model)
        assert move(model=other) == 3
    finally:
        pool.shutdown()
