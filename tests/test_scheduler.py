"""The run scheduler of every app (snnlab/app/_scheduler.py), on a fake event loop.

The fake loop queues loop callbacks (`run_loop()` runs them), keeps delayed callbacks
apart (`fire_timers()` runs them: "the deadline has passed") and holds pool work until
`finish(i)` runs the i-th submitted function, so every interleaving is explicit.
"""

from concurrent.futures import Future

import pytest

from snnlab.app._scheduler import CostTable, Job, RunScheduler


class FakeLoop:
    def __init__(self):
        self.doc = object()
        self.queue, self.timers, self.pool = [], [], []

    def call_soon(self, fn, *args):
        self.queue.append((fn, args))

    def call_later(self, ms, fn, *args):
        self.timers.append((ms, fn, args))

    def submit(self, fn, *args):
        future = Future()
        self.pool.append((fn, args, future))
        return future

    def run_loop(self):
        while self.queue:
            fn, args = self.queue.pop(0)
            fn(*args)

    def finish(self, i=0):
        fn, args, future = self.pool.pop(i)
        try:
            future.set_result(fn(*args))
        except Exception as err:  # noqa: BLE001 - delivered through the future
            future.set_exception(err)

    def fire_timers(self):
        timers, self.timers = self.timers, []
        for _, fn, args in timers:
            fn(*args)


class FakeBusy:
    def __init__(self):
        self.depth, self.starts = 0, 0

    def start(self, doc=None):
        self.depth += 1
        self.starts += 1

    def stop(self):
        self.depth = max(0, self.depth - 1)


class App:
    """A minimal app: its setting `x`, a job doubling it, what was shown and reported."""

    def __init__(self, loop, costs=None, key="k", **kw):
        self.x, self.key = 1, key
        self.shown, self.reports, self.prepared = [], [], []
        self.busy = FakeBusy()
        self.runs = RunScheduler(
            self.prepare,
            lambda result, job: self.shown.append(result),
            lambda text, kind: self.reports.append((kind, text)),
            loop=loop,
            busy=self.busy,
            costs=costs if costs is not None else CostTable(),
            deadline_s=5.0,
            inline_ms=3.0,
            **kw,
        )

    def prepare(self):
        x = self.x
        self.prepared.append(x)
        if x is None:
            return None

        def work():
            if x < 0:
                raise ValueError("x must not be negative.")
            return 2 * x

        return Job(work, key=self.key)


def test_without_a_loop_a_request_runs_at_once():
    app = App(None)
    app.runs.request()
    assert app.shown == [2] and app.runs.inline_runs == 1 and app.busy.starts == 0


def test_requests_coalesce_and_the_newest_values_run():
    loop = FakeLoop()
    app = App(loop)
    app.runs.request()
    loop.run_loop()
    assert len(loop.pool) == 1 and app.runs.running and app.busy.depth == 1
    for x in (2, 3, 4, 5):  # a drag while the first run is on the pool
        app.x = x
        app.runs.request()
    loop.run_loop()
    assert len(loop.pool) == 1  # nothing new started meanwhile
    loop.finish()
    loop.run_loop()
    # the first run is shown, then one more run with the newest value only (measured
    # cheap by the first, it runs inline)
    assert app.prepared == [1, 5] and app.shown == [2, 10]
    assert app.busy.depth == 0 and not app.runs.pending and loop.pool == []


def test_a_measured_cheap_variant_runs_inline_and_a_new_one_on_the_pool():
    loop, costs = FakeLoop(), CostTable()
    app = App(loop, costs=costs)
    costs.record("k", 900.0, compiled=True)  # a run that compiled is not a cost
    assert costs.seen("k") and costs.estimate("k") is None
    app.runs.request()  # unknown cost: the pool
    loop.run_loop()
    loop.finish()
    loop.run_loop()
    assert app.runs.pool_runs == 1 and costs.estimate("k") is not None
    app.x = 7
    app.runs.request()
    loop.run_loop()
    assert loop.pool == [] and app.shown[-1] == 14 and app.runs.inline_runs == 1
    app.key = "another shape"  # a variant never run: the pool, behind the busy sign
    app.runs.request()
    loop.run_loop()
    assert len(loop.pool) == 1 and app.busy.depth == 1


def test_an_expensive_variant_stays_on_the_pool():
    loop, costs = FakeLoop(), CostTable()
    costs.record("k", 50.0)  # steady cost: 50 ms is too long for the loop
    app = App(loop, costs=costs)
    app.runs.request()
    loop.run_loop()
    assert len(loop.pool) == 1 and app.runs.inline_runs == 0


def test_cost_table_keeps_the_least_of_recent_pool_runs_after_the_compiling_run():
    costs = CostTable(window=3)
    assert costs.estimate("a") is None and not costs.seen("a")
    costs.record("a", 1000.0, compiled=True)
    assert costs.seen("a") and costs.estimate("a") is None
    costs.record("a", 4.0)
    costs.record("a", 2.0)
    assert costs.estimate("a") == pytest.approx(2.0)
    assert costs.estimate(None) is None
    with pytest.raises(ValueError, match="window"):
        CostTable(window=0)


def test_a_cheap_variant_slowed_on_the_pool_by_contention_comes_back_to_the_loop():
    """Pool runs wait for the interpreter lock and the CPU, which only adds to their time
    (a served Explorer measured 25, 12.5, 2.6 ms for a 1.5 ms run): one clean run among
    the last few brings the variant to the loop, where an average kept it off."""
    costs = CostTable(window=3)
    for ms in (25.0, 12.5, 2.6):
        costs.record("k", ms)
    assert costs.estimate("k") == pytest.approx(2.6)  # under the App's inline_ms (3 ms)
    assert not costs.timed_on_loop("k")
    costs.record("k", 1.5, on_loop=True)
    assert costs.estimate("k") == pytest.approx(1.5) and costs.timed_on_loop("k")
    costs.record("k", 7.0, on_loop=True)  # one slow run on the loop: maybe a collection
    assert costs.estimate("k") == pytest.approx(1.5)
    costs.record("k", 40.0, on_loop=True, replace=True)  # grown dear: off the loop at once
    assert costs.estimate("k") == pytest.approx(40.0)
    for ms in (9.0, 8.0, 7.0, 6.0):  # the window forgets the oldest
        costs.record("k", ms)
    assert costs.estimate("k") == pytest.approx(6.0) and not costs.timed_on_loop("k")


def test_a_variant_known_only_from_the_pool_is_timed_once_on_the_loop():
    """A 2 ms run took 5-9 ms on the pool of a served Explorer: with only pool times a
    cheap variant would stay on the pool. Within `probe_ms` it runs on the loop once; the
    loop's time then decides, and no second probe follows while it is remembered."""
    loop, costs = FakeLoop(), CostTable()
    app = App(loop, costs=costs)  # inline_ms 3, so probe_ms 9
    assert app.runs.probe_ms == pytest.approx(9.0)
    costs.record("k", 6.0)  # pool only, over inline_ms, under probe_ms
    app.runs.request()
    loop.run_loop()
    assert loop.pool == [] and app.runs.inline_runs == 1 and app.shown == [2]
    assert costs.timed_on_loop("k") and costs.estimate("k") < 3.0  # the fake job is instant
    app.x = 2
    app.runs.request()
    loop.run_loop()
    assert app.runs.inline_runs == 2 and app.shown == [2, 4]

    dear = CostTable()
    dear.record("k", 6.0)
    dear.record("k", 6.0, on_loop=True)  # the loop confirmed it: no probe again
    other = App(loop, costs=dear)
    other.runs.request()
    loop.run_loop()
    assert len(loop.pool) == 1 and other.runs.inline_runs == 0

    beyond = CostTable()
    beyond.record("k", 20.0)  # a pool time over probe_ms: the pool
    third = App(FakeLoop(), costs=beyond)
    third.runs.request()
    third.runs.loop.run_loop()
    assert len(third.runs.loop.pool) == 1 and third.runs.inline_runs == 0


def test_a_loop_run_dearer_than_a_probe_sends_its_variant_off_the_loop_at_once():
    import time

    costs, loop, shown = CostTable(), FakeLoop(), []
    costs.record("k", 1.0, on_loop=True)
    sleep_s = [0.0]

    def prepare():
        pause = sleep_s[0]
        return Job(lambda: time.sleep(pause) or pause, key="k")

    runs = RunScheduler(
        prepare, lambda r, job: shown.append(r), lambda *a: None, loop=loop,
        costs=costs, inline_ms=3.0, probe_ms=9.0,
    )  # fmt: skip
    sleep_s[0] = 0.03  # sleeps never end early: this run costs over probe_ms
    runs.request()
    loop.run_loop()
    assert runs.inline_runs == 1 and costs.estimate("k") >= 30.0
    sleep_s[0] = 0.0
    runs.request()
    loop.run_loop()
    assert len(loop.pool) == 1 and runs.inline_runs == 1 and runs.pool_runs == 1


def slow_costs():
    """A cost table in which key "k" is known to take minutes (the pool, always)."""
    costs = CostTable()
    costs.record("k", 1e6)
    return costs


def test_a_run_past_its_deadline_is_abandoned_reported_and_its_result_dropped():
    loop = FakeLoop()
    app = App(loop, costs=slow_costs())
    app.runs.request()
    loop.run_loop()
    app.x = 2
    app.runs.request()  # waits for the slow run
    loop.fire_timers()  # the deadline passes
    assert app.runs.abandoned == 1 and app.busy.depth >= 1
    assert app.reports[0][0] == "danger" and "given up" in app.reports[0][1]
    loop.run_loop()
    assert len(loop.pool) == 2  # the pending request started a new run at once
    loop.finish(0)  # the abandoned run ends late ...
    loop.run_loop()
    assert app.shown == [] and app.runs.stale == 1  # ... and is not shown
    loop.finish(0)
    loop.run_loop()
    assert app.shown == [4] and app.busy.depth == 0


def test_abandoned_runs_cannot_pile_up():
    loop = FakeLoop()
    app = App(loop, costs=slow_costs(), max_in_flight=2)
    app.runs.request()
    loop.run_loop()
    for x in (2, 3, 4):  # every run hangs past its deadline
        app.x = x
        app.runs.request()
        loop.fire_timers()
        loop.run_loop()
    assert len(loop.pool) == 2 and app.runs.in_flight == 2  # bounded
    assert any("still finishing" in text for _, text in app.reports)
    _, _, future = loop.pool.pop(0)
    future.set_result((2, 6000.0, False))  # one hung run ends, 6 s after it started ...
    loop.run_loop()
    assert len(loop.pool) == 2 and app.prepared[-1] == 4  # ... and the newest starts


def test_errors_are_reported_and_the_next_run_works():
    loop = FakeLoop()
    app = App(loop)
    app.x = -1
    app.runs.request()
    loop.run_loop()
    loop.finish()
    loop.run_loop()
    assert app.reports == [("danger", "x must not be negative.")] and not app.runs.running
    app.x = 3
    app.runs.request()
    loop.run_loop()
    loop.finish()
    loop.run_loop()
    assert app.shown == [6]


def test_nothing_to_run_and_suspended_requests():
    loop = FakeLoop()
    app = App(loop)
    app.x = None
    app.runs.request()
    loop.run_loop()
    assert loop.pool == [] and app.prepared == [None]
    app.x = 1
    with app.runs.suspend():
        app.runs.request()
    loop.run_loop()
    assert loop.pool == []


def test_a_run_that_compiles_is_not_a_cost_sample():
    import jax
    import jax.numpy as jnp

    from snnlab.app._scheduler import _timed, compile_count

    n0 = compile_count()
    f = jax.jit(lambda x: x * 3.0 + 1.0)
    _, _, compiled = _timed(lambda: f(jnp.ones(7)).block_until_ready())
    assert compiled and compile_count() > n0
    n1 = compile_count()
    _, _, compiled = _timed(lambda: f(jnp.ones(7)).block_until_ready())
    assert not compiled and compile_count() == n1


def test_after_close_nothing_runs_or_shows():
    loop = FakeLoop()
    app = App(loop)
    app.runs.request()
    loop.run_loop()
    app.runs.close()
    loop.finish()
    loop.run_loop()
    app.runs.request()
    loop.run_loop()
    assert app.shown == [] and len(loop.pool) == 0 and app.busy.depth == 0
