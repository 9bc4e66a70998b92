"""Every private Panel, Bokeh and Tornado API that snnlab's serving relies on, in one place.

Each function below names the private attribute it touches and what it assumes of it;
`tests/test_serve_private.py` checks each assumption against the installed versions and
fails, naming the function, when an upgrade breaks one. Nothing else in `snnlab/serve`
touches a private name of these libraries.

This module imports none of snnlab (it is copied beside the forked-worker main, whose
parent process must not import JAX), and imports the libraries only when called.
"""

from __future__ import annotations

from collections.abc import Callable


def patch_accept_handler(handler: Callable) -> None:
    """Make Tornado's `TCPServer` accept connections with `handler` (the signature of
    `tornado.netutil.add_accept_handler`).

    Assumes `TCPServer.add_sockets` calls the module-level name
    `tornado.tcpserver.add_accept_handler` (imported there from `tornado.netutil`).
    """
    import tornado.tcpserver

    tornado.tcpserver.add_accept_handler = handler


def wrap_fork_processes(wrap: Callable[[Callable], Callable]) -> None:
    """Replace `tornado.process.fork_processes` by `wrap(original)`.

    Assumes Bokeh's server forks its `--num-procs` workers through
    `HTTPServer.start(n)`, which calls `tornado.process.fork_processes(n, max_restarts)`
    through the module attribute (so that replacing it takes effect).
    """
    import tornado.process

    tornado.process.fork_processes = wrap(tornado.process.fork_processes)


def keep_scheduled_patches() -> None:
    """Make Panel send a patch it scheduled while an earlier write held the socket.

    Assumes `panel.io.document`: `unlocked()` queues the events of a callback that ends
    while the websocket's write lock is held in `_WRITE_MSGS[doc]`, sets
    `_WRITE_BLOCK[doc]` and starts a task `_dispatch_msgs(doc)` (looked up as a module
    global); that task returns without sending when `doc` is not in `_WRITE_BLOCK`. An
    earlier `_dispatch_msgs` task that finishes its own writes deletes `_WRITE_BLOCK[doc]`
    without looking at messages queued meanwhile, so the new task returned at once and
    the patch waited for the next one (the load test's "no data after move": about one
    Explorer move in 40 under 30 sessions per worker). The wrapper restores the block
    for messages still owed before the original runs.

    It also waits for the write in progress instead of polling: the original finds a
    connection whose `socket.write_lock` (Bokeh's `tornado.locks.Lock`, locked while
    `_block._value == 0`) is held, sleeps 10 ms and tries again. After a slider move that
    lock is usually held by Bokeh's acknowledgement of the move, a write that ends within
    a fraction of a millisecond, so the poll added ~10 ms to most moves. Idempotent.
    """
    import panel.io.document as pdoc

    original = pdoc._dispatch_msgs
    if getattr(original, "_snnlab_keeps_patches", False):
        return

    async def dispatch_msgs(doc):
        if doc not in pdoc._WRITE_BLOCK and pdoc._WRITE_MSGS.get(doc):
            pdoc._WRITE_BLOCK[doc] = True  # unblocked by an earlier task: still owed
        for conn in list(pdoc._WRITE_MSGS.get(doc, {})):
            lock = getattr(getattr(conn, "_socket", None), "write_lock", None)
            if lock is not None and lock._block._value == 0:
                async with lock:
                    pass
        await original(doc)

    dispatch_msgs._snnlab_keeps_patches = True
    dispatch_msgs.original = original
    pdoc._dispatch_msgs = dispatch_msgs


def skip_busy_bookkeeping_nobody_shows() -> None:
    """Make Panel skip its busy bookkeeping while no busy indicator is registered.

    Assumes `panel.io.state._state`: every widget event of a session runs
    `_add_busy_event(id)` before and `_remove_busy_event(id)` after its callbacks; they
    rebuild the `_busy_counter` list parameter (validated, watched), and its watcher sets
    `busy`, whose watcher shows it on the indicators in `_indicators` (registered by
    `state.sync_busy`). snnlab registers none (its pages show their own busy sign), and
    the bookkeeping cost ~0.9 ms of the event loop per slider move (measured: 1000 add and
    remove pairs in 0.9 s), about a tenth of a served Explorer move. With an indicator
    registered, or events still counted, the originals run. Idempotent.
    """
    from panel.io.state import _state

    add, remove = _state._add_busy_event, _state._remove_busy_event
    if getattr(add, "_snnlab_skips", False):
        return

    def add_busy_event(self, event_id):
        if self._indicators:
            add(self, event_id)

    def remove_busy_event(self, event_id):
        if self._indicators or self._busy_counter:
            remove(self, event_id)

    add_busy_event._snnlab_skips = True
    add_busy_event.original, remove_busy_event.original = add, remove
    _state._add_busy_event, _state._remove_busy_event = add_busy_event, remove_busy_event


def session_document(session_context):
    """The Bokeh `Document` of a session, from the `BokehSessionContext` that Panel's
    `on_session_created` callbacks receive (its private `_document`: the public
    `session_context.with_locked_document` is a coroutine, too late for a hook that
    must register `on_session_destroyed` at once)."""
    return session_context._document


def live_views() -> set[str]:
    """The ids of the roots Panel keeps rendered views for (`panel.state._views`)."""
    import panel as pn

    return set(pn.state._views)


def drop_views(before: set[str], view, root) -> None:
    """Free a view rendered outside a session: clean up its Bokeh `root` (the viewable's
    private `_cleanup`) and forget every root Panel registered since `before`
    (`live_views()`), so that nothing of it stays reachable."""
    import panel as pn

    view._cleanup(root)
    for ref in set(pn.state._views) - before:
        pn.state._views.pop(ref, None)


__all__ = [
    "drop_views",
    "keep_scheduled_patches",
    "live_views",
    "patch_accept_handler",
    "session_document",
    "skip_busy_bookkeeping_nobody_shows",
    "wrap_fork_processes",
]
