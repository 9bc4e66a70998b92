"""`viz.SourcePipe`: served plots patched in place equal HoloViews' own redraw.

The direct path must leave the page exactly as HoloViews' redraw would: the same
columns in every data source, the same span and colour limits, the same axis ranges.
Each test renders a live view into a Bokeh document, sends data through the direct
path, snapshots the Bokeh models, redraws the same data through `hv.streams.Pipe.send`
(HoloViews' path) and compares.
"""

import warnings

import holoviews as hv
import numpy as np
import panel as pn
import pytest
from bokeh.document import Document
from panel.io.state import set_curdoc

import snnlab
import snnlab.viz as sv
from snnlab.core import Result


class _Request:
    arguments: dict = {}
    cookies: dict = {}
    headers: dict = {}


class _SessionContext:
    """Just enough of a Bokeh server session for the document to count as served."""

    id = "test-session"
    request = _Request()


def _result(i_scale: float, n: int = 2, spikes: int = 6, seed: int = 0) -> Result:
    rng = np.random.default_rng(seed)
    t = np.arange(0.0, 100.1, 0.1)
    v = -70.0 + i_scale * np.sin(t[:, None] / (5.0 + np.arange(n)))
    st = np.sort(rng.uniform(0, 100, spikes))
    return Result(
        t=t,
        spikes=np.zeros((len(t), n), bool),
        spike_times=st,
        spike_ids=rng.integers(0, n, spikes),
        traces={"V": v},
        units={"V": "mV"},
        dt=0.1,
        duration=100.0,
    )


def _serve(*views, served: bool = True):
    doc = Document()
    if served:
        doc._session_context = lambda: _SessionContext()
    panes = [pn.pane.HoloViews(dmap) for dmap in views]
    with set_curdoc(doc):
        pn.Column(*panes).server_doc(doc)
    return doc, panes


def _snapshot(pane) -> dict:
    (plot, _), *_ = pane._plots.values()
    out = {
        "x": (plot.handles["x_range"].start, plot.handles["x_range"].end),
        "y": (plot.handles["y_range"].start, plot.handles["y_range"].end),
    }
    for key, sub in plot.subplots.items():
        src = sub.handles.get("source")
        if src is not None and src.data:
            out[key] = {
                c: np.asarray(v[0] if isinstance(v, list) else v, float).copy()
                for c, v in src.data.items()
            }
        glyph = sub.handles.get("glyph")
        if hasattr(glyph, "location"):
            out[(key, "location")] = glyph.location
        mapper = sub.handles.get("color_mapper")
        if mapper is not None:
            out[(key, "clim")] = (mapper.low, mapper.high)
    return out


def _assert_same(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for key, va in a.items():
        vb = b[key]
        if isinstance(va, dict):
            assert va.keys() == vb.keys(), key
            for col in va:
                np.testing.assert_allclose(va[col], vb[col], rtol=1e-12, err_msg=str(key))
        else:
            np.testing.assert_allclose(
                np.asarray(va, float), np.asarray(vb, float), rtol=1e-12, err_msg=str(key)
            )


@pytest.fixture(autouse=True)
def _quiet():
    snnlab.extension(warn=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # HoloViews: all-NaN image ranges
        yield


@pytest.mark.parametrize("threshold", [-55.0, None])
def test_voltage_patched_in_place_equals_the_holoviews_redraw(threshold):
    dmap, pipe = sv.live(sv.voltage)
    doc, (pane,) = _serve(dmap)
    with set_curdoc(doc):
        pipe.send({"res": _result(10.0), "threshold": threshold})
        before = pipe.direct_updates
        pipe.send({"res": _result(25.0, seed=1), "threshold": threshold})
        assert pipe.direct_updates == before + 1  # this one took the direct path
        direct = _snapshot(pane)
        hv.streams.Pipe.send(pipe, pipe.data)  # the same data through HoloViews
        redrawn = _snapshot(pane)
    _assert_same(direct, redrawn)
    assert direct["y"][1] > -70.0 + 25.0  # the range follows the new data


@pytest.mark.parametrize("spikes", [6, 50_000])  # marks, and the 2-D histogram image
def test_raster_patched_in_place_equals_the_holoviews_redraw(spikes):
    dmap, pipe = sv.live(sv.raster)
    doc, (pane,) = _serve(dmap)
    with set_curdoc(doc):
        pipe.send(_result(10.0, n=300, spikes=spikes))
        before = pipe.direct_updates
        pipe.send(_result(10.0, n=300, spikes=spikes, seed=3))
        assert pipe.direct_updates == before + 1
        direct = _snapshot(pane)
        hv.streams.Pipe.send(pipe, pipe.data)
        redrawn = _snapshot(pane)
    _assert_same(direct, redrawn)


def test_a_change_of_structure_takes_the_holoviews_path():
    dmap, pipe = sv.live(sv.voltage)
    doc, (pane,) = _serve(dmap)
    res = _result(10.0)
    other = Result(
        t=res.t,
        spikes=res.spikes,
        spike_times=res.spike_times,
        spike_ids=res.spike_ids,
        traces={"V": res["V"] / 1000.0},
        units={"V": "V"},  # another unit: new axis label, so HoloViews must redraw
        dt=res.dt,
        duration=res.duration,
    )
    with set_curdoc(doc):
        pipe.send({"res": res})
        before = pipe.direct_updates
        pipe.send({"res": other})
        assert pipe.direct_updates == before
    (plot, _), *_ = pane._plots.values()
    assert "V" in plot.state.yaxis[0].axis_label and "(V)" in plot.state.yaxis[0].axis_label


def test_a_view_outside_a_server_is_redrawn_by_holoviews():
    dmap, pipe = sv.live(sv.voltage)
    doc, (pane,) = _serve(dmap, served=False)
    with set_curdoc(doc):
        pipe.send({"res": _result(10.0)})
        pipe.send({"res": _result(30.0)})
    assert pipe.direct_updates == 0
    snap = _snapshot(pane)
    assert snap["y"][1] > -70.0 + 30.0


def test_another_subscriber_still_gets_every_send():
    dmap, pipe = sv.live(sv.voltage)
    doc, (pane,) = _serve(dmap)
    seen = []
    pipe.add_subscriber(lambda **kw: seen.append(kw["data"]))
    with set_curdoc(doc):
        pipe.send({"res": _result(10.0)})
        pipe.send({"res": _result(30.0)})
    assert len(seen) == 2 and pipe.direct_updates == 0
