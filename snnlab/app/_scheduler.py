"""One run scheduler for every app: slider moves in, at most one fresh run at a time out.

    runs = RunScheduler(prepare, present, report, loop=SessionLoop(doc), busy=page.busy)
    runs.request()          # from any watcher: "the settings changed"

- **Newest wins, runs coalesce.** `request()` only marks the settings dirty; when no run
  is in flight the scheduler calls `prepare()` on the event loop, which reads the newest
  values and returns a `Job`. Requests made while a run is in flight leave one more run
  to do, with the values of that moment, never one run per request.
- **Run ids.** Every started run gets a new id; a result is presented only if its id is
  still the current one, so a late result (of an abandoned run) never overwrites a newer.
- **Inline or pool from measured cost.** Each `Job` has a `key` naming its compiled
  variant (model class, sizes after padding, engine, method: whatever makes a new
  compilation). `CostTable` keeps the least of the recent wall times of each key (the
  first run of a key, which compiles, is not counted). A job whose key is known to cost
  at most `inline_ms` runs on the event loop (no two hops to a thread and back); a key
  timed only on the pool, where runs wait for the interpreter lock, runs once on the
  loop to be timed there if the pool made it at most `probe_ms`; anything else, a key
  never run in this process included, goes to the thread pool, with the busy sign on
  (`Busy.start(doc)` shows it after a short delay).
- **A real deadline.** A pool run not done after `deadline_s` is abandoned: its id is
  retired, the busy sign goes and `report` says so in the page. Python cannot stop a
  running thread (`Future.cancel()` does nothing once it runs), so an abandoned run keeps
  its thread until it ends; the scheduler counts such runs and starts no new one while
  `max_in_flight` of its runs occupy the pool: the newest request then waits for one of
  them to end (and says so), so abandoned runs cannot pile up.

Outside a server (a notebook, a script, a test) `loop` is None: `request()` runs the job
at once on the caller's thread, synchronously, and there is no deadline.

Threads: `prepare`, `present`, `report` and every method of the scheduler run on the
session's event loop (the caller's thread without a loop); `Job.work` runs on the loop or
on a pool thread and must not touch the page.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Hashable
from typing import Any

from . import _guard as guard
from ._costs import COSTS, CostTable, _timed, compile_count

log = logging.getLogger("snnlab.app")


@dataclasses.dataclass(frozen=True)
class Job:
    """One run: what to compute, and under which compiled variant.

    **Fields:**

    - `work`: a function of no arguments computing the result (a `Result`, or anything
      `present` takes). Runs on the loop or on a pool thread: it must only read what it
      was given, never the session's widgets or params.
    - `key`: names the compiled variant of the run (hashable): two jobs with the same key
      reuse the same compiled function and cost about the same. `None`: the cost is not
      tracked and the job always goes to the pool.
    - `context`: anything `present` needs besides the result (e.g. the model that ran).
    """

    work: Callable[[], Any]
    key: Hashable | None = None
    context: Any = None


class SessionLoop:
    """The event loop of one served session: callbacks run with its document locked and
    current (`_guard.call_soon_in_session`), work goes to the shared thread pool.

    Tests pass a fake with the same three methods (see `tests/test_scheduler.py`).
    """

    def __init__(self, doc):
        self.doc = doc

    def call_soon(self, fn: Callable, /, *args) -> None:
        """Run `fn(*args)` on the loop soon (callable from any thread)."""
        guard.call_soon_in_session(self.doc, fn, *args)

    def call_later(self, ms: int, fn: Callable, /, *args) -> None:
        """Run `fn(*args)` on the loop after `ms` milliseconds."""
        guard.call_later_in_session(self.doc, ms, fn, *args)

    def submit(self, fn: Callable, /, *args):
        """Run `fn(*args)` on the thread pool; returns a `concurrent.futures.Future`."""
        return guard.submit(fn, *args)


class RunScheduler:
    """Coalesces run requests of one app session and runs them inline or on the pool.

    **Arguments:**

    - `prepare`: `() -> Job | None`, called on the loop with the newest settings; None
      means nothing to run (it has shown why, e.g. a value out of range).
    - `present`: `(result, job) -> None`, shows a finished run (on the loop).
    - `report`: `(message: str, kind: str) -> None`, shows a problem in the page (`kind`:
      "danger" or "warning"): a run that raised, a run past its deadline, a run waiting
      for abandoned ones.
    - `loop`: the session's `SessionLoop` (or a fake); None runs everything at once on
      the caller's thread.
    - `busy`: the page's busy sign (`_page.Busy`, or anything with `start(doc)`/`stop()`).
    - `deadline_s`: a pool run is abandoned after this many seconds (default:
      `Limits.max_run_seconds`).
    - `inline_ms`: runs of a key measured at most this cost (ms) run on the loop
      (default: `Limits.inline_ms`).
    - `probe_ms`: a key whose kept measurements all come from the pool, the least of them
      at most this (ms), runs on the loop once to be timed there (default: 3 x
      `inline_ms`; measured in a served Explorer, pool runs of a 2 ms variant took 5-9
      ms). A pool time only ever overstates a cost, so a probe blocks the loop for at
      most this long, and at most once per `CostTable.window` runs of a key. A loop run
      over `probe_ms` replaces the key's history (off the loop at once); a shorter
      overrun may be a collection met on the way and must recur before the key leaves.
    - `max_in_flight`: most pool runs of this session, abandoned ones included.
    - `costs`: the `CostTable` (default: the process's `COSTS`).
    """

    def __init__(
        self,
        prepare: Callable[[], Job | None],
        present: Callable[[Any, Job], None],
        report: Callable[[str, str], None],
        *,
        loop: SessionLoop | None = None,
        busy=None,
        deadline_s: float | None = None,
        inline_ms: float | None = None,
        probe_ms: float | None = None,
        max_in_flight: int = 2,
        costs: CostTable | None = None,
    ):
        caps = guard.limits()
        self.prepare, self.present, self.report = prepare, present, report
        self.loop = loop
        self.busy = busy
        self.deadline_s = caps.max_run_seconds if deadline_s is None else deadline_s
        self.inline_ms = caps.inline_ms if inline_ms is None else inline_ms
        self.probe_ms = 3.0 * self.inline_ms if probe_ms is None else probe_ms
        self.max_in_flight = max(1, int(max_in_flight))
        self.costs = COSTS if costs is None else costs
        self.run_id = 0
        """Id of the newest started run (a result of another id is not shown)."""
        self.in_flight = 0
        """Pool runs of this session not yet ended, abandoned ones included."""
        self.abandoned = 0
        """Runs given up at their deadline so far."""
        self.stale = 0
        """Results that arrived after a newer run started, and were dropped."""
        self.inline_runs = 0
        self.pool_runs = 0
        self._dirty = False
        self._scheduled = False
        self._running = False  # a run whose result is still wanted is in flight
        self._suspended = 0
        self._closed = False
        self._waiting_note = False

    # ---- state ------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """Whether a run whose result is still wanted is in flight."""
        return self._running

    @property
    def pending(self) -> bool:
        """Whether a request waits for a run (settings changed since the last start)."""
        return self._dirty

    def suspend(self):
        """A context manager: requests inside it are ignored (bulk changes of settings
        that end with one explicit `request()`)."""
        import contextlib

        @contextlib.contextmanager
        def cm():
            self._suspended += 1
            try:
                yield
            finally:
                self._suspended -= 1

        return cm()

    def close(self) -> None:
        """Stop: drop pending requests; results still in flight are ignored."""
        self._closed = True
        self._dirty = False
        self.run_id += 1
        if self._running and self.busy is not None:
            self.busy.stop()
        self._running = False

    # ---- requests ---------------------------------------------------------------------

    def request(self) -> None:
        """Ask for a run with the newest settings (coalesced with other requests)."""
        if self._suspended or self._closed:
            return
        self._dirty = True
        if self._running or self._scheduled:
            return
        if self.loop is None:
            self.drain()
            return
        self._scheduled = True
        self.loop.call_soon(self.drain)

    def drain(self) -> None:
        """Run what was requested: inline runs in a row, or start one pool run."""
        self._scheduled = False
        if self._closed:
            return
        while self._dirty and not self._running:
            if self.loop is not None and self.in_flight >= self.max_in_flight:
                if not self._waiting_note:
                    self._waiting_note = True
                    self.report(
                        "An earlier run past its time limit is still finishing on the "
                        "server; your change runs as soon as it ends.",
                        "warning",
                    )
                return  # `_ended` drains again when a pool run ends
            self._dirty = False
            try:
                job = self.prepare()
            except Exception as err:  # noqa: BLE001 - never a dead app
                self._fail(err)
                continue
            if job is None:
                continue
            if self.loop is None or self._cheap(job):
                self._run_inline(job)
            else:
                self._start(job)

    def _cheap(self, job: Job) -> bool:
        ms = self.costs.estimate(job.key)
        if ms is None:
            return False
        if ms <= self.inline_ms:
            return True
        return ms <= self.probe_ms and not self.costs.timed_on_loop(job.key)

    def _run_inline(self, job: Job) -> None:
        self.run_id += 1
        self.inline_runs += 1
        self._running = True
        try:
            result, ms, compiled = _timed(job.work)
        except Exception as err:  # noqa: BLE001 - shown in the page
            self._fail(err)
            return
        finally:
            self._running = False
        # dearer than a probe may be (not a collection met on the way): off the loop at once
        self.costs.record(job.key, ms, compiled, on_loop=True, replace=ms > self.probe_ms)
        self.present(result, job)

    def _start(self, job: Job) -> None:
        self.run_id += 1
        self.pool_runs += 1
        run_id = self.run_id
        self._running = True
        self.in_flight += 1
        if self.busy is not None:
            self.busy.start(getattr(self.loop, "doc", None))
        future = self.loop.submit(_timed, job.work)

        def done(f):  # on the pool thread: back to the session's loop
            if not self._closed:
                self.loop.call_soon(self._ended, run_id, f, job)

        future.add_done_callback(done)
        if self.deadline_s and self.deadline_s > 0:
            self.loop.call_later(int(self.deadline_s * 1000), self._deadline, run_id)

    def _deadline(self, run_id: int) -> None:
        if run_id != self.run_id or not self._running or self._closed:
            return
        self.run_id += 1  # its result, if it ever comes, is stale
        self.abandoned += 1
        self._running = False
        if self.busy is not None:
            self.busy.stop()
        self.report(
            f"The run took longer than {self.deadline_s:g} s and was given up; the previous "
            "plot stays. Use fewer neurons, a shorter duration or a larger dt.",
            "danger",
        )
        self.drain()

    def _ended(self, run_id: int, future, job: Job) -> None:
        self.in_flight = max(0, self.in_flight - 1)
        self._waiting_note = False
        if self._closed:
            return
        if run_id != self.run_id:
            self.stale += 1  # abandoned at its deadline: a newer run owns the page
            if future.exception() is None:
                self.costs.record(job.key, *future.result()[1:])
        else:
            self._running = False
            if self.busy is not None:
                self.busy.stop()
            try:
                result, ms, compiled = future.result()
            except Exception as err:  # noqa: BLE001 - shown in the page
                self._fail(err)
            else:
                self.costs.record(job.key, ms, compiled)
                self.present(result, job)
        if self._dirty and not self._running:
            self.drain()

    def _fail(self, err: BaseException) -> None:
        if isinstance(err, (ValueError, TypeError)):
            self.report(str(err), "danger")
            return
        log.error("run failed: %s", err, exc_info=err)
        self.report(f"{type(err).__name__}: {err}", "danger")


__all__ = ["COSTS", "CostTable", "Job", "RunScheduler", "SessionLoop", "compile_count"]
