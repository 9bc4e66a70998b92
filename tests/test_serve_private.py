"""The private Panel, Bokeh and Tornado APIs that serving relies on (snnlab/serve/_private.py).

Each test checks one assumption of `_private` against the installed versions, by using
it: when an upgrade of Panel, Bokeh or Tornado breaks one, the test named after the
function fails, instead of a class losing its session limit or its even spread over
workers without a word.
"""

import inspect
import socket

import panel as pn
import pytest
import tornado.netutil
import tornado.process
import tornado.tcpserver
from bokeh.document import Document
from bokeh.server.contexts import BokehSessionContext

from snnlab.serve import _private


@pytest.fixture
def restore_tornado(monkeypatch):
    # monkeypatch puts back what _private replaces
    monkeypatch.setattr(tornado.tcpserver, "add_accept_handler", tornado.netutil.add_accept_handler)
    monkeypatch.setattr(tornado.process, "fork_processes", tornado.process.fork_processes)


def test_patch_accept_handler_reaches_tcpserver_add_sockets(restore_tornado):
    calls = []

    def handler(sock, callback):
        calls.append(sock)
        return lambda: None

    _private.patch_accept_handler(handler)
    server = tornado.tcpserver.TCPServer()
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    try:
        server.add_sockets([listener])
        assert calls == [listener], "TCPServer.add_sockets no longer uses add_accept_handler"
    finally:
        server.stop()


def test_wrap_fork_processes_reaches_httpserver_start(restore_tornado):
    calls = []

    def wrap(original):
        assert callable(original)

        def fork(num_processes, max_restarts=None):
            calls.append((num_processes, max_restarts))
            return 0  # as in a worker: no fork here

        return fork

    _private.wrap_fork_processes(wrap)
    server = tornado.tcpserver.TCPServer()
    server.bind(0, "127.0.0.1")
    try:
        server.start(2)
    finally:
        server.stop()
    assert calls == [(2, None)], "TCPServer.start no longer forks through the module attribute"
    # and Bokeh's server forks its --num-procs workers through that start
    import bokeh.server.server

    assert "http_server.start(opts.num_procs)" in inspect.getsource(bokeh.server.server)


def test_session_document_is_the_session_contexts_document():
    doc = Document()
    context = BokehSessionContext("a-session", None, doc)
    assert _private.session_document(context) is doc


def test_drop_views_forgets_a_view_rendered_outside_a_session():
    before = _private.live_views()
    view = pn.Column(pn.pane.Markdown("x"), pn.widgets.FloatSlider())
    root = view.get_root(Document())
    assert root.ref["id"] in _private.live_views() - before, "panel.state._views changed"
    assert view._models  # what _cleanup must empty
    _private.drop_views(before, view, root)
    assert _private.live_views() == before and not view._models


def test_keep_scheduled_patches_sends_what_an_earlier_write_task_unblocked(monkeypatch):
    """`panel.io.document._dispatch_msgs` is looked up as a module global and skips a doc
    missing from `_WRITE_BLOCK`; after the patch, queued messages of such a doc are sent."""
    import asyncio

    import panel.io.document as pdoc

    calls = []

    async def fake_original(doc):  # what Panel's task does with the state it finds
        calls.append(doc in pdoc._WRITE_BLOCK)
        if doc in pdoc._WRITE_BLOCK:
            pdoc._WRITE_MSGS.pop(doc, None)
            del pdoc._WRITE_BLOCK[doc]

    monkeypatch.setattr(pdoc, "_dispatch_msgs", fake_original)
    _private.keep_scheduled_patches()
    _private.keep_scheduled_patches()  # idempotent
    assert pdoc._dispatch_msgs.original is fake_original
    doc = Document()
    monkeypatch.setitem(pdoc._WRITE_MSGS, doc, {"conn": ["a patch"]})  # queued, block gone
    asyncio.run(pdoc._dispatch_msgs(doc))
    assert calls == [True] and doc not in pdoc._WRITE_MSGS  # sent, not left behind
    asyncio.run(pdoc._dispatch_msgs(doc))  # nothing owed: the original decides as before
    assert calls == [True, False]


def test_keep_scheduled_patches_waits_for_the_write_in_progress(monkeypatch):
    """A message queued while the socket's write lock is held goes out when that write
    ends, not after Panel's 10 ms poll: the original runs with the lock free."""
    import asyncio
    import types

    import panel.io.document as pdoc
    from tornado.locks import Lock

    seen = []

    async def fake_original(doc):
        seen.append(lock._block._value)  # 1: free
        pdoc._WRITE_MSGS.pop(doc, None)
        pdoc._WRITE_BLOCK.pop(doc, None)

    monkeypatch.setattr(pdoc, "_dispatch_msgs", fake_original)
    _private.keep_scheduled_patches()
    doc = Document()

    async def scenario():
        await lock.acquire()  # a write in progress
        conn = Connection()
        conn._socket = types.SimpleNamespace(write_lock=lock)
        pdoc._WRITE_MSGS[doc] = {conn: ["a patch"]}
        pdoc._WRITE_BLOCK[doc] = True
        task = asyncio.ensure_future(pdoc._dispatch_msgs(doc))
        await asyncio.sleep(0.001)
        assert not task.done() and seen == []  # waiting for the write
        lock.release()
        await asyncio.wait_for(task, 1.0)

    class Connection:  # hashable, as Bokeh's ServerConnection
        pass

    lock = Lock()
    try:
        asyncio.run(scenario())
    finally:
        pdoc._WRITE_MSGS.pop(doc, None)
        pdoc._WRITE_BLOCK.pop(doc, None)
    assert seen == [1]


def test_panels_dispatch_msgs_still_skips_an_unblocked_doc():
    """The assumption `keep_scheduled_patches` rests on, read from Panel's source."""
    import panel.io.document as pdoc

    fn = getattr(pdoc._dispatch_msgs, "original", pdoc._dispatch_msgs)
    src = inspect.getsource(fn)
    assert "if doc not in _WRITE_BLOCK:" in src and "del _WRITE_BLOCK[doc]" in src
    # the poll that the wrapper's wait for the write lock shortens
    assert "socket.write_lock._block._value == 0" in src and "asyncio.sleep(0.01)" in src
    assert "_dispatch_write_task(doc, _dispatch_msgs, doc)" in inspect.getsource(
        pdoc.schedule_write_events
    )


def test_the_session_gate_collects_again_after_the_last_session_leaves(monkeypatch):
    """A page held by a pending timer survives the collection when the last session
    leaves (and would then be frozen by the GC policy); a second one follows."""
    import asyncio

    from snnlab.serve import _guards

    released = []
    monkeypatch.setattr(_guards, "release_memory", lambda: released.append(1))

    class Context:
        def __init__(self):
            self._document = Document()

    async def scenario():
        gate = _guards.SessionGate(10, late_release_s=0.05)
        ctx = [Context(), Context()]
        for c in ctx:
            gate.created(c)
        gate.destroyed(ctx[0])
        assert released == []  # one session still open
        gate.destroyed(ctx[1])
        assert released == [1]  # idle: at once
        await asyncio.sleep(0.2)
        assert released == [1, 1] and gate.releases == 2  # and once more, later

    asyncio.run(scenario())


def test_skip_busy_bookkeeping_nobody_shows_keeps_panels_busy_state_for_indicators(monkeypatch):
    """Without an indicator no widget event touches Panel's busy state; with one the
    indicator still sees every event as busy, as Panel does it."""
    from panel.io.state import _state, state

    # monkeypatch puts back Panel's methods that the function replaces
    monkeypatch.setattr(_state, "_add_busy_event", _state._add_busy_event)
    monkeypatch.setattr(_state, "_remove_busy_event", _state._remove_busy_event)
    monkeypatch.setattr(state, "_indicators", [])
    seen = []
    watcher = state.param.watch(lambda e: seen.append(e.new), "busy")
    try:
        slider = pn.widgets.FloatSlider(start=0.0, end=10.0, value=1.0)
        slider._process_events({"value": 2.0})  # Panel's path for a change from the page
        assert seen == [True, False]  # the premise: Panel counts the event as busy
        _private.skip_busy_bookkeeping_nobody_shows()
        _private.skip_busy_bookkeeping_nobody_shows()  # idempotent
        assert _state._add_busy_event.original is not _state._add_busy_event
        seen.clear()
        slider._process_events({"value": 3.0})
        assert slider.value == 3.0 and seen == [] and not state._busy_counter
        indicator = pn.indicators.BooleanStatus(value=False)
        state.sync_busy(indicator)
        slider._process_events({"value": 4.0})
        assert slider.value == 4.0 and seen == [True, False] and indicator.value is False
    finally:
        state.param.unwatch(watcher)
