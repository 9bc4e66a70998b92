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
