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
    "live_views",
    "patch_accept_handler",
    "session_document",
    "wrap_fork_processes",
]
