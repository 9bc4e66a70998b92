"""The inputs lab on the shared live path: figures built once, each run new columns only,
and the columns are those of a direct `snnlab.simulate` of the same settings.

The lab is drawn into a Bokeh document as when served (`lab_support.served`): a move must
leave every model of the page in place (same figures, same sources, no new model) and
change only data (and the readout's text).
"""

import numpy as np
import pytest
from bokeh.document.events import ColumnDataChangedEvent, ModelChangedEvent
from bokeh.models import ColumnDataSource, Div, Plot
from lab_support import draw, served

import snnlab
from snnlab.app import _lab_inputs as li
from snnlab.generators import DCGenerator, PoissonGenerator
from snnlab.neurons import LIF, ExpLIF


@pytest.fixture
def flush(monkeypatch):
    with served(monkeypatch) as f:
        yield f


def _models(doc):
    return {m.id: m for m in doc.models}


def test_a_move_sends_new_columns_to_the_same_figures_and_sources(flush):
    lab = li.InputsLab(duration=50.0, size=4)
    doc = draw(lab)
    flush()
    assert lab.runs == 1 and lab.message == "", lab.message
    views = lab.views
    all_views = (views.in_raster, views.in_current, views.voltage, views.raster)
    figures = [v.figure for v in all_views]
    sources = [(v, name, s) for v in all_views for name, s in v.sources.items()]
    models = _models(doc)
    plots = set(p.id for p in doc.select({"type": Plot}))
    seen = []
    for weight in (7.0, 12.0):
        events = []
        doc.on_change(events.append)
        lab.weight = weight
        flush()
        doc.remove_on_change(events.append)
        assert lab.runs == 1 + len(seen) + 1 and lab.message == "", lab.message
        # nothing rebuilt: the same models, figures and sources
        assert _models(doc) == models
        assert set(p.id for p in doc.select({"type": Plot})) == plots
        assert all(v.figure is f for v, f in zip(all_views, figures, strict=True))
        assert all(v.sources[name] is s for v, name, s in sources)
        # only data and the readout change (and the slider that was moved)
        kinds = {(type(e).__name__, type(e.model).__name__, getattr(e, "attr", "data"))
                 for e in events}  # fmt: skip
        assert kinds <= {
            ("ColumnDataChangedEvent", "ColumnDataSource", "data"),
            ("ModelChangedEvent", "Div", "text"),
            ("ModelChangedEvent", "Slider", "value"),
        }, kinds
        assert any(isinstance(e, ColumnDataChangedEvent) for e in events)
        assert all(isinstance(e, (ColumnDataChangedEvent, ModelChangedEvent)) for e in events)
        # the sources hold this run's data
        v = np.asarray(views.voltage.sources["trace"].data["V"])
        np.testing.assert_array_equal(v, lab.result["V"][:, 0])
        seen.append(v.copy())
    assert not np.array_equal(seen[0], seen[1])  # a stronger input spike, another trace
    assert isinstance(views.voltage.sources["trace"], ColumnDataSource)
    assert isinstance(views.readout.div, Div) and "input spikes" in views.readout.div.text


@pytest.mark.parametrize(
    "neuron_model, weight, model_class", [("LIF", 3.0, LIF), ("ExpLIF", 300.0, ExpLIF)]
)
def test_the_plotted_spike_input_and_response_are_those_of_simulate(
    neuron_model, weight, model_class
):
    lab = li.InputsLab(
        source="PoissonGenerator", neuron_model=neuron_model, size=5, duration=60.0, seed=7
    )
    lab.param.update(weight=weight, neuron=3)
    assert lab.message == "", lab.message
    rate = lab.generator_params["PoissonGenerator"].rate
    # an independent run: the library's own classes with their defaults, the same settings
    source = PoissonGenerator(size=5, rate=rate)
    res = snnlab.simulate(model_class(size=5), snnlab.Connection(source, weight=weight),
                          duration=60.0, dt=0.1, seed=7)  # fmt: skip
    assert len(res.spike_times) > 0  # the comparison covers spikes, not only rest
    views = lab.views
    trace = views.voltage.sources["trace"].data
    np.testing.assert_allclose(trace["t"], res.t)
    np.testing.assert_allclose(trace["V"], res["V"][:, 3], rtol=0, atol=1e-5)  # mV, float32
    threshold = views.voltage.sources["threshold"].data["V"]
    np.testing.assert_allclose(threshold, float(np.ravel(model_class(size=5).V_th)[0]))
    marks = views.voltage.sources["spikes"].data["t"]
    np.testing.assert_allclose(marks, res.spike_times[res.spike_ids == 3])
    points = views.raster.sources["points"].data
    np.testing.assert_allclose(points["t"], res.spike_times)
    np.testing.assert_array_equal(points["neuron"], res.spike_ids)
    # the input raster: one mark per step and channel where the source sent spikes
    t, out = li.source_output(source, 60.0, 0.1, seed=7)
    steps, ids = np.nonzero(out)
    sent = views.in_raster.sources["points"].data
    assert len(steps) > 10
    np.testing.assert_allclose(sent["t"], t[steps])
    np.testing.assert_array_equal(sent["channel"], ids)
    assert views.in_raster.pane.visible and not views.in_current.pane.visible


def test_the_plotted_current_input_and_response_are_those_of_simulate():
    lab = li.InputsLab(source="DCGenerator", size=3, duration=40.0, neuron=1)
    lab.generator_params["DCGenerator"].amplitude = 900.0
    assert lab.message == "", lab.message
    res = snnlab.simulate(LIF(size=3), DCGenerator(size=3, amplitude=900.0),
                          duration=40.0, dt=0.1)  # fmt: skip
    views = lab.views
    current = views.in_current.sources["current"].data
    np.testing.assert_allclose(current["t"], np.arange(401) * 0.1)
    np.testing.assert_allclose(current["I"], 900.0)  # pA, gain 1
    np.testing.assert_allclose(views.voltage.sources["trace"].data["V"], res["V"][:, 1], atol=1e-5)
    np.testing.assert_allclose(views.raster.sources["points"].data["t"], res.spike_times)
    assert views.in_current.pane.visible and not views.in_raster.pane.visible
    assert views.in_current.figure.visible and not views.in_raster.figure.visible
    assert len(views.in_raster.sources["points"].data["t"]) == 0  # no stale spikes hidden
    # back to a spike source: the plots swap, the hidden current plot is emptied
    lab.source = "PoissonGenerator"
    assert views.in_raster.pane.visible and not views.in_current.pane.visible
    assert len(views.in_current.sources["current"].data["I"]) == 0


def test_a_move_that_leaves_the_source_alone_sends_no_input_data(flush):
    lab = li.InputsLab(duration=50.0, size=4)
    doc = draw(lab)
    flush()
    raster = lab.views.in_raster.sources["points"]
    changed = []

    def note(event):
        if isinstance(event, ColumnDataChangedEvent):
            changed.append(event.model)

    doc.on_change(note)
    values = lab.input_values
    lab.weight = 9.0  # the neurons' input weight: the same input spikes
    flush()
    assert lab.input_values is values and raster not in changed
    assert lab.views.voltage.sources["trace"] in changed
    # what stays as it was is not sent again: the threshold line, the empty images
    assert lab.views.voltage.sources["threshold"] not in changed
    assert lab.views.raster.sources["image"] not in changed
    assert len(lab.views.voltage.sources["threshold"].data["V"]) == 2
    changed.clear()
    lab.seed = 3  # another draw of the Poisson source: new input spikes, sent
    flush()
    assert raster in changed and not np.array_equal(lab.input_values, values)
    t, out = li.source_output(lab.build_source(), 50.0, 0.1, seed=3)
    np.testing.assert_array_equal(lab.input_values, out)  # not a stale cached draw
    np.testing.assert_allclose(raster.data["t"], t[np.nonzero(out)[0]])
    changed.clear()
    lab.generator_params["PoissonGenerator"].rate = 50.0  # a slider of the source
    flush()
    assert raster in changed
    np.testing.assert_array_equal(lab.input_values, li.source_output(lab.build_source(), 50.0,
                                                                     0.1, seed=3)[1])  # fmt: skip


def test_same_columns_compares_names_lengths_and_values():
    from snnlab.app._live import same_columns

    a = {"t": np.array([0.0, 1.0, 2.0]), "V": np.array([-70.0, np.nan, -60.0])}
    assert same_columns(a, {"t": [0.0, 1.0, 2.0], "V": np.array([-70.0, np.nan, -60.0])})
    assert not same_columns(a, {"t": a["t"], "V": np.array([-70.0, np.nan, -59.0])})
    assert not same_columns(a, {"t": a["t"][:2], "V": a["V"][:2]})
    assert not same_columns(a, {"t": a["t"], "U": a["V"]})
    assert same_columns({"image": [], "x": []}, {"image": [], "x": np.zeros(0)})
    img = [np.array([[1.0, np.nan], [2.0, 3.0]])]
    assert same_columns({"image": img}, {"image": [img[0].copy()]})
    assert not same_columns({"image": img}, {"image": [img[0] + 1]})


def test_a_move_that_changes_nothing_still_sends_the_trace(flush):
    # past a 15 mV jump (V_th - V_rest) every input spike fires the neuron: the same trace
    lab = li.InputsLab(duration=50.0, size=4, weight=20.0)
    doc = draw(lab)
    flush()
    trace = lab.views.voltage.sources["trace"]
    before = np.asarray(trace.data["V"]).copy()
    changed = []
    doc.on_change(lambda e: changed.append(getattr(e, "model", None)))
    lab.weight = 25.0
    flush()
    assert lab.runs == 2 and lab.message == ""
    np.testing.assert_array_equal(trace.data["V"], before)
    assert trace in changed  # the run reached the page
    assert lab.views.voltage.sources["spikes"] not in changed  # unchanged: not sent
