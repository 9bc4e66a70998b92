"""The phase-plane lab: nullclines, fixed points and trajectories of a neuron model, live.

Data flow of one slider move (DESIGN.md): slider -> `snnlab.params` object -> `to_model()`
-> `snnlab.analysis` (vector field, nullclines, fixed points; padded, so no recompile) ->
the figure's pipes. Runs go through the shared `RunScheduler` (newest settings win, runs
coalesce, a slow one goes to the pool behind the page's busy sign). The plane comes first;
the slower layers (kept trajectories re-run, the reset map, the fixed points of a
projection of a larger model) follow as a second run. A click on the plane starts a
trajectory there; it changes neither the field nor the nullclines, so they are not redone.

The parts: `_phase_catalog` (models, presets, windows), `_phase_compute` (the work, away
from the page), `_phase_views` (the figures), `_phase_sweep` (the on-demand sweep).
"""

from __future__ import annotations

import numpy as np
import panel as pn
import param

from .. import analysis as an
from .. import params as sp
from . import _guard as guard
from ._lab_common import DIMENSIONLESS
from ._page import Busy
from ._phase_catalog import (  # noqa: F401
    DURATIONS,
    PRESET_DRIVES,
    SWEEPS,
    WINDOWS,
    doc_panes,
    phase_models,
    presets_for,
)
from ._phase_compute import (  # noqa: F401
    MAX_PATH_POINTS,
    MAX_TRAJECTORIES,
    PlaneSettings,
    decimate_path,  # noqa: F401
)
from ._phase_page import PlanePage
from ._phase_runs import PlaneRuns
from ._scheduler import RunScheduler, SessionLoop

__all__ = ["PhasePlaneApp"]

FIRST_RUN_S = 120.0
"""Deadline of a run (s), at least: long enough for the compilations of a model's first
redraw on a busy machine."""  # the other names are re-exported for scripts and tests


class PhasePlaneApp(PlaneRuns, PlanePage, pn.viewable.Viewer):
    """A phase-plane lab: pick a model and a preset, drag sliders, click the plane.

    Sliders for the model's parameters (the input current is `I_e`, in the model's current
    unit) move the nullclines and the fixed points live; fixed points are coloured by
    their class (`snnlab.analysis.KINDS`, a table names each). Clicking the plane starts a
    trajectory there (up to `MAX_TRAJECTORIES` are kept; "clear" removes them); the voltage
    trace of the latest one is drawn beside the plane. For a model with more than two
    states the plane is a projection and its title says how the other states are held; for
    an integrate-and-fire model the threshold and the jump to reset are drawn. An f-I curve
    or a bifurcation scan in `I_e` is computed on demand, with a progress bar. Errors appear
    in the page.

    **Parameters:** `model`, `preset`, `x`, `y` (state names on the axes), `others`
    ("steady" or "fixed": the other states of a larger model), `xlim`, `ylim` (window, state
    units), `grid` (nullcline grid points per axis), `arrows` (vector-field arrows per
    axis), `duration` (ms, per trajectory), `dt` (ms), `sweep` (which on-demand panel).

    **Attributes for scripts and tests:** `neuron_params[model]` (the `snnlab.params`
    object of each model), `nullclines`, `fixed`, `field`, `reset` (`snnlab.analysis`
    results of the latest redraw), `starts` (kept starts, plane points), `trajectories`
    (list of `snnlab.analysis.Trajectory`, one per start), `tap` (clicks on the plane:
    `tap.event(x=, y=)`),
    `runs`, `slow_runs` (the `RunScheduler`s), `busy` (the page's busy sign), `redraws`,
    `last_redraw_ms`, `message`, `sweep_result`.
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
        self._plane_key = self._reset_key = None
        self._plane_note = ""
        self._slow_held = False
        self._model = self._settings = None
        self.nullclines = self.fixed = self.field = self.reset = None
        self.starts: list[tuple[float, float]] = []
        self.trajectories: list[an.Trajectory] = []
        self.redraws = 0
        self.last_redraw_ms = float("nan")
        self.busy = Busy()
        super().__init__(**params)
        doc = self._session_doc()
        # the first run of a model compiles Newton, the nullcline refinement and the
        # trajectories: tens of seconds on a loaded 2-core server, past the default deadline
        kw = dict(loop=SessionLoop(doc) if doc is not None else None, busy=self.busy)
        kw["deadline_s"] = max(guard.limits().max_run_seconds, FIRST_RUN_S)
        self.runs = RunScheduler(self._prepare_plane, self._present_plane, self._plane_report, **kw)
        self.slow_runs = RunScheduler(
            self._prepare_slow, self._present_slow, self.show_message, **kw
        )
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

    @staticmethod
    def _session_doc():
        doc = pn.state.curdoc
        return doc if doc is not None and doc.session_context is not None else None

    def served(self) -> bool:
        """Whether this app lives in a served session (runs may go to the pool)."""
        return self.runs.loop is not None

    # ---- model and settings ------------------------------------------------------------

    def params_of(self, name: str | None = None) -> sp.ModelParameters:
        """The `snnlab.params` object of model `name` (default the current model)."""
        name = self.model if name is None else name
        if name not in self.neuron_params:
            obj = self._classes[name]()
            watched = [n for n in obj.param if n not in ("name", "size")]
            obj.param.watch(lambda *e: self.request_redraw(), watched)
            self.neuron_params[name] = obj
        return self.neuron_params[name]

    def build_model(self):
        """The equinox model of the current values (one neuron).

        **Raises:** `ValueError` explaining an impossible combination of values.
        """
        p = self.params_of()
        p.size = 1
        return p.to_model()

    def _safe_model(self):
        try:
            return self.build_model()
        except (ValueError, TypeError):
            return None

    def settings(self) -> PlaneSettings:
        """The current axes, window, grid sizes and trajectory settings."""
        return PlaneSettings(
            self.x,
            self.y,
            self.others,
            tuple(map(float, self.xlim)),
            tuple(map(float, self.ylim)),
            int(self.grid),
            int(self.arrows),
            float(self.duration),
            float(self.dt),
        )

    def unit_of(self, name: str) -> str:
        """The unit of state `name` of the current model ("dimensionless" if none)."""
        model = self._model or self._safe_model()
        units = dict(zip(model.state_names, getattr(model, "state_units", ()), strict=False))
        return units.get(name, "") or DIMENSIONLESS

    def _model_changed(self, rebuild: bool = True) -> None:
        p = self.params_of()
        self._suspended += 1
        try:
            self.param.preset.objects = list(presets_for(type(p)))
            self.preset = "default"
            model = self._safe_model()
            self._model = model
            names = list(model.state_names) if model is not None else ["V", "w"]
            self.param.x.objects = names
            self.param.y.objects = names
            wx, wy, xlim, ylim = WINDOWS.get(self.model, (names[0], names[1], None, None))
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

    def _on_axes(self, *events) -> None:
        if self._suspended:
            return
        new_plane = any(e.name in ("x", "y", "others") for e in events)
        if new_plane:
            self.starts, self.trajectories = [], []
        self._rebuild_plot(clear=new_plane)
        self.request_redraw()

    def _on_run_settings(self, *events) -> None:
        if not self._suspended and self.starts:
            self._settings = self.settings()
            self.slow_runs.request()

    # ---- on-demand sweep ---------------------------------------------------------------

    @property
    def sweep_result(self):
        """The latest finished sweep as a DataFrame, or None."""
        return self._sweep.result

    def sweep_values(self) -> np.ndarray:
        """The `I_e` values of the sweep: the slider's range (model's current unit)."""
        lo, hi = self.params_of().param.I_e.softbounds
        return np.linspace(lo, hi, 48 if self.sweep == SWEEPS[0] else 24)

    def start_sweep(self) -> None:
        """Compute the selected sweep in chunks, advancing the progress bar after each; in a
        server each chunk runs on its own tick so the bar moves, elsewhere all at once."""
        self._sweep.start(self.sweep_values(), self.served())

    def clear_sweep(self) -> None:
        """Remove the sweep of another model or preset (and stop one in progress)."""
        self._sweep.clear()

    # ---- page (the widgets and layout: _phase_page.PlanePage) ---------------------------

    def __getattr__(self, name):
        # the figure's streams, for scripts and tests: plane_pipe, traj_pipe, ...
        if name in ("plane_pipe", "hybrid_pipe", "traj_pipe", "trace_pipe", "tap"):
            return getattr(self.__dict__["view"], name)
        if name in ("sweep_pane", "sweep_status", "progress", "sweep_button"):
            attr = {"sweep_pane": "pane", "sweep_status": "status", "sweep_button": "button"}
            return getattr(self.__dict__["_sweep"], attr.get(name, name))
        raise AttributeError(name)
