"""Faults: each yields a message in the page and a session that still works.

NaN-producing parameters, the event engine's spike bound, an exception injected in a
callback, an oversized upload, a pickle upload, a malformed URL state, escaped user text.
"""

import logging
import pickle

import numpy as np
import pytest

from snnlab.app import Explorer
from snnlab.app._guard import read_json_upload


def _upload(e, data: bytes):
    e._on_upload(type("Ev", (), {"new": data})())


def _still_works(e):
    e.model = "LIF"
    e.engine = "stepped"
    e.load_state({"model": "LIF", "duration": 50.0, "dt": 0.1, "size": 1, "neuron": {}})
    runs = e.runs
    value = 322.0 if e.neuron_params["LIF"].I_e == 321.0 else 321.0
    e.neuron_params["LIF"].I_e = value
    assert e.runs == runs + 1 and e.message == "" and float(e._model.I_e) == value


@pytest.fixture(scope="module")
def e():
    return Explorer(sync_url=False, duration=50.0)


def test_a_nan_run_is_reported_and_the_previous_plot_stays(e):
    e.model = "HH"
    e.generator_params["DCGenerator"].amplitude = 2000.0
    good, shown = e.result, e.voltage_view.data
    assert good is not None and not good.diverged
    e.param.update(dt=0.5, method="euler")  # forward Euler at 0.5 ms: HH blows up
    assert "diverged" in e.message and e.alert.visible
    assert e.result is good and e.voltage_view.data is shown
    e.dt = 0.01
    e.method = "rk4"
    _still_works(e)


def test_hitting_max_spikes_is_reported_and_the_previous_plot_stays(e, monkeypatch):
    import snnlab.app._explorer_runs as ex

    _still_works(e)
    good = e.result
    real = ex.simulate
    monkeypatch.setattr(ex, "simulate", lambda *a, **k: real(*a, **{**k, "max_spikes": 2}))
    e.engine = "event"
    e.neuron_params["LIF"].I_e = 900.0
    assert "max_spikes" in e.message and e.result is good
    monkeypatch.setattr(ex, "simulate", real)
    _still_works(e)


def test_an_exception_in_a_callback_is_shown_logged_and_the_app_keeps_working(e, caplog):
    import snnlab.app._explorer_runs as ex

    boom = RuntimeError("injected failure")
    real = ex.simulate

    def failing(*a, **k):
        raise boom

    ex.simulate = failing
    try:
        with caplog.at_level(logging.ERROR, logger="snnlab.app"):
            e.neuron_params["LIF"].I_e = 100.0  # the slider callback -> run -> exception
        assert "RuntimeError: injected failure" in e.message and e.alert.visible
        assert any("injected failure" in r.getMessage() for r in caplog.records)
        # the session's exception handler (what Panel calls for any callback) does the same
        e._on_exception(ValueError("from a widget <b>"))
        assert "from a widget" in e.message and "<b>" not in e.alert.object
    finally:
        ex.simulate = real
    _still_works(e)


def test_an_oversized_upload_is_refused_before_parsing(e, monkeypatch):
    monkeypatch.setenv("SNNLAB_MAX_UPLOAD_BYTES", "1000")
    before = e.state_dict()
    _upload(e, b'{"model": "LIF", "pad": "' + b"x" * 5000 + b'"}')
    assert "limit is 1000 bytes" in e.message
    assert e.state_dict() == before
    _still_works(e)


def test_a_pickle_upload_is_never_unpickled(e, tmp_path):
    class Evil:
        def __reduce__(self):
            return (open, (str(tmp_path / "pwned"), "w"))

    before = e.state_dict()
    for protocol in (0, 2, pickle.HIGHEST_PROTOCOL):
        _upload(e, pickle.dumps(Evil(), protocol=protocol))
        assert "Could not load" in e.message, protocol
    assert not (tmp_path / "pwned").exists()
    assert e.state_dict() == before
    with pytest.raises(ValueError, match="binary"):
        read_json_upload(pickle.dumps({"model": "LIF"}))
    _still_works(e)


@pytest.mark.parametrize(
    "query",
    [
        "?model=NoSuchModel",
        "?duration=nan",
        "?duration=1e9&dt=1e-4",
        "?size=1000000000",
        "?p.tau=%7Bnot json",
        "?p.tau=" + "[" * 5000 + "]" * 5000,
        "?p.I_e=Infinity",
        "?seed=1.5",
        "?inputs=Nope,<script>",
        "?model=<img src=x onerror=alert(1)>",
    ],
)
def test_a_malformed_url_state_gives_a_message_and_a_working_session(query):
    e = Explorer(sync_url=False, duration=50.0)
    before = e.state_dict()
    try:
        e.load_query(query)
    except ValueError as err:  # what _read_url turns into the page's message
        e._show(f"The link's parameters were not understood: {err}", "warning")
    else:
        e.run()
    assert e.message, query
    assert "<" not in e.alert.object  # user text is escaped, never markup
    if "size" in query or "duration" in query:
        assert e.state_dict()["size"] <= 5000
    else:
        assert e.state_dict() == before
    _still_works(e)


def test_absurd_sizes_are_refused_before_any_work(e):
    e.load_state({"model": "LIF", "duration": 50.0, "dt": 0.1, "size": 1, "neuron": {}})
    good, runs = e.result, e.runs
    e.size = 20_000
    e.duration = 20_000.0
    e.dt = 1e-3
    assert "more" in e.message and "allows" in e.message
    assert e.result is good and e.runs == runs
    e.param.update(size=1, duration=50.0, dt=0.1)
    assert np.isfinite(e.result.traces["V"]).all()
    _still_works(e)


def test_a_lab_refuses_a_run_past_the_caps_and_escapes_its_messages(monkeypatch):
    from snnlab.app import EventClockLab

    lab = EventClockLab()
    runs = lab.runs
    monkeypatch.setenv("SNNLAB_MAX_STEPS", "100")  # the default run has 400 steps
    assert lab.run() is False
    assert lab.runs == runs and "time steps" in lab.message and lab.alert.visible
    monkeypatch.delenv("SNNLAB_MAX_STEPS")
    assert lab.run() is True  # the session is still usable
    lab.show("<img src=x onerror=alert(1)> & more")
    assert "<img" not in lab.alert.object and "&lt;img" in lab.alert.object
