"""The phase-plane lab: nullclines, fixed points and trajectories of a neuron model, live.

Data flow of one slider move (DESIGN.md): slider -> `snnlab.params` object -> `to_model()`
-> `snnlab.analysis` (vector field, nullclines, fixed points; jitted, same shapes, so no
recompile) -> one `Pipe` per layer -> `DynamicMap` -> Bokeh patch. Requests coalesce as in
the Explorer: while a redraw is in flight only a flag is set, and the next redraw reads the
newest values. The plane is redrawn first; the slower layers (re-run trajectories, the reset
map, and the fixed points of a projection of a larger model) follow on the next tick, so a
drag stays responsive. A click on the plane (`hv.streams.Tap`) starts a trajectory there;
it changes neither the field nor the nullclines, so they are not recomputed.
"""

from __future__ import annotations

import inspect
import re
import time
import traceback
from typing import Any

import contourpy
import holoviews as hv
import numpy as np
import panel as pn
import param

from .. import analysis as an
from .. import neurons as _neurons
from .. import params as sp
from ..core import AbstractNeuronModel
from ..viz import state_dimension
from ._lab_common import DIMENSIONLESS, TextField, format_range, lab_slider, parse_range
from ._widgets import fast

MAX_TRAJECTORIES = 20
"""Trajectories kept on the plane; every batch is padded to this many starts, so adding one
never changes a shape (and never recompiles)."""

MAX_PATH_POINTS = 300
"""Points per trajectory sent to the page (and per trace): a 200 ms trajectory at
dt = 0.05 ms has 4000 steps, and 20 of them at full resolution cost the browser seconds per
update; `decimate_path` keeps points evenly spaced along the drawn curve, so the shape
on screen is the same."""

PRESET_DRIVES: dict[str, dict[str, float]] = {
    # Izhikevich (2003) drives every pattern with I = 10; below it none of them fires
    "Izhikevich": {"RS": 10.0, "IB": 10.0, "CH": 10.0, "FS": 10.0, "LTS": 10.0},
    # above the onset of firing: Hopf (class II) near 90, saddle-node (class I) near 40
    "MorrisLecar": {"class_II": 100.0, "class_I": 45.0},
}
"""`I_e` (the model's current unit) of the presets whose published table leaves the
current out, so that choosing one shows its firing pattern at once."""

DURATIONS = (50.0, 100.0, 200.0, 500.0, 1000.0, 2000.0)
"""Trajectory durations offered (ms): a few fixed lengths, each compiled once."""

KIND_COLORS = {
    "stable node": "#2ca02c",
    "stable focus": "#98df8a",
    "unstable node": "#d62728",
    "unstable focus": "#ff9896",
    "saddle": "#ff7f0e",
    "center": "#9467bd",
    "non-hyperbolic": "#7f7f7f",
}
"""Colour of each fixed-point class (`snnlab.analysis.classify`)."""

# Where the interesting part of the plane lies for the classic models (state names and
# windows in the states' units). Other models get `snnlab.analysis`'s defaults (from the
# model's `phase_limits` or its state units); every window can be edited in the page.
_WINDOWS: dict[str, tuple[str, str, tuple[float, float], tuple[float, float]]] = {
    "MorrisLecar": ("V", "w", (-80.0, 50.0), (-0.05, 0.7)),
    "FitzHughNagumo": ("V", "w", (-2.5, 2.5), (-1.0, 2.0)),
    "AdEx": ("V", "w", (-85.0, 10.0), (-100.0, 500.0)),
    "Izhikevich": ("V", "u", (-85.0, 40.0), (-20.0, 15.0)),
    "ReducedHH": ("V", "n", (-85.0, 50.0), (0.0, 1.0)),
    "HH": ("V", "n", (-85.0, 50.0), (0.0, 1.0)),
}

SWEEPS = ("f-I curve", "bifurcation in I_e")


def phase_models() -> dict[str, type]:
    """The Parameterized classes of continuous-time models with two or more states, by name."""
    out = {}
    for name, cls in sp.neuron_models().items():
        mc = cls.model_class
        if not (isinstance(mc, type) and issubclass(mc, AbstractNeuronModel)):
            continue
        names = getattr(mc, "state_names", None)
        if isinstance(names, (tuple, list)) and len(names) < 2:
            continue
        try:
            if len(cls().to_model().state_names) >= 2:
                out[name] = cls
        except (ValueError, TypeError):
            continue
    return out


def presets_for(pclass: type) -> dict[str, dict[str, float]]:
    """The published parameter sets of a model: every `*_PATTERNS` / `*_PRESETS` table of
    `snnlab.neurons` whose entries only name parameters of this model, plus "default"."""
    out: dict[str, dict[str, float]] = {"default": {}}
    names = set(pclass.specs)
    for attr in getattr(_neurons, "__all__", dir(_neurons)):
        if not attr.endswith(("_PATTERNS", "_PRESETS")):
            continue
        table = getattr(_neurons, attr, None)
        if not isinstance(table, dict) or not table:
            continue
        if all(isinstance(v, dict) and set(v) <= names for v in table.values()):
            out.update({k: dict(v) for k, v in table.items()})
    return out


def doc_panes(doc: str, paragraphs: int = 3) -> list:
    """The first `paragraphs` paragraphs of a model's docstring as panes, equations as math.

    A paragraph `$$...$$` becomes a `pn.pane.LaTeX` (KaTeX) display equation, any other a
    `pn.pane.LaTeX` of text whose `$...$` parts are inline math; code marks are dropped.
    Each pane scrolls sideways inside its column when an equation is wider than it, rather
    than widening the page.
    """
    parts = [p.strip() for p in inspect.cleandoc(doc or "").split("\n\n") if p.strip()]
    panes = []
    style = {"overflow-x": "auto", "overflow-y": "hidden", "max-width": "100%"}
    for part in parts[:paragraphs]:
        text = " ".join(line.strip() for line in part.splitlines())
        text = re.sub(r"`([^`]*)`", r"\1", text)
        panes.append(pn.pane.LaTeX(text, sizing_mode="stretch_width", styles=style))
    return panes


def _pipe_map(fn, data) -> tuple[hv.DynamicMap, hv.streams.Pipe]:
    pipe = hv.streams.Pipe(data=data)
    return hv.DynamicMap(fn, streams=[pipe]), pipe


def _column(values) -> np.ndarray:
    """A contiguous float64 copy of a 1-D column, safe to stream to the page."""
    return np.ascontiguousarray(values, dtype=np.float64)


def _grid_nullclines(vf: an.VectorField) -> an.Nullclines:
    """Nullclines from the field on a grid: each zero set traced by marching squares
    (contourpy, separate lines, so branches are never joined) with linear interpolation
    along the cell edges. One fixed-shape field evaluation, so a slider move never
    recompiles (`analysis.nullclines` refines by bisection on a number of edges that
    changes with the parameters, and compiles for each new number)."""

    def lines(z):
        z = np.where(np.isfinite(z), z, np.nan)
        gen = contourpy.contour_generator(vf.x, vf.y, z, line_type="Separate")
        return [np.asarray(p, float) for p in gen.lines(0.0) if len(p) > 1]

    return an.Nullclines(lines(vf.dx), lines(vf.dy), vf.projection)


def decimate_path(pts: np.ndarray, max_points: int = MAX_PATH_POINTS, scale=(1.0, 1.0)):
    """At most about `max_points` rows of a path `(n, 2)`, evenly spaced along its length.

    Rows of NaN (breaks between pieces, e.g. at a reset) are kept, each piece keeps its
    first and last point and gets a share of the points proportional to its length. The
    length is measured in units of `scale` (the window's width and height), so a path is
    sampled evenly as it appears on screen: a fast spike keeps its points.

    **Returns:** the decimated rows (a new contiguous float64 array).
    """
    pts = np.asarray(pts, dtype=np.float64)
    if len(pts) <= max_points:
        return np.ascontiguousarray(pts)
    bad = ~np.isfinite(pts).all(axis=1)
    edges = np.flatnonzero(np.diff(np.concatenate([[True], bad, [True]]).astype(int)))
    pieces = [(a, b) for a, b in zip(edges[::2], edges[1::2], strict=True) if b > a]
    sx, sy = (float(s) if s and np.isfinite(s) and s > 0 else 1.0 for s in scale)
    lengths, cums = [], []
    for a, b in pieces:
        d = np.hypot(np.diff(pts[a:b, 0]) / sx, np.diff(pts[a:b, 1]) / sy)
        cum = np.concatenate([[0.0], np.cumsum(d)])
        cums.append(cum)
        lengths.append(cum[-1])
    total = sum(lengths) or 1.0
    budget = max(max_points - len(pieces), 2 * len(pieces))
    out = []
    for (a, b), cum, length in zip(pieces, cums, lengths, strict=True):
        n = max(2, int(round(budget * length / total)))
        if b - a <= n or length == 0:
            keep = np.arange(a, b) if length else np.array([a, b - 1])
        else:
            idx = np.searchsorted(cum, np.linspace(0.0, length, n))
            keep = a + np.unique(np.clip(idx, 0, b - a - 1))
        if out:
            out.append(np.full((1, 2), np.nan))
        out.append(pts[np.unique(keep)])
    return np.ascontiguousarray(np.concatenate(out) if out else np.zeros((0, 2)))


def _break_at_spikes(t, xs, ys, spike_times) -> np.ndarray:
    """(x, y) rows with a NaN row after every reset, so the jump is not drawn as flow."""
    pts = np.stack([xs, ys], 1)
    if len(spike_times) == 0:
        return pts
    cut = np.searchsorted(t, spike_times) - 1
    cut = cut[(cut >= 0) & (cut < len(t) - 1)]
    return np.insert(pts, cut + 1, np.nan, axis=0)


class PhasePlaneApp(pn.viewable.Viewer):
    """A phase-plane lab: pick a model and a preset, drag sliders, click the plane.

    Sliders for the model's parameters (the input current is `I_e`, in the model's current
    unit) move the nullclines and the fixed points live; fixed points are coloured by
    their class (legend). Clicking the plane starts a trajectory there (up to
    `MAX_TRAJECTORIES` are kept; "clear" removes them); the voltage trace of the latest one
    is drawn beside the plane. For a model with more than two states the plane is a
    projection and its title says how the other states are held; for an integrate-and-fire
    model the threshold and the jump to reset are drawn. An f-I curve or a bifurcation scan
    in `I_e` is computed on demand, with a progress bar. Errors appear in the page.

    **Parameters:** `model`, `preset`, `x`, `y` (state names on the axes), `others`
    ("steady" or "fixed": the other states of a larger model), `xlim`, `ylim` (window, state
    units), `grid` (nullcline grid points per axis), `arrows` (vector-field arrows per
    axis), `duration` (ms, per trajectory), `dt` (ms), `sweep` (which on-demand panel).

    **Attributes for scripts and tests:** `neuron_params[model]` (the `snnlab.params`
    object of each model), `nullclines`, `fixed`, `field`, `reset`
    (`snnlab.analysis` results of the latest redraw), `starts` (kept starts, plane points),
    `trajectories` (list of `snnlab.analysis.Trajectory`, one per start), `tap` (the
    `hv.streams.Tap`), `redraws`, `last_redraw_ms`, `message`.
    """

    model = param.Selector(default="MorrisLecar", objects=["MorrisLecar"], doc="neuron model")
    preset = param.Selector(default="default", objects=["default"], doc="published set")
    x = param.Selector(default="V", objects=["V"], doc="state on the horizontal axis")
    y = param.Selector(default="w", objects=["w"], doc="state on the vertical axis")
    others = param.Selector(
        default="steady",
        objects=["steady", "fixed"],
        doc="states off the plane: at their steady state, or held at their initial value",
    )
    xlim = param.Range(default=(-80.0, 50.0), doc="horizontal window (state units)")
    ylim = param.Range(default=(-0.05, 0.7), doc="vertical window (state units)")
    grid = param.Integer(
        80, bounds=(10, 400), label="grid (points per axis)", doc="nullcline grid points per axis"
    )
    arrows = param.Integer(20, bounds=(4, 60), doc="vector-field arrows per axis")
    duration = param.Selector(
        default=200.0, objects=list(DURATIONS), label="duration (ms)", doc="trajectory length"
    )
    dt = param.Number(
        0.05, bounds=(1e-4, 1.0), label="dt (ms)", doc="time step of the trajectories (ms)"
    )
    sweep = param.Selector(default=SWEEPS[0], objects=list(SWEEPS), doc="on-demand panel")
    message = param.String("", doc="the latest error or warning, shown in the page")

    def __init__(self, **params):
        self._classes = phase_models()
        self.neuron_params: dict[str, sp.ModelParameters] = {}
        self.param.model.objects = sorted(self._classes)
        self._suspended = 1
        self._dirty = self._running = self._scheduled = self._slow_pending = False
        self._traj_scheduled = False
        self._sweep_state = None
        self._plane_key = self._reset_key = None
        self.nullclines = self.fixed = self.field = self.reset = None
        self.starts: list[tuple[float, float]] = []
        self.trajectories: list[an.Trajectory] = []
        self.sweep_result = None
        self.redraws = 0
        self.last_redraw_ms = float("nan")
        super().__init__(**params)
        self._build_widgets()
        self._model_changed(rebuild=False)
        self._suspended = 0
        self.param.watch(self._on_model, ["model"])
        self.param.watch(self._on_preset, ["preset"])
        self.param.watch(self._on_axes, ["x", "y", "others", "xlim", "ylim"])
        self.param.watch(lambda *e: self.request_redraw(), ["grid", "arrows"])
        self.param.watch(self._on_run_settings, ["duration", "dt"])
        self._rebuild_plot()
        self.request_redraw()

    # ---- model and settings ------------------------------------------------------------

    def params_of(self, name: str | None = None) -> sp.ModelParameters:
        """The `snnlab.params` object of model `name` (default the current model)."""
        name = self.model if name is None else name
        if name not in self.neuron_params:
            obj = self._classes[name]()
            obj.param.watch(self._on_values, [n for n in obj.param if n not in ("name", "size")])
            self.neuron_params[name] = obj
        return self.neuron_params[name]

    def build_model(self):
        """The equinox model of the current values (one neuron).

        **Raises:** `ValueError` explaining an impossible combination of values.
        """
        p = self.params_of()
        p.size = 1
        return p.to_model()

    def _model_changed(self, rebuild: bool = True) -> None:
        p = self.params_of()
        self._suspended += 1
        try:
            self.param.preset.objects = list(presets_for(type(p)))
            self.preset = "default"
            model = self._safe_model()
            names = list(model.state_names) if model is not None else ["V", "w"]
            self.param.x.objects = names
            self.param.y.objects = names
            wx, wy, xlim, ylim = _WINDOWS.get(self.model, (names[0], names[1], None, None))
            wx = wx if wx in names else names[0]
            wy = wy if wy in names and wy != wx else next(n for n in names if n != wx)
            if xlim is None and model is not None:
                vf = an.vector_field(model, wx, wy, n=2)
                xlim, ylim = (vf.x[0], vf.x[-1]), (vf.y[0], vf.y[-1])
            self.param.update(
                x=wx, y=wy, xlim=tuple(map(float, xlim)), ylim=tuple(map(float, ylim))
            )
            self.dt = 0.025 if getattr(model, "method", "") == "rkf45" else 0.05
            self.starts, self.trajectories = [], []
            self._fill_model_box()
        finally:
            self._suspended -= 1
        if rebuild:
            self._rebuild_plot()
            self.request_redraw()

    def _safe_model(self):
        try:
            return self.build_model()
        except (ValueError, TypeError):
            return None

    def apply_preset(self, name: str) -> None:
        """Set the model's parameters to the preset `name` (the rest to their defaults)."""
        presets = presets_for(type(self.params_of()))
        if name not in presets:
            raise ValueError(f"preset {name!r} is unknown for {self.model}: {sorted(presets)}.")
        p = self.params_of()
        values = {k: spec.default for k, spec in p.specs.items() if k not in p.channels}
        values.update(presets[name])
        if "I_e" not in presets[name] and name in PRESET_DRIVES.get(self.model, {}):
            values["I_e"] = PRESET_DRIVES[self.model][name]
        self._suspended += 1
        try:
            p.set_values(values)
        finally:
            self._suspended -= 1
        self.request_redraw()

    def _on_model(self, event) -> None:
        self.clear_sweep()
        self._model_changed()

    def _on_preset(self, event) -> None:
        if not self._suspended:
            self.clear_sweep()
            self.apply_preset(event.new)

    def clear_sweep(self) -> None:
        """Remove the sweep of another model or preset (and stop one in progress)."""
        self._sweep_state = None
        self.sweep_result = None
        if hasattr(self, "sweep_pane"):
            self.sweep_pane.object = hv.Curve([]).opts(height=60, responsive=True, title="")
            self.sweep_pane.visible = False
            self.progress.visible = False
            self.sweep_button.disabled = False
            self.sweep_status.object = "Choose a sweep and press *compute*."

    def _on_values(self, *events) -> None:
        self.request_redraw()

    def _on_axes(self, *events) -> None:
        if self._suspended:
            return
        if any(e.name in ("x", "y", "others") for e in events):
            self.starts, self.trajectories = [], []
        self._rebuild_plot()
        self.request_redraw()

    def _on_run_settings(self, *events) -> None:
        if not self._suspended and self.starts:
            self._run_trajectories()

    # ---- redraws -----------------------------------------------------------------------

    def request_redraw(self) -> None:
        """Ask for a redraw with the newest values; coalesces requests made during one."""
        if self._suspended:
            return
        self._dirty = True
        if self._running or self._scheduled:
            return
        if self._in_server():
            self._scheduled = True
            self._set_busy(True)  # reaches the page before the work, on a later tick
            pn.state.execute(self._drain, schedule=True)
        else:
            self._drain()

    def _set_busy(self, busy: bool) -> None:
        """Show or hide the busy sign beside the plane's note."""
        if hasattr(self, "busy"):
            self.busy.value = busy
            self.busy.visible = busy
            self.busy_text.visible = busy

    @staticmethod
    def _in_server() -> bool:
        doc = pn.state.curdoc
        return bool(doc is not None and doc.session_context is not None)

    def _drain(self) -> None:
        self._scheduled = False
        if self._running:
            return
        self._running = True
        try:
            while self._dirty:
                self._dirty = False
                self._guarded(self.redraw_plane)
        finally:
            self._running = False
        if self._slow_pending:
            if self._in_server():
                pn.state.execute(self._drain_slow, schedule=True)
            else:
                self._drain_slow()
        else:
            self._set_busy(False)

    def _drain_slow(self) -> None:
        if self._dirty or not self._slow_pending:
            return  # a newer redraw is on its way and will ask again
        self._slow_pending = False
        try:
            self._guarded(self.redraw_slow)
        finally:
            if not (self._dirty or self._scheduled or self._traj_scheduled):
                self._set_busy(False)

    def _guarded(self, fn) -> bool:
        try:
            fn()
        except (ValueError, TypeError) as err:
            self._show(str(err), "danger")
            return False
        except Exception as err:  # noqa: BLE001 - never a dead app
            self._show(f"{type(err).__name__}: {err}", "danger")
            traceback.print_exc()
            return False
        return True

    def _plane_kwargs(self) -> dict[str, Any]:
        return dict(x=self.x, y=self.y, xlim=self.xlim, ylim=self.ylim, others=self.others)

    def _many_states(self, model) -> bool:
        return len(model.state_names) > 2

    def redraw_plane(self) -> None:
        """Recompute the vector field, the nullclines and (for a 2-state model) the fixed
        points for the current values and send them to the plot."""
        t0 = time.perf_counter()
        p = self.params_of()
        model = self.build_model()
        key = (self.model, tuple(sorted(p.values().items())), self.grid, self.arrows)
        key += tuple(self._plane_kwargs().items())
        if key == self._plane_key:
            self._show("", "warning")  # valid values again (e.g. a window typed back)
            return
        kw = self._plane_kwargs()
        self.field = an.vector_field(model, n=self.arrows, **kw)
        self.nullclines = _grid_nullclines(an.vector_field(model, n=self.grid, **kw))
        self.fixed = None if self._many_states(model) else an.fixed_points(model, n_starts=8, **kw)
        # one send for all layers of the plane: HoloViews redraws the overlay once per event
        self._plane_data = {
            "field": self._field_data(self.field),
            "x_null": self.nullclines.x,
            "y_null": self.nullclines.y,
            "fixed": self._fixed_data(self.fixed),
        }
        self.plane_pipe.send(self._plane_data)
        self._plane_key = key
        self._model = model
        self._slow_pending = True
        self.redraws += 1
        self.last_redraw_ms = (time.perf_counter() - t0) * 1e3
        self._show("", "warning")

    def redraw_slow(self) -> None:
        """The layers that may wait a tick: the fixed points of a projection, the reset
        map, and the kept trajectories re-run under the new values."""
        model = self._model
        kw = self._plane_kwargs()
        if self.fixed is None:
            self.fixed = an.fixed_points(model, n_starts=6, **kw)
            self._plane_data = {**self._plane_data, "fixed": self._fixed_data(self.fixed)}
            self.plane_pipe.send(self._plane_data)
        # the reset map does not depend on the input current, and each call of
        # `analysis.reset_map` compiles anew (~0.5 s): redo it only for other changes
        p = self.params_of()
        key = (self.model, tuple(sorted((k, v) for k, v in p.values().items() if k != "I_e")))
        key += tuple(kw.items())
        if key != self._reset_key:
            self.reset = an.reset_map(model, n=60, **kw)
            self._reset_key = key
            r = self.reset
            self.hybrid_pipe.send(
                {
                    "threshold": r.threshold if r else [],
                    "reset": r.reset if r else [],
                    "jumps": r.jumps if r is not None else np.zeros((0, 2, 2)),
                }
            )
        if self.starts:
            self._run_trajectories()

    def _field_data(self, vf: an.VectorField):
        gx, gy = np.meshgrid(vf.x, vf.y)
        # arrows are drawn in screen space: normalise each component by its window
        nx = vf.dx / (self.xlim[1] - self.xlim[0])
        ny = vf.dy / (self.ylim[1] - self.ylim[0])
        speed = np.nan_to_num(np.hypot(nx, ny))
        ref = np.median(speed[speed > 0]) if np.any(speed > 0) else 1.0
        mag = np.log1p(speed / ref)
        mag = mag / (mag.max() if mag.max() > 0 else 1.0)
        return (gx.ravel(), gy.ravel(), np.nan_to_num(np.arctan2(ny, nx)).ravel(), mag.ravel())

    def _fixed_data(self, fp: an.FixedPoints | None) -> dict:
        if fp is None:
            self.fixed_table.object = "*fixed points: computing ...*"
            return {self.x: np.zeros(0), self.y: np.zeros(0), "kind": np.zeros(0, object)}
        names = list(fp.state_names)
        ix, iy = names.index(self.x), names.index(self.y)
        data = {
            self.x: fp.states[:, ix],
            self.y: fp.states[:, iy],
            "kind": np.asarray(fp.kinds, dtype=object),
        }
        rows = [
            f"| {self.x} = {s[ix]:.4g}, {self.y} = {s[iy]:.4g} | "
            f'<span style="color:{KIND_COLORS.get(k, "#000")}">&#9679;</span> {k} |'
            for s, k in zip(fp.states, fp.kinds, strict=True)
        ]
        self.fixed_table.object = (
            "| fixed point | class |\n|---|---|\n" + "\n".join(rows)
            if rows
            else "*no fixed point in the window*"
        )
        return data

    # ---- trajectories ------------------------------------------------------------------

    def add_trajectory(self, x: float, y: float) -> an.Trajectory:
        """Start a trajectory at the plane point (x, y) (state units) and draw it.

        **Returns:** its `snnlab.analysis.Trajectory`.
        """
        if x is None or y is None or not np.isfinite([x, y]).all():
            raise ValueError(f"a trajectory needs a finite start, got ({x}, {y}).")
        self.starts = [*self.starts, (float(x), float(y))][-MAX_TRAJECTORIES:]
        self._run_trajectories()
        return self.trajectories[-1]

    def clear_trajectories(self) -> None:
        """Remove every trajectory from the plane and the trace."""
        self.starts, self.trajectories = [], []
        self._send_trajectories()

    def _run_trajectories(self) -> None:
        model = getattr(self, "_model", None) or self.build_model()
        starts = np.array(self.starts, float)
        padded = np.concatenate([starts, np.repeat(starts[-1:], MAX_TRAJECTORIES - len(starts), 0)])
        method = getattr(model, "method", "rk4")
        tr = an.trajectory(
            model,
            padded,
            duration=float(self.duration),
            dt=float(self.dt),
            method=method,
            x=self.x,
            y=self.y,
            others=self.others,
        )
        self.trajectories = [
            an.Trajectory(tr.t, tr.states[:, k : k + 1], [tr.spike_times[k]], tr.state_names)
            for k in range(len(starts))
        ]
        self._send_trajectories()

    def _send_trajectories(self) -> None:
        """Send the kept trajectories to the page, each decimated to `MAX_PATH_POINTS`."""
        paths = []
        resets = self._has_reset()
        scale = (np.ptp(self.xlim), np.ptp(self.ylim))
        for k, tr in enumerate(self.trajectories):
            spikes = tr.spike_times[0] if resets else []
            pts = _break_at_spikes(tr.t, tr[self.x][:, 0], tr[self.y][:, 0], spikes)
            pts = decimate_path(pts, MAX_PATH_POINTS, scale)
            # contiguous float64 copies: Bokeh's binary transfer of strided column views
            # reaches the page with wrong offsets ("Offset is outside the bounds")
            # "traj" as a float: an int64 column reaches BokehJS as a BigInt64 buffer, which
            # it fails to decode after an update ("Offset is outside the bounds of the
            # DataView")
            paths.append({self.x: _column(pts[:, 0]), self.y: _column(pts[:, 1]), "traj": float(k)})
        self.traj_pipe.send({"paths": paths, "starts": np.array(self.starts, float).reshape(-1, 2)})
        if self.trajectories:
            tr = self.trajectories[-1]
            v = tr.state_names[0]
            trace = np.stack([tr.t, tr[v][:, 0]], axis=1)
            finite = tr[v][:, 0][np.isfinite(tr[v][:, 0])]
            span = np.ptp(finite) if finite.size else 1.0
            trace = decimate_path(trace, 2 * MAX_PATH_POINTS, (float(self.duration), span))
            self.trace_pipe.send((_column(trace[:, 0]), _column(trace[:, 1])))
        else:
            self.trace_pipe.send((np.zeros(0), np.zeros(0)))

    def _has_reset(self) -> bool:
        model = getattr(self, "_model", None)
        if model is None:
            return False
        y0 = model.init_state(1)
        return not np.allclose(np.asarray(model.reset_spiked(y0, np.ones(1, bool))), y0)

    def _on_tap(self, x=None, y=None) -> None:
        if x is None or y is None:
            return
        if not self._in_server():
            self._guarded(lambda: self.add_trajectory(x, y))
            return
        # served: keep the start now, integrate on a later tick (after the busy sign has
        # reached the page); clicks made meanwhile join the same batch
        if not np.isfinite([x, y]).all():
            return
        self.starts = [*self.starts, (float(x), float(y))][-MAX_TRAJECTORIES:]
        if self._traj_scheduled:
            return
        self._traj_scheduled = True
        self._set_busy(True)
        pn.state.execute(self._drain_trajectories, schedule=True)

    def _drain_trajectories(self) -> None:
        self._traj_scheduled = False
        try:
            if self.starts:
                self._guarded(self._run_trajectories)
        finally:
            if not (self._running or self._scheduled or self._slow_pending):
                self._set_busy(False)

    # ---- on-demand sweep ---------------------------------------------------------------

    def sweep_values(self) -> np.ndarray:
        """The `I_e` values of the sweep: the slider's range (model's current unit)."""
        p = self.params_of()
        lo, hi = p.param.I_e.softbounds
        n = 48 if self.sweep == SWEEPS[0] else 24
        return np.linspace(lo, hi, n)

    def start_sweep(self) -> None:
        """Compute the selected sweep in chunks, advancing the progress bar after each; in a
        server each chunk runs on its own tick so the bar moves, elsewhere all at once."""
        try:
            model = self.params_of().to_model(I_e=0.0)
        except (ValueError, TypeError) as err:
            self._show(str(err), "danger")
            return
        values = self.sweep_values()
        chunks = np.array_split(values, 6)
        self._sweep_state = {"model": model, "chunks": chunks, "done": [], "kind": self.sweep}
        self.progress.max = len(chunks)
        self.progress.value = 0
        self.progress.visible = True
        self.sweep_button.disabled = True
        self.sweep_status.object = f"computing {self.sweep} of {self.model} ..."
        if self._in_server():
            pn.state.execute(self._sweep_step, schedule=True)
        else:
            while self._sweep_state is not None:
                self._sweep_step()

    def _sweep_step(self) -> None:
        st = self._sweep_state
        if st is None:
            return  # cleared: the model or preset changed
        chunk = st["chunks"][len(st["done"])]
        model = st["model"]
        method = getattr(model, "method", "rk4")
        dt = float(self.dt) * 2
        try:
            if st["kind"] == SWEEPS[0]:
                part = an.fi_curve(model, chunk, duration=500.0, dt=dt, method=method)
            else:
                part = an.bifurcation(
                    model,
                    "I_e",
                    chunk,
                    x=self.x,
                    y=self.y,
                    xlim=self.xlim,
                    ylim=self.ylim,
                    n_starts=6,
                    duration=500.0,
                    dt=dt,
                    method=method,
                )
        except Exception as err:  # noqa: BLE001 - never a dead app
            self._sweep_state = None
            self.progress.visible = False
            self.sweep_button.disabled = False
            self._show(f"sweep: {type(err).__name__}: {err}", "danger")
            return
        if self._sweep_state is not st:
            return  # cleared while this chunk ran
        st["done"].append(part)
        self.progress.value = len(st["done"])
        if len(st["done"]) < len(st["chunks"]):
            if self._in_server():
                pn.state.execute(self._sweep_step, schedule=True)
            return
        self._sweep_state = None
        self.progress.visible = False
        self.sweep_button.disabled = False
        self._finish_sweep(st["kind"], st["done"])

    def _finish_sweep(self, kind, parts) -> None:
        import pandas as pd

        unit = self.params_of().specs["I_e"].unit
        idim = hv.Dimension("I_e", label="I_e", unit=unit or DIMENSIONLESS)
        if kind == SWEEPS[0]:
            cur = np.concatenate([p.current for p in parts])
            rate = np.concatenate([p.rate for p in parts])
            self.sweep_result = pd.DataFrame({"I_e": cur, "rate": rate})
            plot = hv.Curve((cur, rate), idim, hv.Dimension("rate", unit="Hz"))
            plot = plot.opts(color="black", line_width=2) * hv.Scatter((cur, rate)).opts(size=4)
            title = f"f-I curve of {self.model} ({self.preset})"
        else:
            table = pd.concat([p.fixed_points for p in parts], ignore_index=True)
            vals = np.concatenate([p.values for p in parts])
            vmin = np.concatenate([p.V_min for p in parts])
            vmax = np.concatenate([p.V_max for p in parts])
            self.sweep_result = table
            v = self.x
            vdim = state_dimension(
                v, dict(zip(*self._names_units(), strict=False)).get(v, "") or DIMENSIONLESS
            )
            pts = hv.Points(
                {"I_e": table["value"], v: table[v], "kind": table["kind"].astype(object)},
                [idim, vdim],
                ["kind"],
            ).opts(color="kind", cmap=KIND_COLORS, size=7, show_legend=True, tools=["hover"])
            rng = hv.Area((vals, vmin, vmax), idim, [vdim, "V_max"], label="run min..max")
            plot = rng.opts(alpha=0.2, color="gray") * pts
            title = f"bifurcation of {self.model} ({self.preset}) in I_e"
        now = float(self.params_of().I_e)
        self.sweep_pane.object = (plot * hv.VLine(now).opts(color="gray", line_dash="dotted")).opts(
            title=title, responsive=True, height=260, legend_position="right"
        )
        self.sweep_pane.visible = True
        self.sweep_status.object = f"{title}: done."

    # ---- views -------------------------------------------------------------------------

    def _names_units(self):
        model = getattr(self, "_model", None) or self._safe_model()
        names = tuple(model.state_names)
        return names, tuple(getattr(model, "state_units", ("",) * len(names)))

    def _rebuild_plot(self) -> None:
        """New layers for new axes (names, units, window); values then flow through pipes."""
        names, units = self._names_units()
        unit = dict(zip(names, units, strict=False))
        xd, yd = (
            state_dimension(self.x, unit.get(self.x, "") or DIMENSIONLESS),
            state_dimension(self.y, unit.get(self.y, "") or DIMENSIONLESS),
        )
        xlim, ylim = tuple(self.xlim), tuple(self.ylim)
        model = self._safe_model()
        note = an.projection(model, self.x, self.y, others=self.others).note if model else ""
        title = f"{self.model}: {self.x}-{self.y} plane" + (f" ({note})" if note else "")
        empty_paths: list = []

        def field(data):
            return hv.VectorField(data, [xd, yd], ["angle", "magnitude"]).opts(
                magnitude="magnitude",
                color="#bbbbbb",
                pivot="tail",
                line_width=1,
                rescale_lengths=True,
                xlim=xlim,
                ylim=ylim,
            )

        def lines(color, label, dash="solid", width=2):
            def fn(data):
                return hv.Path(data or empty_paths, [xd, yd], label=label).opts(
                    color=color, line_width=width, line_dash=dash, apply_ranges=False
                )

            return fn

        def jumps(data):
            segs = [(a[0], a[1], b[0], b[1]) for a, b in np.asarray(data).reshape(-1, 2, 2)]
            return hv.Segments(segs, [xd, yd, "x1", "y1"], label="jump to reset").opts(
                color="#d62728", line_dash="dotted", alpha=0.6, apply_ranges=False
            )

        def fixed(data):
            return hv.Points(data, [xd, yd], ["kind"], label="fixed points").opts(
                color="kind",
                cmap=KIND_COLORS,
                size=12,
                line_color="black",
                # no legend: HoloViews' legend of a colour-mapped layer has one item per
                # class, pointing at a row; when the number of fixed points falls, BokehJS
                # draws an item past the end of its colours ("Offset is outside the bounds
                # of the DataView"). The table under the plane names each class in colour.
                show_legend=False,
                tools=["hover"],
                apply_ranges=False,
            )

        # a color dimension needs one path: an empty plane gets an invisible NaN one
        no_traj = [{self.x: np.full(1, np.nan), self.y: np.full(1, np.nan), "traj": 0.0}]

        def trajs(data):
            # Contours, not Path: a Path coloured by a value is drawn as one 2-point line per
            # step (4000 lines per trajectory, seconds of work in the browser per update);
            # Contours draw one line per trajectory with one colour value each
            return hv.Contours(data or no_traj, [xd, yd], ["traj"], label="trajectories").opts(
                color="traj",
                cmap="Category20",
                clim=(0, MAX_TRAJECTORIES - 1),  # a trajectory keeps its colour
                line_width=2,
                alpha=0.9,
                colorbar=False,
                apply_ranges=False,  # the window stays; a trajectory may leave it
            )

        def starts(data):
            return hv.Points(data, [xd, yd]).opts(
                color="black", marker="circle", size=6, fill_color="white", apply_ranges=False
            )

        empty_fixed = {self.x: np.zeros(0), self.y: np.zeros(0), "kind": np.zeros(0, object)}
        empty_field = (np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0))
        # one Pipe per update rate (plane, hybrid part, trajectories), one DynamicMap per layer
        self.plane_pipe = hv.streams.Pipe(
            data={"field": empty_field, "x_null": [], "y_null": [], "fixed": empty_fixed}
        )
        self.hybrid_pipe = hv.streams.Pipe(
            data={"threshold": [], "reset": [], "jumps": np.zeros((0, 2, 2))}
        )
        self.traj_pipe = hv.streams.Pipe(data={"paths": [], "starts": np.zeros((0, 2))})

        def layer(pipe, key, fn):
            return hv.DynamicMap(lambda data: fn(data[key]), streams=[pipe])

        f_map = layer(self.plane_pipe, "field", field)
        xn_map = layer(self.plane_pipe, "x_null", lines("#1f77b4", f"d{self.x}/dt = 0"))
        yn_map = layer(self.plane_pipe, "y_null", lines("#ff7f0e", f"d{self.y}/dt = 0"))
        fp_map = layer(self.plane_pipe, "fixed", fixed)
        th_map = layer(self.hybrid_pipe, "threshold", lines("#d62728", "threshold", "dashed", 1))
        re_map = layer(self.hybrid_pipe, "reset", lines("#9467bd", "reset", "dashed", 1))
        j_map = layer(self.hybrid_pipe, "jumps", jumps)
        t_map = layer(self.traj_pipe, "paths", trajs)
        s_map = layer(self.traj_pipe, "starts", starts)
        overlay = f_map * xn_map * yn_map * th_map * re_map * j_map * t_map * s_map * fp_map
        self.tap = hv.streams.Tap(source=f_map, x=None, y=None)
        self.tap.add_subscriber(self._on_tap)
        # the window (xlim, ylim) sets the axes; nothing drawn later re-zooms them, and a
        # zoom of the user's stays until the window itself is edited
        self.plane = overlay.opts(
            title=title,
            responsive=True,
            min_height=380,
            legend_position="right",
            xlim=xlim,
            ylim=ylim,
        )
        v = names[0]
        trace_map, self.trace_pipe = _pipe_map(
            lambda data: hv.Curve(
                data,
                hv.Dimension("t", unit="ms"),
                state_dimension(v, unit.get(v, "") or DIMENSIONLESS),
            ).opts(
                color="black",
                responsive=True,
                height=200,
                title="latest trajectory",
                framewise=True,
            ),
            ([], []),
        )
        self.trace = trace_map
        self._plane_key = None
        if hasattr(self, "plane_pane"):
            self.plane_pane.object = self.plane
            self.trace_pane.object = self.trace
        for field, name in ((self.xlim_field, self.x), (self.ylim_field, self.y)):
            field.input.label = f"{name} window ({unit.get(name) or 'dimensionless'}): lo, hi"
        self.note.object = (
            f"**{self.model}** on the {self.x}-{self.y} plane"
            + (f"; other states: {note}." if note else ".")
            + " Click the plane to start a trajectory."
        )
        if self.trajectories:
            self._send_trajectories()

    def _fill_model_box(self) -> None:
        p = self.params_of()
        current_row = None
        rows = []
        self.sliders: dict[str, pn.widgets.FloatSlider] = {}
        for name in p.slider_names():
            if getattr(p, name) is None:
                continue  # an unset optional parameter (e.g. no refractory period): no slider
            row, slider = lab_slider(p, name)
            self.sliders[name] = slider
            if name == "I_e":
                current_row = row
            else:
                rows.append(row)
        self.current_box.objects = [current_row] if current_row is not None else []
        self.model_box.objects = rows
        self.model_doc.objects = doc_panes(p.model_class.__doc__ or "")

    def _build_widgets(self) -> None:
        self.alert = pn.pane.Alert(
            "", alert_type="danger", visible=False, sizing_mode="stretch_width"
        )
        self.note = pn.pane.Markdown("", sizing_mode="stretch_width")
        self.fixed_table = pn.pane.Markdown("", sizing_mode="stretch_width")
        self.model_doc = pn.Column(sizing_mode="stretch_width", styles={"overflow-x": "auto"})
        self.busy = pn.indicators.LoadingSpinner(
            value=False, visible=False, width=22, height=22, margin=(8, 5)
        )
        self.busy_text = pn.pane.Markdown("*computing ...*", visible=False, margin=(5, 0))
        self.xlim_field = TextField(self, "xlim", parse_range, format_range)
        self.ylim_field = TextField(self, "ylim", parse_range, format_range)
        self.current_box = pn.Column(sizing_mode="stretch_width")
        self.model_box = pn.Column(sizing_mode="stretch_width", scroll=True, max_height=420)
        self.clear_button = pn.widgets.Button(label="clear trajectories", button_type="warning")
        self.clear_button.on_click(lambda e: self.clear_trajectories())
        self.sweep_button = pn.widgets.Button(label="compute", button_type="primary", width=90)
        self.sweep_button.on_click(lambda e: self.start_sweep())
        self.progress = pn.indicators.Progress(
            value=0, max=6, visible=False, sizing_mode="stretch_width", bar_color="primary"
        )
        self.sweep_status = pn.pane.Markdown(
            "Choose a sweep and press *compute*.", sizing_mode="stretch_width"
        )
        # linked_axes=False: Panel links the axes of every plot in a page that share a
        # dimension, whatever their orientation, so the trace's framewise V axis (and the
        # bifurcation plot's) would re-zoom the plane's V axis at every trajectory
        unlinked = dict(sizing_mode="stretch_width", linked_axes=False)
        self.sweep_pane = pn.pane.HoloViews(hv.Curve([]), visible=False, **unlinked)
        self.plane_pane = pn.pane.HoloViews(hv.Curve([]), **unlinked)
        self.trace_pane = pn.pane.HoloViews(hv.Curve([]), **unlinked)

    def _show(self, text: str, kind: str = "danger") -> None:
        self.message = text
        self.alert.alert_type = kind
        self.alert.object = text or " "
        self.alert.visible = bool(text)

    def __panel__(self):
        sel = lambda p, **kw: pn.widgets.Select.from_param(p, **kw)  # noqa: E731
        sidebar = pn.Column(
            sel(self.param.model, sizing_mode="stretch_width"),
            sel(self.param.preset, sizing_mode="stretch_width"),
            pn.pane.Markdown("#### input current", margin=(0, 5)),
            self.current_box,
            pn.Row(sel(self.param.x, width=90), sel(self.param.y, width=90)),
            sel(self.param.others, width=120),
            pn.Row(sel(self.param.duration, width=110), self.clear_button),
            pn.pane.Markdown("#### model parameters", margin=(0, 5)),
            self.model_box,
            self.xlim_field,
            self.ylim_field,
            fast(pn.widgets.IntSlider.from_param(self.param.grid)),
            width=300,
        )
        sweep = pn.Column(
            pn.Row(sel(self.param.sweep, width=200), self.sweep_button, self.sweep_status),
            self.progress,
            self.sweep_pane,
            sizing_mode="stretch_width",
        )
        # the plane takes the whole width beside the sidebar (at 1024 px that leaves it
        # about 500 px of frame); the latest trajectory's trace sits under it
        main = pn.Column(
            pn.Row(self.note, self.busy, self.busy_text, sizing_mode="stretch_width"),
            self.alert,
            self.plane_pane,
            self.trace_pane,
            self.fixed_table,
            self.model_doc,
            sweep,
            sizing_mode="stretch_width",
            min_width=0,
        )
        return pn.Row(sidebar, main, sizing_mode="stretch_width")
