"""The phase-plane lab in-process: sliders move the nullclines, a tap starts a trajectory."""

import numpy as np
import panel as pn
import pytest
from bokeh.models import ColumnDataSource

from snnlab.app._phase_plane import MAX_TRAJECTORIES, PhasePlaneApp, presets_for


@pytest.fixture(scope="module")
def app():
    a = PhasePlaneApp(model="MorrisLecar", grid=40)
    a.root = pn.panel(a).get_root()  # the Bokeh models the browser would receive
    return a


def _sources(a, column):
    return [s for s in a.root.select({"type": ColumnDataSource}) if column in s.data]


def test_current_slider_moves_the_nullcline_and_the_fixed_point(app):
    p = app.params_of()
    assert app.message == "" and len(app.fixed) == 1
    before = np.concatenate(app.nullclines.x)
    fp0 = app.fixed.states[0].copy()
    p.I_e = 60.0  # what the current slider sets
    after = np.concatenate(app.nullclines.x)
    assert before.shape != after.shape or not np.allclose(before, after)
    assert app.fixed.states[0, 0] > fp0[0]  # more inward current: a more depolarised rest
    # the V-nullcline (dV/dt = 0) is the x-nullcline; the w-nullcline does not move
    line = app.plane_pipe.data["x_null"]
    assert np.allclose(np.concatenate(line), after)


def test_tap_starts_a_trajectory_at_the_clicked_point(app):
    app.clear_trajectories()
    app.tap.event(x=-30.0, y=0.2)
    assert app.message == ""
    tr = app.trajectories[-1]
    assert tr["V"][0, 0] == pytest.approx(-30.0, abs=1e-4)
    assert tr["w"][0, 0] == pytest.approx(0.2, abs=1e-6)
    app.tap.event(x=-50.0, y=0.4)
    assert len(app.trajectories) == 2 and app.starts[-1] == (-50.0, 0.4)
    # the Bokeh source of the trajectory layer holds the path, starting at the click
    src = [s for s in _sources(app, "xs") if "color" in s.data][0]  # one line per trajectory
    firsts = [(xs[0], ys[0]) for xs, ys in zip(src.data["xs"], src.data["ys"], strict=True)]
    assert any(abs(x + 50.0) < 1e-4 and abs(y - 0.4) < 1e-6 for x, y in firsts), firsts
    # the trace beside the plane is the latest trajectory's voltage
    t, v = app.trace_pipe.data
    assert v[0] == pytest.approx(-50.0, abs=1e-4) and t[-1] == pytest.approx(app.duration)


def test_trajectories_are_kept_rerun_and_cleared(app):
    for k in range(MAX_TRAJECTORIES + 2):
        app.add_trajectory(-60.0 + k, 0.1)
    assert len(app.trajectories) == MAX_TRAJECTORIES
    first = app.trajectories[0]["V"][-1, 0]
    app.params_of().I_e = 100.0  # the kept starts are re-run under the new parameters
    assert app.trajectories[0]["V"][0, 0] == pytest.approx(-58.0, abs=1e-4)
    assert app.trajectories[0]["V"][-1, 0] != first
    app.clear_trajectories()
    assert app.trajectories == [] and app.traj_pipe.data["paths"] == []
    app.params_of().I_e = 0.0


def test_presets_errors_and_integrate_and_fire_reset_map():
    a = PhasePlaneApp(model="AdEx", grid=30)
    assert "tonic" in a.param.preset.objects and "class_I" not in a.param.preset.objects
    assert set(presets_for(type(a.params_of()))) >= {"default", "adapting", "irregular"}
    a.preset = "transient"
    assert a.params_of().b == 100.0 and a.message == ""
    assert a.reset is not None and len(a.reset.threshold) > 0  # V = V_peak, jump to V_r
    assert len(a.hybrid_pipe.data["threshold"]) > 0
    kinds = set(a.fixed.kinds)
    assert kinds <= {"stable node", "stable focus", "saddle", "unstable node", "unstable focus"}
    # an impossible window is reported in the page, the app stays alive
    a.xlim = (0.0, 0.0)
    assert a.message and a.alert.visible
    a.xlim = (-85.0, 10.0)
    assert a.message == ""


# ---- issue #15 ---------------------------------------------------------------------------

from bokeh.document import Document  # noqa: E402
from bokeh.models import Plot  # noqa: E402

from snnlab.app import _phase_plane as pp  # noqa: E402


def _plane_plot(a):
    plots = [p for p in a.root.select({"type": Plot}) if "plane" in p.title.text]
    assert plots
    return plots[0]


def _traj_source(a):
    return [s for s in _sources(a, "xs") if "color" in s.data][0]


def test_decimate_path_keeps_breaks_ends_and_the_shape():
    t = np.linspace(0.0, 1.0, 4001)
    pts = np.stack([t, np.sin(20 * t)], 1)
    pts = np.insert(pts, 2000, np.nan, axis=0)  # a reset
    out = pp.decimate_path(pts, 300)
    assert len(out) <= 305 and out.flags["C_CONTIGUOUS"] and out.dtype == np.float64
    assert np.isnan(out).all(axis=1).sum() == 1  # the break stays
    assert np.allclose(out[0], pts[0]) and np.allclose(out[-1], pts[-1])
    finite = out[np.isfinite(out).all(axis=1)]
    assert np.allclose(np.sin(20 * finite[:, 0]), finite[:, 1])  # points of the path
    short = pts[:10]
    assert np.array_equal(pp.decimate_path(short, 300), short)


def test_twenty_trajectories_are_sent_decimated_one_line_each():
    a = PhasePlaneApp(model="MorrisLecar", grid=40)
    a.root = pn.panel(a).get_root(Document())
    assert pp.MAX_TRAJECTORIES >= 20
    for k in range(20):
        a.add_trajectory(-70.0 + 5 * k, 0.05 + 0.02 * k)
    assert len(a.trajectories) == 20 and len(a.trajectories[0].t) > 3000  # full resolution
    src = _traj_source(a)
    assert len(src.data["xs"]) == 20  # one line per trajectory, not one per step
    lengths = [len(xs) for xs in src.data["xs"]]
    assert max(lengths) <= pp.MAX_PATH_POINTS + 5, lengths
    assert all(np.asarray(c).dtype.kind == "f" for c in [src.data["color"]])  # no int64
    t, v = a.trace_pipe.data
    assert len(t) <= 2 * pp.MAX_PATH_POINTS + 5 and t[-1] == pytest.approx(a.duration)


def test_adding_trajectories_keeps_the_window_and_the_plane_is_not_linked_to_the_trace():
    a = PhasePlaneApp(model="MorrisLecar", grid=40)
    a.root = pn.panel(a).get_root(Document())
    plot = _plane_plot(a)
    before = (plot.x_range.start, plot.x_range.end, plot.y_range.start, plot.y_range.end)
    assert before == (-80.0, 50.0, -0.05, 0.7)
    a.params_of().I_e = 100.0  # firing: the trajectory leaves the window
    a.add_trajectory(-79.0, 0.69)
    a.add_trajectory(0.0, 0.0)
    after = (plot.x_range.start, plot.x_range.end, plot.y_range.start, plot.y_range.end)
    assert after == before
    trace = [p for p in a.root.select({"type": Plot}) if "latest" in p.title.text][0]
    assert trace.y_range is not plot.x_range and trace.x_range is not plot.x_range


def test_izhikevich_presets_show_their_pattern():
    a = PhasePlaneApp(model="Izhikevich", grid=30)
    a.preset = "CH"
    p = a.params_of()
    assert p.I_e == pp.PRESET_DRIVES["Izhikevich"]["CH"] == 10.0 and p.c == -50.0
    a.duration = 200.0
    tr = a.add_trajectory(-65.0, -13.0)
    spikes = tr.spike_times[0]
    assert len(spikes) >= 6, spikes  # chattering: bursts of spikes
    isi = np.diff(spikes)
    assert isi.min() < 5.0 < isi.max()  # short intervals inside bursts, long between
    for name in pp.PRESET_DRIVES["Izhikevich"]:
        a.preset = name
        assert a.params_of().I_e == 10.0


def test_switching_the_model_clears_the_sweep_of_the_previous_one():
    a = PhasePlaneApp(model="MorrisLecar", grid=30)
    a.__panel__()
    a.sweep = pp.SWEEPS[1]
    a.sweep_values = lambda: np.linspace(0.0, 100.0, 6)  # a quick sweep
    a.start_sweep()
    assert a.sweep_result is not None and a.sweep_pane.visible
    a.model = "HH"
    assert a.sweep_result is None and not a.sweep_pane.visible
    assert "Morris" not in str(a.sweep_status.object)


def test_window_fields_validate_and_a_corrected_value_clears_the_message():
    a = PhasePlaneApp(model="MorrisLecar", grid=30)
    field = a.xlim_field
    for bad in ("abc", "nan, 5", "1e12, 2e12", "10, -10", "5", ""):
        field.input.value = bad
        assert field.message and field.error.visible, bad
        assert a.xlim == (-80.0, 50.0)  # nothing changed
    field.input.value = "-70, 40"
    assert field.message == "" and not field.error.visible and a.xlim == (-70.0, 40.0)
    assert a.message == ""
    # a window set elsewhere (a bad one reaches the page's alert) and set back clears it
    a.xlim = (0.0, 0.0)
    assert a.message and a.alert.visible
    a.xlim = (-70.0, 40.0)
    assert a.message == "" and not a.alert.visible
    assert field.input.value == "-70, 40"
    assert "(mV)" in field.input.label and "(dimensionless)" in a.ylim_field.input.label


def test_the_equations_are_math_panes_not_code_blocks():
    a = PhasePlaneApp(model="AdEx", grid=30)
    panes = a.model_doc.objects
    assert panes and all(isinstance(p, pn.pane.LaTeX) for p in panes)
    eq = [p.object for p in panes if p.object.startswith("$$")]
    assert eq and "\\frac{dV}{dt}" in eq[0] and "\n" not in eq[0]
    assert not any(p.object.startswith(" ") for p in panes)  # no indented (code) block


def test_a_served_click_shows_the_busy_sign_until_its_trajectory_is_drawn(monkeypatch):
    # served, runs go through the shared scheduler: two clicks while the first waits make
    # one run; a run of a variant not yet measured goes to the pool behind the page's sign
    from lab_support import served

    with served(monkeypatch) as flush:
        monkeypatch.setattr(PhasePlaneApp, "_session_doc", staticmethod(lambda: object()))
        a = PhasePlaneApp(model="MorrisLecar", grid=30)
        a.__panel__()
        flush()  # the first plane and its slow layers
        assert a.fixed is not None and a.served() and a.message == ""
        shown = []
        a.busy.spinner.param.watch(lambda e: shown.append(e.new), "visible")
        runs = a.slow_runs.pool_runs + a.slow_runs.inline_runs
        a._on_tap(x=-30.0, y=0.2)
        a._on_tap(x=-20.0, y=0.3)  # a second click while the first waits: one batch
        assert a.trajectories == [] and a.slow_runs.pending
        flush()
        assert len(a.trajectories) == 2
        assert a.slow_runs.pool_runs + a.slow_runs.inline_runs == runs + 1
        assert shown == [True, False] and not a.busy.spinner.visible


@pytest.mark.parametrize("model", ["MorrisLecar", "FitzHughNagumo"])
def test_every_axis_and_slider_states_its_unit(model):
    from lab_support import unitless_axes, widget_titles

    a = PhasePlaneApp(model=model, grid=30)
    doc = Document()
    doc.add_root(pn.panel(a).get_root(doc))
    a.add_trajectory(*(np.mean(a.xlim), np.mean(a.ylim)))
    assert unitless_axes(doc) == []  # "w (dimensionless)", not "w"
    titles = widget_titles(a)
    assert titles and [t for t in titles if "(" not in t] == []


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_every_control_works_at_both_ends_of_its_range():
    from lab_support import sweep_ends

    a = PhasePlaneApp(model="MorrisLecar", grid=40)
    doc = Document()
    doc.add_root(pn.panel(a).get_root(doc))
    a.add_trajectory(-30.0, 0.3)  # re-run at every setting
    skip = ("model", "x", "y", "xlim", "ylim", "sweep", "dt", "preset")
    problems = sweep_ends(a, doc, a.params_of(), lambda: None, skip=("size", "method"))
    problems += sweep_ends(a, doc, a, lambda: None, skip=skip)
    assert problems == []
    assert np.isfinite(a.add_trajectory(-30.0, 0.3)["V"]).all()  # (`others` cleared them)


def test_slider_moves_and_window_edits_never_recompile():
    from test_analysis import _count_compiles

    a = PhasePlaneApp(model="MorrisLecar", grid=40)
    a.root = pn.panel(a).get_root(Document())
    p = a.params_of()
    a.add_trajectory(-40.0, 0.2)
    p.I_e = 10.0  # every layer once: plane, fixed points, reset map, trajectories
    p.phi = 0.05
    with _count_compiles() as compiles:
        for value in (25.0, 47.5, 80.0):
            p.I_e = value
        p.phi = 0.07
        a.xlim = (-75.0, 45.0)
        a.add_trajectory(-20.0, 0.4)
    assert a.message == "" and len(a.trajectories) == 2
    assert compiles == []


# ---- issue #16: the live path, and a projection that does not exist --------------------


def _flat(data: dict) -> np.ndarray:
    """Every number of a source's columns (lists of arrays too) in one array."""
    parts = [np.ravel(np.asarray(v, float)) for c, col in data.items() if c != "kind" for v in col]
    return np.concatenate(parts) if parts else np.zeros(0)


def test_a_move_keeps_the_figures_and_sources_and_sends_new_columns():
    a = PhasePlaneApp(model="MorrisLecar", grid=40)
    a.root = pn.panel(a).get_root(Document())
    a.add_trajectory(-40.0, 0.2)
    view, plane, trace = a.view, a.view.plane, a.view.trace
    sources = dict(view.sources)
    renderers = list(plane.renderers)
    before = {
        k: {c: [np.copy(v) for v in col] for c, col in s.data.items()} for k, s in sources.items()
    }
    trace_before = np.copy(trace.renderers[0].data_source.data["v"])
    a.params_of().I_e = 80.0  # a slider move: plane, fixed points and trajectory again
    assert a.view is view and a.view.plane is plane and a.view.trace is trace
    assert list(plane.renderers) == renderers
    assert all(view.sources[k] is s for k, s in sources.items())
    assert a.plane_pane.object is plane and a.trace_pane.object is trace
    assert plane in a.root.select({"type": Plot})  # still the figure in the page
    for name in ("x_null", "field", "fixed", "paths"):
        old, new = _flat(before[name]), _flat(sources[name].data)
        assert old.shape != new.shape or not np.allclose(old, new, equal_nan=True), name
    assert not np.array_equal(trace_before, trace.renderers[0].data_source.data["v"])
    # the x-nullcline in the page is the one the analysis returned
    xs = np.concatenate(sources["x_null"].data["xs"])
    assert np.allclose(xs, np.concatenate(a.nullclines.x)[:, 0])
    # a new model relabels the same figure (units on the axes) and empties old layers
    a.model = "FitzHughNagumo"
    assert a.view.plane is plane and "(dimensionless)" in plane.yaxis.axis_label
    assert a.trajectories == [] and len(sources["paths"].data["xs"]) == 0


def test_the_legend_names_every_fixed_point_kind_outside_the_frame():
    from snnlab.analysis import KINDS

    a = PhasePlaneApp(model="MorrisLecar", grid=30)
    legend = a.view.plane.right[0]
    labels = [item.label["value"] for item in legend.items]
    assert set(KINDS) <= set(labels) and "dV/dt = 0" in labels and "dw/dt = 0" in labels
    assert a.view.plane.xaxis.axis_label == "V (mV)"
    assert a.view.plane.yaxis.axis_label == "w (dimensionless)"


def test_a_plane_whose_other_states_have_no_steady_state_says_so():
    import dataclasses

    from test_projection_steady import NoSteadyZ

    from snnlab.app._phase_compute import plane_layers

    s = pp.PlaneSettings("V", "w", "steady", (-1.0, 1.0), (-1.0, 1.0), 20, 10, 50.0, 0.05)
    layers = plane_layers(NoSteadyZ(), s)
    assert layers.missing == 1.0 and "No steady state of z" in layers.note()
    assert layers.nullclines.x == [] and layers.nullclines.y == []  # nothing drawn wrong
    held = plane_layers(NoSteadyZ(), dataclasses.replace(s, others="fixed"))
    assert held.missing == 0.0 and held.note() == ""
    # in the app: the page's alert says it, and stays while the plane is redrawn
    a = PhasePlaneApp(model="MorrisLecar", grid=20)
    a.build_model = NoSteadyZ
    a.param.update(xlim=(-1.0, 1.0), ylim=(-1.0, 1.0))
    assert "No steady state of z" in a.message and a.alert.visible
    a.build_model = PhasePlaneApp.build_model.__get__(a)
    a.param.update(xlim=(-80.0, 50.0), ylim=(-0.05, 0.7))
    assert a.message == ""


def test_hh_projection_with_gates_at_steady_state_has_no_warning():
    a = PhasePlaneApp(model="HH", grid=20)
    assert a.others == "steady" and a.message == ""
    assert len(a.fixed) >= 1 and np.isfinite(a.fixed.states).all()


def test_a_click_reported_as_a_double_tap_still_starts_a_trajectory():
    from bokeh.events import DoubleTap, Tap

    a = PhasePlaneApp(model="MorrisLecar", grid=30)
    fig = a.view.plane
    # what BokehJS sends for two clicks 100 ms apart at different points: Tap, DoubleTap
    for event in (Tap(fig, x=-60.0, y=0.1), DoubleTap(fig, x=-20.0, y=0.5)):
        fig._trigger_event(event)
    assert a.starts == [(-60.0, 0.1), (-20.0, 0.5)] and len(a.trajectories) == 2
    # a real double click: its second half lands on the first and adds nothing
    fig._trigger_event(Tap(fig, x=0.0, y=0.3))
    fig._trigger_event(DoubleTap(fig, x=0.1, y=0.301))
    assert len(a.starts) == 3 and a.starts[-1] == (0.0, 0.3)


def test_a_served_click_during_a_slider_move_runs_once_with_the_new_values(monkeypatch):
    # a click while the plane's run for a new slider value waits must not integrate the
    # trajectory with the values that run replaces (a stale trajectory, drawn, then redone)
    from lab_support import served

    from snnlab.app._phase_compute import run_trajectories

    with served(monkeypatch) as flush:
        monkeypatch.setattr(PhasePlaneApp, "_session_doc", staticmethod(lambda: object()))
        a = PhasePlaneApp(model="MorrisLecar", grid=30)
        a.__panel__()
        flush()
        runs = a.slow_runs.pool_runs + a.slow_runs.inline_runs
        a.params_of().I_e = 100.0  # the plane's run is queued ...
        a._on_tap(x=-30.0, y=0.2)  # ... when the click arrives
        assert a.runs.pending
        flush()
        assert a.slow_runs.pool_runs + a.slow_runs.inline_runs == runs + 1
        ref = run_trajectories(a.build_model(), [(-30.0, 0.2)], a.settings())[0]
        np.testing.assert_allclose(a.trajectories[-1]["V"], ref["V"])
        assert a.message == ""
