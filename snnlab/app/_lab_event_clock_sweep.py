"""The event-vs-clock lab's second stage: the error-vs-dt sweep, as a job of its own.

The two engines' traces reach the page first; each of their results then asks for the
sweep of the same values (`request(generation, work)`). The sweep runs through its own
`_scheduler.RunScheduler` (newest wins, runs coalesce, a deadline), always on the pool:
a sweep is many runs, never cheap enough for the loop, and one stopped early must not
teach the cost table otherwise. A result is shown only if it belongs to the newest
generation: a sweep still running when a newer move arrives is dropped, and the newer
one runs. A sweep's work may stop early (see `error_vs_dt`'s `stop`) and return None:
when its move has been superseded, or while the first stage of a newer move runs (a
sweep must not hold a pool thread and the GIL while the page waits for traces); a
stopped sweep that is still the newest is tried again `RETRY_MS` later. While a sweep is
owed, or the newest one failed, the page says so (`on_state`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ._scheduler import Job, RunScheduler, SessionLoop

RETRY_MS = 50
"""Wait (ms) before a stopped sweep that is still the newest is tried again."""


class SweepStage:
    """Runs the newest requested sweep and hands only current results to `show`.

    **Arguments:**

    - `show`: `(result) -> None`, on the loop, for the newest generation's result (a
      work that returned None stopped early and is not shown).
    - `report`: `(message, kind) -> None`, for a sweep that failed or ran out of time.
    - `on_state`: `(state) -> None`, told "updating" when a sweep becomes owed, "current"
      when the newest one is shown, "failed" when it raised or ran out of time.
    - `doc`: the served session's document, or None (runs at once, on this thread).
    """

    def __init__(
        self,
        show: Callable[[Any], None],
        report: Callable[[str, str], None],
        on_state: Callable[[str], None],
        doc=None,
    ):
        self._show, self._report, self._on_state = show, report, on_state
        self.generation = 0
        """Generation of the newest request (the only one whose result is shown)."""
        self.shown = 0
        """Generation of the sweep on the page (0: none yet)."""
        self.dropped = 0
        """Results of older generations that arrived late and were not shown."""
        self.retries = 0
        """Sweeps of the newest generation that stopped early and were tried again."""
        self._next: tuple[int, Callable[[], Any]] | None = None
        self.scheduler = RunScheduler(
            self._prepare,
            self._present,
            self._failed,
            loop=SessionLoop(doc) if doc is not None else None,
        )

    def request(self, generation: int, work: Callable[[], Any]) -> None:
        """Ask for the sweep `work()` of generation `generation`."""
        self.generation = generation
        self._next = (generation, work)
        self._on_state("updating")
        self.scheduler.request()

    def _prepare(self) -> Job | None:
        if self._next is None:
            return None
        generation, work = self._next
        self._next = None
        return Job(work=work, key=None, context=generation)  # no key: always the pool

    def _present(self, result, job: Job) -> None:
        if job.context != self.generation:
            self.dropped += 1  # a newer move's sweep is owed: never show this one
            return
        if result is None:  # stopped for a newer move's first stage: try again soon
            self.retries += 1
            self._next = (job.context, job.work)
            self.scheduler.loop.call_later(RETRY_MS, self._retry, job.context)
            return
        self._show(result)
        self.shown = job.context
        self._on_state("current")

    def _retry(self, generation: int) -> None:
        if generation == self.generation and self._next is not None:
            self.scheduler.request()

    def _failed(self, message: str, kind: str) -> None:
        if kind == "danger":
            self._on_state("failed")
        self._report(message, kind)

    def close(self) -> None:
        """Stop: results in flight are dropped."""
        self.scheduler.close()


__all__ = ["SweepStage"]
