"""What runs cost, for the run scheduler (`_scheduler.py`): measured wall times per
compiled variant, and a count of XLA compilations.

`CostTable` decides whether a run is cheap enough for the event loop; `_timed` measures a
run and tells whether it compiled (a compiling run is no measurement of its cost);
`compile_count` is what tests count to prove that a slider move did not recompile.
"""

from __future__ import annotations

import collections
import threading
import time
from collections.abc import Callable, Hashable
from typing import Any


class CostTable:
    """What a run of each compiled variant (`Job.key`) costs the event loop, in ms of wall
    time.

    Shared by the sessions of a process (the compiled functions are shared too) and safe
    to update from several threads. A run that compiled (JAX reported a compilation on
    its thread while it ran) is not a measurement of its key's cost and is left out.

    The estimate is the smallest of the last `window` measurements, made on the loop or
    on a pool thread. A run's wall time is its cost plus whatever it waited for (the
    interpreter lock, the CPU, a collection), never less, so the smallest recent time is
    the closest to the cost. A pool run waits most: measured in a served Explorer, 5-12
    ms for a run that takes 2 ms on the loop, so a variant known only from the pool is
    judged by `probe_ms` (see `RunScheduler`). One slow run on the loop does not send a
    variant off it (it may have met a collection); a run clearly too dear for the loop
    (`record(..., replace=True)`, e.g. more spikes for the event engine) replaces the
    history, so that the variant leaves the loop after that one run.

    **Arguments:**

    - `window`: measurements kept per key.
    """

    def __init__(self, window: int = 3):
        if int(window) < 1:
            raise ValueError(f"window must be at least 1, got {window}")
        self.window = int(window)
        self._ms: dict[Hashable, collections.deque] = {}
        self._compiled: set[Hashable] = set()
        self._lock = threading.Lock()

    def estimate(self, key: Hashable | None) -> float | None:
        """The expected wall time of a run of `key` on the loop (ms), or None while unknown."""
        if key is None:
            return None
        with self._lock:
            history = self._ms.get(key)
            return min(ms for ms, _ in history) if history else None

    def timed_on_loop(self, key: Hashable | None) -> bool:
        """Whether one of the measurements kept for `key` was made on the event loop."""
        with self._lock:
            return any(on_loop for _, on_loop in self._ms.get(key, ()))

    def record(
        self,
        key: Hashable | None,
        ms: float,
        compiled: bool = False,
        on_loop: bool = False,
        replace: bool = False,
    ) -> None:
        """Note that a run of `key` took `ms` milliseconds of wall time; `compiled` says
        that it traced or compiled on the way (then it only marks `key` as seen);
        `on_loop` that it ran on the event loop; `replace` that it forgets the earlier
        measurements (a run clearly dearer than before)."""
        if key is None:
            return
        with self._lock:
            self._compiled.add(key)
            if compiled:
                return
            history = self._ms.get(key)
            if replace or history is None:
                self._ms[key] = history = collections.deque(maxlen=self.window)
            history.append((float(ms), bool(on_loop)))

    def seen(self, key: Hashable | None) -> bool:
        """Whether a run of `key` has finished in this process (it is compiled)."""
        with self._lock:
            return key in self._compiled


COSTS = CostTable()
"""The process's cost table (what the apps' schedulers use unless given another)."""


_COMPILES = threading.local()
_TOTAL = [0]
_LISTENING = threading.Lock()
_listener_on = False


def _on_jax_event(name: str, *args, **kwargs) -> None:
    if name == "/jax/core/compile/backend_compile_duration":
        _COMPILES.n = getattr(_COMPILES, "n", 0) + 1
        _TOTAL[0] += 1


def _listen() -> None:
    global _listener_on
    with _LISTENING:
        if not _listener_on:
            from jax import monitoring

            monitoring.register_event_duration_secs_listener(_on_jax_event)
            _listener_on = True


def compile_count() -> int:
    """How many XLA compilations this process has made since the scheduler first ran (or
    `compile_count` was first called): what tests count to prove a move did not
    recompile."""
    _listen()
    return _TOTAL[0]


def _timed(work: Callable[[], Any]) -> tuple[Any, float, bool]:
    """`(work(), wall time in ms, whether it compiled)`, on the calling thread."""
    _listen()
    before = getattr(_COMPILES, "n", 0)
    t0 = time.perf_counter()
    result = work()
    ms = (time.perf_counter() - t0) * 1e3
    return result, ms, getattr(_COMPILES, "n", 0) != before


__all__ = ["COSTS", "CostTable", "compile_count"]
