"""Event vs clock: one neuron, the same input, the event engine next to the stepped engine.

The event engine finds spike times exactly (to solver tolerance); the stepped engine
puts them on its grid. The lab overlays both, reads out the spike-time error and plots
it against dt:

- *first spike, within the step*: the stepped engine's state one step before its first
  spike is advanced by the same integrator step, and the threshold crossing is located
  inside that step by cubic Hermite interpolation of the spike condition. This error
  shrinks as dt^p, p the integrator's order (1 for euler, 4 for rk4, exact for
  exp_euler on LIF) until rounding.
- *every spike, on the grid*: the spike times as the engine reports them (end of the
  step). A spike and its reset are moved to the grid, and every later spike inherits
  that shift, so this error is of order dt whatever the integrator.
"""

from __future__ import annotations

import dataclasses

import jax
import numpy as np
import panel as pn
import param

from .. import params as sp
from ..core import METHODS
from . import _lab_event_clock_views as views
from ._lab_common import Lab, slider_box
from ._lab_event_clock_compute import (
    DTS,
    ERROR_FLOOR,
    MODELS,
    Settings,
    _hermite_root,  # noqa: F401 - tests reach it here
    convergence_order,
    error_vs_dt,
    event_available,
    event_sample_dt,
    first_crossing_in_step,
    fitted_orders,
    lab_inputs,
    rounding_level,
    run_engines,
    run_sweep,
    spike_errors,
    sweep_guides,
)
from ._lab_event_clock_sweep import SweepStage
from ._live import LiveText
from ._widgets import fast


class EventClockLab(Lab):
    """Event vs clock: the same neuron and input on the event and the stepped engine.

    **Parameters:** `model` (one of `MODELS`), `method` (integrator of the stepped
    engine), `dt` (its step, ms), `current` (DC input, pA), `spike_period` (ms between
    input spikes, 0 for none), `spike_weight` (per input spike: mV for LIF, pA for
    ExpLIF), `duration` (ms), `curve_methods` (integrators drawn on the error-vs-dt
    plot), `float64` (compute in double precision, in a `jax.enable_x64` context).
    The model's own sliders live in `neuron_params[model]`.

    A run comes in two stages: the two engines' traces and spike times first (`work`,
    `present`), then the error-vs-dt sweep of the same values as a job of its own
    (`sweep`, a `SweepStage`; its plot says "updating" until it arrives; served, a sweep
    of older values is never shown over a newer one). After a run, `exact` and
    `stepped` hold the two `Result`s and `curve` `error_vs_dt`'s output. The plots are
    `_live.LiveView`s built once (`traces_view`, `spikes_view`, `error_view`). Without
    the event engine the lab says so in the page.
    """

    model = param.Selector(default="LIF", objects=list(MODELS), doc="neuron model")
    method = param.Selector(default="euler", objects=list(METHODS), doc="stepped integrator")
    dt = param.Selector(default=0.25, objects=list(DTS), label="dt (ms)", doc="stepped dt (ms)")
    current = param.Number(
        500.0, bounds=(-500.0, 3000.0), step=10.0, label="current (pA)", doc="DC input (pA)"
    )
    spike_period = param.Number(
        0.0,
        bounds=(0.0, 50.0),
        step=2.0,
        label="input spike period (ms)",
        doc="time between input spikes (ms); 0: no input spikes",
    )
    spike_weight = param.Number(
        2.0,
        bounds=(-20.0, 50.0),
        step=0.5,
        label="input spike weight (mV or pA)",
        doc="jump per input spike: of V (mV) for LIF, of I_syn (pA) for ExpLIF",
    )
    duration = param.Number(
        100.0, bounds=(10.0, 500.0), step=10.0, label="duration (ms)", doc="simulated time (ms)"
    )
    float64 = param.Boolean(
        True,
        label="float64",
        doc="compute in float64, so that rounding does not hide the integrators' order",
    )
    curve_methods = param.ListSelector(
        default=["euler", "rk4"],
        objects=list(METHODS),
        label="methods on the dt plot",
        doc="integrators drawn on the error-vs-dt plot",
    )

    def __init__(self, **params):
        super().__init__(**params)
        self.neuron_params = {m: sp.registry()[m]() for m in MODELS}
        self.curve = None
        self.exact = self.stepped = None
        self.traces_view = views.traces_view()
        self.spikes_view = views.spikes_view(self.traces_view.figure.x_range)
        self.error_view = views.error_view()
        self.readout = LiveText()
        self.sweep_readout = LiveText()
        for text in (self.readout, self.sweep_readout):
            text.div.styles = {"white-space": "pre-line"}
        self.model_box = pn.Column(sizing_mode="stretch_width")
        self.sliders: dict[str, pn.widgets.Widget] = {}
        self._sweep: SweepStage | None = None
        self._generation = 0
        self._presenting: Settings | None = None
        for obj in self.neuron_params.values():
            names = [n for n in obj.param if n not in ("name", "size", "method")]
            obj.param.watch(self.request_run, names)
        self._fill_model_box()
        self.param.watch(self._model_changed, ["model"])
        self.param.watch(
            self.request_run,
            [
                "method",
                "dt",
                "current",
                "spike_period",
                "spike_weight",
                "duration",
                "curve_methods",
                "float64",
            ],
        )
        self.request_run()

    def _fill_model_box(self):
        box, sliders = slider_box(self.neuron_params[self.model])
        self.sliders = sliders
        self.model_box.objects = [pn.pane.Markdown(f"#### {self.model}"), box]

    def _model_changed(self, event):
        self._fill_model_box()
        self.request_run()

    def check_caps(self) -> None:
        """The caps, and the event engine's presence (else there is nothing to compare)."""
        super().check_caps()
        if not event_available():
            self.readout.object = (
                "**The event engine is not available in this installation** "
                '("event" not in snnlab.core.ENGINES), so there are no exact spike times '
                "to compare with."
            )
            raise ValueError("The event engine is not available: nothing to compare with.")

    def settings(self) -> Settings:
        """A snapshot of the lab's values (the neuron built in the run's precision)."""
        with jax.enable_x64(bool(self.float64)):
            neuron = self.neuron_params[self.model].to_model()
        return Settings(
            neuron=neuron, model=self.model, method=self.method, dt=float(self.dt),
            current=float(self.current), spike_period=float(self.spike_period),
            spike_weight=float(self.spike_weight), duration=float(self.duration),
            float64=bool(self.float64), curve_methods=tuple(self.curve_methods),
        )  # fmt: skip

    def run_key(self):
        """Compiled variants of the first stage: model, method, dt, duration, precision,
        input spikes."""
        spikes = self.spike_period > 0 and self.spike_weight != 0
        return ("EventClockLab", self.model, self.method, float(self.dt), float(self.duration),
                bool(self.float64), spikes and float(self.spike_period))  # fmt: skip

    def _prepare(self):
        job = super()._prepare()
        s = self.settings()  # read on the loop: the pool thread gets a snapshot
        return dataclasses.replace(job, work=lambda: self.work(s), context=s)

    def _present_job(self, result, job) -> None:
        self._presenting = job.context
        try:
            super()._present_job(result, job)
        finally:
            self._presenting = None

    def work(self, settings: Settings | None = None):
        """Run both engines (on a pool thread when served); the sweep comes after.

        **Returns:** `(model, exact, stepped, curve, note)`; `curve` is None (the sweep
        is the second stage, see `present`).
        """
        s = settings if settings is not None else self.settings()
        exact, stepped, note = run_engines(s)
        return s.neuron, exact, stepped, None, note

    def present(self, result) -> str:
        """Show the engines' traces, spike marks and readout from `work`'s result, then ask
        for the sweep of the same values (or show `curve` when the result has one)."""
        model, exact, stepped, curve, note = result
        s = self._presenting or self.settings()
        self.exact, self.stepped = exact, stepped
        vth = float(getattr(model, "V_th", np.nan))
        self.traces_view.show(
            {"exact": exact, "stepped": stepped, "vth": vth, "duration": s.duration}
        )
        self.spikes_view.show({"event": exact.spike_times, "stepped": stepped.spike_times})
        self._write_readout(s, model, exact, stepped)
        self._generation += 1
        if curve is not None:
            self._show_sweep((curve, exact.spike_times))
            self.sweep.shown = self.sweep.generation = self._generation
        else:
            ev, gen = exact.spike_times, self._generation

            def stop() -> bool:  # a newer move shown, or its first stage under way
                return self.sweep.generation != gen or self._first_stage_busy()

            def sweep():  # on a pool thread when served; None when stopped early
                curve = run_sweep(s, ev, stop=stop)
                return None if curve is None else (curve, ev)

            self.sweep.request(gen, sweep)
        return note

    def _first_stage_busy(self) -> bool:
        """Whether a newer move's first stage runs or waits (read from a pool thread)."""
        runs = self._scheduler
        return runs is not None and (runs.running or runs.pending)

    @property
    def sweep(self) -> SweepStage:
        """The second stage (made at the first request, on the session's loop if served)."""
        if self._sweep is None:
            self._sweep = SweepStage(
                self._show_sweep, self.show, self._sweep_state, doc=self._session_doc()
            )
        return self._sweep

    def _sweep_state(self, state: str) -> None:
        views.mark_sweep(self.error_view, state)
        if state != "current":
            self.sweep_readout.object = f"fitted order of the first-spike error: {state}"

    def _show_sweep(self, out) -> None:
        curve, ev = out
        self.curve = curve
        ref, floor = sweep_guides(curve, ev)
        views.mark_sweep(self.error_view, "current")  # before `show`, which pushes a notebook
        self.error_view.show({"curve": curve, "ref": ref, "floor": floor})
        self.sweep_readout.object = (
            f"fitted order of the first-spike error against dt: {fitted_orders(curve, floor)}"
            if len(ev)
            else ""
        )

    def _write_readout(self, s: Settings, model, exact, stepped) -> None:
        ev, st = exact.spike_times, stepped.spike_times
        if len(ev) == 0:
            self.readout.object = "No spike in the exact run: raise the current."
            return
        text = (
            f"**exact (event engine)**: {len(ev)} spikes, first at {ev[0]:.6f} ms\n"
            f"**stepped ({s.method}, dt = {s.dt:g} ms)**: {len(st)} spikes"
        )
        if len(st):
            with jax.enable_x64(s.float64):
                t1 = first_crossing_in_step(stepped, model, s.current, s.method)
            errs = spike_errors(ev, st)
            text += (
                f", first at {st[0]:.4f} ms on the grid, {t1:.6f} ms within the step\n"
                f"first-spike error: {abs(st[0] - ev[0]):.3g} ms on the grid, "
                f"{abs(t1 - ev[0]):.3g} ms within the step; mean error of "
                f"{len(errs)} matched spikes: {errs.mean():.3g} ms"
            )
        self.readout.object = text

    def __panel__(self):
        def w(name, cls=pn.widgets.FloatSlider):
            return fast(cls.from_param(self.param[name], sizing_mode="stretch_width"))

        dt_slider = fast(
            pn.widgets.DiscreteSlider.from_param(self.param.dt, sizing_mode="stretch_width")
        )
        self.dt_slider = dt_slider
        self.current_slider = w("current")
        sidebar = pn.Column(
            pn.pane.Markdown("### Event vs clock"),
            pn.widgets.Select.from_param(self.param.model, sizing_mode="stretch_width"),
            pn.widgets.Select.from_param(self.param.method, sizing_mode="stretch_width"),
            dt_slider,
            self.current_slider,
            w("spike_period"),
            w("spike_weight"),
            w("duration"),
            pn.widgets.CheckBoxGroup.from_param(self.param.curve_methods, inline=True),
            pn.widgets.Checkbox.from_param(self.param.float64),
            self.model_box,
            width=340,
            scroll=True,
        )
        main = pn.Column(
            self.alert,
            self.readout.pane,
            self.traces_view.pane,
            self.spikes_view.pane,
            self.error_view.pane,
            self.sweep_readout.pane,
            pn.pane.Markdown(
                "Solid: the first spike located inside its step (shows the integrator's "
                "order). Dashed: every spike as the stepped engine reports it, on its grid; "
                "a reset moved to the grid delays every later spike, so that error is of "
                "order dt for any integrator. Orange: the rounding level of the float type. "
                "Errors below "
                f"{ERROR_FLOOR:g} ms are drawn at {ERROR_FLOOR:g} ms."
            ),
            sizing_mode="stretch_width",
        )
        return pn.Row(sidebar, main, sizing_mode="stretch_width")


__all__ = [
    "DTS",
    "EventClockLab",
    "MODELS",
    "convergence_order",
    "error_vs_dt",
    "event_available",
    "event_sample_dt",
    "first_crossing_in_step",
    "lab_inputs",
    "rounding_level",
    "spike_errors",
]
