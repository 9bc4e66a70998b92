"""Memory of a served process: short collector pauses under load, memory back when idle.

Two things a CPython server holding a class of sessions runs into, and what is done here:

1. **Collector pauses.** A full collection of CPython's cyclic garbage collector visits
   every tracked object. With 15 Explorer sessions in one process that is about a million
   objects and 0.3-0.6 s during which no session of that process is served: every
   student on it sees the slider hang at once. `GcPolicy` freezes (`gc.freeze`) what
   survived each full collection, so the next one visits only objects made since. The
   garbage left among frozen objects (closed sessions, replaced plots) is reclaimed by a
   complete collection when the frozen heap has grown by `growth` times and enough
   sessions have closed for much of it to be garbage, and whenever the process goes idle.
2. **Fragmentation.** When a class has left, CPython keeps the memory arenas that a few
   long-lived objects pin (measured: 113 arenas before a class, 218 after, 103 MB of them
   empty pools), so the process stays larger than it started although no session is
   left. `Recycler`: under `--num-procs`, a worker that has gone idle with its resident
   memory more than `growth` above its warm, empty size (`warm_up`) stops accepting
   connections and exits; Tornado's parent process forks a fresh worker in its place
   (the way gunicorn's `max_requests` or uWSGI's `reload-on-rss` bound a Python
   server's memory).

Both are installed by `snnlab.serve.install_server_guards` in every server process.
"""

from __future__ import annotations

import ctypes
import gc
import logging
import os
import time
import warnings
from pathlib import Path

from . import _private

log = logging.getLogger("snnlab.serve")

RECYCLE_STATUS = 75
"""Exit status of a recycled worker (EX_TEMPFAIL): non-zero, so Tornado starts another."""


def rss_mib(pid: int | str = "self") -> float:
    """Resident memory of a process in MiB (0 where /proc cannot tell)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0.0


def trim_heap() -> None:
    """Hand the C heap's free pages back to the system (glibc's `malloc_trim`; else nothing)."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: the allocator keeps its pages
        pass


class GcPolicy:
    """Generational freezing on top of CPython's collector (see the module docstring).

    **Arguments:**

    - `growth`: a complete collection (frozen objects included) runs when the frozen heap
      has grown to `growth` times its size after the previous complete one; it bounds
      the garbage kept among frozen objects to about `growth - 1` times the live heap.
    - `period_ms`: how often the event loop checks whether a full collection happened
      (the freeze itself costs microseconds: it moves lists, it does not visit objects).
    - `measure_every_s`: how often at most the frozen heap is measured; counting it walks
      every frozen object (about 10 ms per million).
    - `live_sessions`: `() -> int`, the sessions open now (`SessionGate.live`), or None.
      Given, a grown frozen heap is collected only once the sessions closed since the
      previous complete collection (`session_closed`) number at least `growth - 1` times
      the open ones: the frozen objects of open sessions are no garbage, and collecting
      them would pause every session of the process (the load test's 15 Explorer
      sessions per process: ~0.8 million objects, 1.0-1.8 s for a complete collection,
      logged when the class had left). The sessions' garbage is collected when the last
      one leaves (`SessionGate`).
    """

    def __init__(
        self,
        growth: float = 2.0,
        period_ms: int = 1000,
        measure_every_s: float = 20.0,
        live_sessions=None,
    ):
        if not growth > 1:
            raise ValueError(f"growth must be > 1, got {growth}")
        self.growth = float(growth)
        self.period_ms = int(period_ms)
        self.measure_every_s = float(measure_every_s)
        self.live_sessions = live_sessions
        self.closed_since_complete = 0
        """Sessions closed since the last complete collection (their objects may be garbage)."""
        self._measured_at = -float("inf")
        self.frozen_base = 0
        self.complete_collections = 0
        self._full_collection_seen = False
        self._timer = None

    def install(self) -> GcPolicy:
        """Freeze the objects alive now (modules, classes, compiled functions) and start
        the event loop's check. Call it in the server process, on its event loop thread."""
        from tornado.ioloop import PeriodicCallback

        if self._on_collection not in gc.callbacks:
            gc.callbacks.append(self._on_collection)
        self.complete()
        if self._timer is None:
            self._timer = PeriodicCallback(self.check, self.period_ms)
            self._timer.start()
        return self

    def uninstall(self) -> None:
        """Stop the check, remove the hook and unfreeze everything (for tests)."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if self._on_collection in gc.callbacks:
            gc.callbacks.remove(self._on_collection)
        gc.unfreeze()

    def _on_collection(self, phase: str, info: dict) -> None:
        # runs inside the collector, on any thread: only note that a full one happened
        if phase == "stop" and info.get("generation") == 2:
            self._full_collection_seen = True

    def check(self) -> None:
        """After a full collection: freeze its survivors; when the frozen heap has grown
        `growth` times, run a complete collection instead."""
        if not self._full_collection_seen:
            return
        self._full_collection_seen = False
        gc.freeze()
        now = time.monotonic()
        if now - self._measured_at < self.measure_every_s:
            return
        self._measured_at = now
        if gc.get_freeze_count() > self.growth * max(self.frozen_base, 1) and self._garbage_due():
            self.complete()

    def session_closed(self) -> None:
        """Note that a session has closed (its frozen objects may now be garbage)."""
        self.closed_since_complete += 1

    def _garbage_due(self) -> bool:
        if self.live_sessions is None:
            return True
        live = self.live_sessions()
        return self.closed_since_complete > 0 and (
            self.closed_since_complete >= (self.growth - 1) * live
        )

    def complete(self) -> float:
        """Collect everything, frozen objects included, then freeze the survivors.

        **Returns:** the pause in seconds.
        """
        t0 = time.perf_counter()
        gc.unfreeze()
        gc.collect()
        gc.freeze()
        self._full_collection_seen = False
        self.frozen_base = gc.get_freeze_count()
        self.complete_collections += 1
        self.closed_since_complete = 0
        pause = time.perf_counter() - t0
        log.info("complete collection: %.0f ms, %d objects kept", pause * 1e3, self.frozen_base)
        return pause


class Recycler:
    """Replace a worker whose memory stayed high after its sessions left (see the module
    docstring). Only for forked `--num-procs` workers, whose parent starts a new one.

    **Arguments:**

    - `growth`: recycle when the idle resident memory exceeds `baseline_mib` by this
      fraction (0.10: 10%).
    - `baseline_mib`: the worker's resident memory when warm and empty (see `warm_up`);
      None: the first idle size.
    - `grace_s`: seconds between no longer accepting connections and exiting, for the
      requests already accepted to finish; a session opened meanwhile postpones the exit
      until it has closed too.
    """

    def __init__(
        self, growth: float = 0.10, grace_s: float = 2.0, baseline_mib: float | None = None
    ):
        if not growth > 0:
            raise ValueError(f"growth must be > 0, got {growth}")
        self.growth = float(growth)
        self.grace_s = float(grace_s)
        self.baseline_mib = baseline_mib
        self.draining = False

    def should_recycle(self, rss: float) -> bool:
        """Whether an idle worker of resident memory `rss` (MiB) should be replaced; the
        first call records the baseline."""
        if self.baseline_mib is None:
            self.baseline_mib = rss
            return False
        return rss > (1 + self.growth) * self.baseline_mib

    def idle(self, live) -> None:
        """The worker's last session has gone (`live()` counts the live ones): recycle
        it if its memory stayed high. Runs on the event loop."""
        import tornado.process

        if self.draining:
            if live() == 0:
                self._exit()
            return
        if tornado.process.task_id() is None:
            return
        rss = rss_mib()
        if not self.should_recycle(rss):
            return
        log.info(
            "worker %d: idle at %.0f MiB, %.0f%% above its warm %.0f MiB; recycling",
            os.getpid(),
            rss,
            100 * (rss / self.baseline_mib - 1),
            self.baseline_mib,
        )
        self.draining = True
        _stop_accepting()
        from tornado.ioloop import IOLoop

        IOLoop.current().call_later(self.grace_s, lambda: self.idle(live))

    def _exit(self) -> None:
        log.info("worker %d: exiting to be replaced by a fresh one", os.getpid())
        logging.shutdown()
        os._exit(RECYCLE_STATUS)


def _stop_accepting() -> None:
    """Stop accepting in this process: close its copy of the listening socket (the other
    workers keep accepting on theirs)."""
    from tornado.tcpserver import TCPServer

    gc.unfreeze()  # frozen objects are not listed by gc.get_objects; the worker is leaving
    for obj in gc.get_objects():
        if isinstance(obj, TCPServer):
            obj.stop()


def warm_up() -> float:
    """Build and run one Explorer page off-line and drop it again.

    A fresh worker then serves its first student without waiting for plotting imports
    and the simulation's compilation (`snnlab.app.warm_compilation_cache`: the default
    variants compiled, into JAX's persistent cache too, and their cost measured), and
    its memory afterwards is the size of a warm, empty worker: the baseline a `Recycler`
    compares against.

    **Returns:** the seconds it took.
    """
    import panel as pn
    from bokeh.document import Document

    from snnlab.app import Explorer, warm_compilation_cache

    t0 = time.perf_counter()
    warm_compilation_cache()  # the default variants compiled, their cost measured
    before = _private.live_views()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # HoloViews on the empty raster image
        explorer = Explorer(sync_url=False)
        explorer.run()
        view = pn.panel(explorer)
        root = view.get_root(Document())
    _private.drop_views(before, view, root)
    explorer.close()
    return time.perf_counter() - t0


__all__ = [
    "RECYCLE_STATUS",
    "GcPolicy",
    "Recycler",
    "rss_mib",
    "trim_heap",
    "warm_up",
]
