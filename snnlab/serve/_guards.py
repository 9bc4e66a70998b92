"""Process-wide hooks of a served snnlab: the session limit, error logging, memory policy.

`install_server_guards` is what the `panel serve --setup` script (`SETUP_SCRIPT`) runs in
every server process. The per-run guards (caps, validation, the run pool) belong to the
apps and live in `snnlab.app`; this module only reads their `Limits`.
"""

from __future__ import annotations

import gc
import importlib
import logging
import os
import threading

from snnlab.app import Limits, limits

from . import _private
from ._memory import GcPolicy, Recycler, rss_mib, trim_heap, warm_up

log = logging.getLogger("snnlab.serve")
_GC_POLICY: GcPolicy | None = None


class SessionGate:
    """Counts the live sessions of a server process and refuses new ones past the limit.

    **Arguments:**

    - `max_sessions`: live sessions allowed at once in this process.
    - `recycler`: told when the process goes idle (under `--num-procs`), or None.
    - `late_release_s`: seconds after going idle to collect garbage once more (default:
      `Limits.max_run_seconds` + 1).
    """

    def __init__(
        self,
        max_sessions: int,
        recycler: Recycler | None = None,
        late_release_s: float | None = None,
    ):
        self.max_sessions = max_sessions
        self.recycler = recycler
        self.live = 0
        self.releases = 0
        # a closed page may stay reachable until its last pending timer fires (a run's
        # deadline, Limits.max_run_seconds); collect once more after that
        self.late_release_s = (
            limits().max_run_seconds + 1.0 if late_release_s is None else late_release_s
        )
        self._lock = threading.Lock()

    def created(self, session_context) -> None:
        """Bokeh hook: a session was created (count it, uncount it when destroyed)."""
        with self._lock:
            self.live += 1
        _private.session_document(session_context).on_session_destroyed(self.destroyed)

    def destroyed(self, session_context) -> None:
        """Bokeh hook: a session was destroyed (a browser left, or it expired).

        When the last session is gone, collect garbage and hand freed heap pages back to
        the system, so that the server's memory returns to where it started; again after
        `late_release_s` (the run deadline and a second) for pages pending timers held.
        """
        from tornado.ioloop import IOLoop

        with self._lock:
            self.live = max(0, self.live - 1)
            idle = self.live == 0
        if _GC_POLICY is not None:
            _GC_POLICY.session_closed()
        if idle:
            self._release()
            # what survived (a page held by a pending timer) would be frozen by the
            # collection above and kept until the frozen heap doubles: collect again later
            IOLoop.current().call_later(self.late_release_s, self._release_if_idle)
            if self.recycler is not None:
                IOLoop.current().add_callback(self.recycler.idle, lambda: self.live)

    def _release(self) -> None:
        release_memory()
        self.releases += 1

    def _release_if_idle(self) -> None:
        if self.live == 0:
            self._release()

    def authorize(self, user_info, path) -> bool:
        """Panel's `authorize_callback`: False (a 403 page) when the server is full."""
        if self.live >= self.max_sessions:
            log.warning(
                "session refused: %d live sessions (limit %d)", self.live, self.max_sessions
            )
            return False
        return True


def release_memory() -> None:
    """Collect all garbage (frozen objects included, see `GcPolicy`) and return freed heap
    memory to the OS (glibc only)."""
    if _GC_POLICY is not None:
        _GC_POLICY.complete()
    else:
        gc.collect()
    trim_heap()


def _log_exception(exc: BaseException) -> None:
    log.error("error in a callback: %s: %s", type(exc).__name__, exc, exc_info=exc)


def install_server_guards(caps: Limits | None = None) -> SessionGate:
    """Install the process-wide hooks of a served snnlab (called by the `--setup` script).

    - a session limit (`Limits.max_sessions` live sessions per process; past it a new
      browser gets Panel's "not authorized" page saying the server is full);
    - an exception handler that logs every exception raised in a callback, for apps that
      do not show their own (the Explorer also shows it in the page);
    - a fix for Panel losing a patch scheduled while the socket was busy
      (`_private.keep_scheduled_patches`), and no busy bookkeeping for Panel's busy
      indicators while none is shown (`_private.skip_busy_bookkeeping_nobody_shows`);
    - a warm-up (`warm_up`): the Explorer's default runs compiled and timed before the
      first student, so that their first moves run on the event loop, not on the pool;
    - the memory policy of `snnlab.serve._memory`: the app modules are imported once
      here, and what is alive then is frozen out of the collector's full passes
      (`GcPolicy`); under `--num-procs` a worker that stays large after its sessions
      left is replaced (`Recycler`).

    **Returns:** the `SessionGate` (its `live` attribute counts the live sessions).
    """
    global _GC_POLICY
    import panel as pn
    import tornado.process

    from snnlab.apps import APP_NAMES

    # imported before the first student, then frozen
    for name in APP_NAMES:
        importlib.import_module(f"snnlab.apps.{name}")
    logging.basicConfig(level=logging.INFO)  # a no-op where the server configured logging
    logging.getLogger("snnlab").setLevel(logging.INFO)
    caps = caps or limits()
    # every process warms up: the default runs compiled and timed on this thread (what
    # lets the scheduler run them on the event loop from a student's first move)
    took = warm_up()
    release_memory()
    recycler = None
    if tornado.process.task_id() is not None:  # a forked --num-procs worker
        recycler = Recycler(caps.recycle_growth, baseline_mib=rss_mib())
    log.info("process %d: warm in %.1f s, %.0f MiB", os.getpid(), took, rss_mib())
    _private.keep_scheduled_patches()
    _private.skip_busy_bookkeeping_nobody_shows()
    gate = SessionGate(caps.max_sessions, recycler)
    pn.state.on_session_created(gate.created)
    pn.config.authorize_callback = gate.authorize
    pn.config.exception_handler = _log_exception
    if _GC_POLICY is None:
        _GC_POLICY = GcPolicy(live_sessions=lambda: gate.live).install()
    return gate


SETUP_SCRIPT = """# written by `snnlab serve`: process-wide guards (session limit, error logging)
from snnlab.serve import install_server_guards

install_server_guards()
"""
"""The `panel serve --setup` script that `snnlab serve` writes next to its index page."""


__all__ = ["SETUP_SCRIPT", "SessionGate", "install_server_guards", "release_memory"]
