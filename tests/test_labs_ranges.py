"""Issue #15: every lab plot that has data shows it inside its axes, drawn as when served.

Served, a lab's first frame is empty (its run comes after the page is built), and the data
arrive later through the pipes: the path on which the event-vs-clock plots kept their
0..1 axes and the Dynap-SE log plots their 0.01..1.2 ones. Each test builds the lab
served-like (`lab_support.served`), draws it, runs the queued work and reads the Bokeh
models. Browser checks of the same are in tests/test_labs_browser.py.
"""

import math

import numpy as np
import pytest
from bokeh.models import DataRange1d, FactorRange, LogScale, Plot
from lab_support import (
    bad_plots,
    covers,
    draw,
    plot_report,
    served,
    unitless_axes,
    widget_titles,
)

from snnlab.app import _lab_dynapse as ld
from snnlab.app import _lab_dynapse_views as ldv
from snnlab.app import _lab_event_clock as ec


@pytest.fixture
def flush(monkeypatch):
    with served(monkeypatch) as f:
        yield f


def _by_title(doc, word):
    rows = [r for r in plot_report(doc) if word in r["title"]]
    assert rows, [r["title"] for r in plot_report(doc)]
    return rows[0]


@pytest.mark.skipif(not ec.event_available(), reason="the event engine is not registered")
def test_event_clock_axes_follow_the_data_that_arrive_after_the_page(flush):
    # The lab's plots are live views (#16): every range is a DataRange1d left unset, which
    # BokehJS fits to the glyphs' data in the page (checked there by test_labs_browser.py);
    # here: every plot has data once the queued runs (both stages) are done, and what
    # must be in view (the threshold line) is drawn as a glyph that the range fits.
    lab = ec.EventClockLab(duration=20.0, curve_methods=["euler"])
    doc = draw(lab)
    assert lab.runs == 0  # the page is built before the first run, as when served
    flush()
    assert lab.runs == 1 and lab.message == "", lab.message
    report = plot_report(doc)
    assert len(report) == 3 and all(r["has_data"] for r in report), report
    assert bad_plots(doc) == []
    for plot in doc.select({"type": Plot}):
        for rng in (plot.x_range, plot.y_range):
            assert isinstance(rng, DataRange1d) and math.isnan(rng.start), plot.title.text
    traces = _by_title(doc, "membrane potential")
    assert traces["dy"][0] <= -70.0 and traces["dy"][1] >= -55.0  # rest to the threshold
    errors = _by_title(doc, "spike-time error")
    assert errors["title"] == "spike-time error against dt"  # the sweep arrived
    (plot,) = [p for p in doc.select({"type": Plot}) if "error" in p.title.text]
    assert isinstance(plot.x_scale, LogScale) and isinstance(plot.y_scale, LogScale)
    # a later run with other data: the new data are in the same sources
    lab.current = -500.0  # no spike: V falls below rest
    flush()
    traces = _by_title(doc, "membrane potential")
    assert traces["dy"][0] < -80.0 and traces["dy"][1] >= -55.0  # the threshold stays in view
    assert bad_plots(doc) == []


def test_dynapse_log_axes_cover_currents_of_1e_13_to_1e_7_amperes(flush):
    lab = ld.DynapseLab(size=8, duration=0.2, input_start=0.05, input_stop=0.15)
    doc = draw(lab)
    flush()
    assert lab.message == "", lab.message
    assert bad_plots(doc) == []
    for word in ("imem", "synaptic", "AHP"):
        r = _by_title(doc, word)
        assert r["has_data"], r
        assert r["dy"][0] > 0 and r["dy"][1] < 1e-3, r  # positive currents in amperes
        # the live views' axes follow the data in the browser (the page's ranges are
        # checked in test_labs_browser.py): a log scale and a data range left unset
        (plot,) = [p for p in doc.select({"type": Plot}) if word in p.title.text]
        assert isinstance(plot.y_scale, LogScale), plot.y_scale
        assert isinstance(plot.y_range, DataRange1d) and math.isnan(plot.y_range.start)
    assert _by_title(doc, "imem")["dy"][1] > 1e-9  # the spikes of imem are drawn


def test_dynapse_zero_currents_are_drawn_at_a_floor_on_the_log_axes():
    traces, ylim = ldv.for_log_axis(np.array([0.0, 1e-12, 1e-9]), np.zeros(3))
    assert np.all(traces[0] > 0) and np.all(traces[1] > 0)
    assert traces[1][0] == pytest.approx(1e-13)  # a decade below the smallest positive
    assert ylim[0] < 1e-13 and ylim[1] > 1e-9
    (flat,), ylim = ldv.for_log_axis(np.full(5, 5e-13))  # constant: half a decade each side
    assert ylim[0] < 5e-13 < ylim[1]
    (none,), ylim = ldv.for_log_axis(np.zeros(4))
    assert np.all(none == ldv.CURRENT_FLOOR) and ylim[0] < ldv.CURRENT_FLOOR < ylim[1]


# ---- every lab: data inside the axes, units on every axis and slider -----------------------


def _labs():
    from snnlab.app._lab_inputs import InputsLab
    from snnlab.app._lab_sensitivity import SensitivityLab

    return {
        "event_vs_clock": lambda: ec.EventClockLab(duration=20.0, curve_methods=["euler"]),
        "sensitivity": SensitivityLab,
        "dynapse_lab": lambda: ld.DynapseLab(size=8, duration=0.2),
        "inputs_lab": lambda: InputsLab(duration=50.0, size=4),
    }


@pytest.mark.parametrize("name", list(_labs()))
def test_every_lab_plot_shows_its_data_and_every_axis_and_slider_its_unit(flush, name):
    lab = _labs()[name]()
    doc = draw(lab)
    flush()
    assert lab.message == "", lab.message
    assert bad_plots(doc) == []
    assert any(r["has_data"] for r in plot_report(doc))
    assert unitless_axes(doc) == []  # "t (ms)", "neuron (index)", "I (dimensionless)" ...
    titles = widget_titles(lab)
    assert titles and [t for t in titles if "(" not in t or "()" in t] == []


def test_sensitivity_units_of_a_dimensionless_model_say_so(flush):
    from snnlab.app._lab_sensitivity import SensitivityLab

    lab = SensitivityLab()
    doc = draw(lab)
    flush()
    lab.model = "SNNLIF"
    flush()
    assert lab.message == "", lab.message
    assert lab.current_slider.label.startswith("I (dimensionless")
    assert lab.current_slider.end <= 10  # a dimensionless input, not -100..2000 pA
    labels = [label.object for label in lab.labels.values()]
    assert labels and not any("/1" in t or t.endswith("/") for t in labels), labels
    assert lab.labels["tau"].object.endswith("Hz/steps")
    bars = [m for m in doc.select({"type": FactorRange})]
    factors = [f for b in bars for f in b.factors]
    assert factors and not any("()" in str(f) for f in factors), factors
    assert "I (dimensionless)" in {f[0] for f in factors}
    assert "Hz" in lab.readout.object and "Hz/1" not in lab.readout.object
    lab.model = "LIF"  # back: pA again
    flush()
    assert lab.current_slider.label == "I (pA)" and lab.current_slider.end == 2000.0


def test_eventprop_times_plot_keeps_its_targets_in_view():
    from snnlab.app._lab_sensitivity import EventPropDemo

    demo = EventPropDemo()
    doc = draw(demo)
    demo.target_2 = 25.0  # far above the outputs' first spike times
    demo.train(3)
    r = _by_title(doc, "output spike times")
    # a live view: its y axis is a DataRange1d that BokehJS fits to the data of every
    # glyph (the page's ranges are checked in test_labs_browser.py), and the targets are
    # data of the plot, so the range the browser fits keeps them in view
    (plot,) = [p for p in doc.select({"type": Plot}) if "output spike times" in p.title.text]
    assert isinstance(plot.y_range, DataRange1d) and not plot.y_range.renderers  # all
    assert covers(r["dy"], (r["dy"][0], 25.0)), r
    assert covers(r["dy"], (6.0, 9.0))  # the other targets too
    assert bad_plots(doc) == []
