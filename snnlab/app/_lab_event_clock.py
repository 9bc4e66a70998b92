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

import math
import warnings

import equinox as eqx
import holoviews as hv
import jax
import jax.numpy as jnp
import numpy as np
import panel as pn
import param

from .. import params as sp
from ..core import ENGINES, INTEGRATORS, METHODS, Connection, simulate
from ..generators import DCGenerator, SpikeGenerator
from ._lab_common import Lab, finite_limits, framewise, live_plot, slider_box
from ._widgets import fast

DTS = tuple(2.0**-k for k in range(-1, 4))
"""Steps of the error-vs-dt curve (ms): 2, 1, 1/2, 1/4, 1/8; powers of two keep input
spikes at multiples of 2 ms on every grid."""

MODELS = ("LIF", "ExpLIF")
"""Neuron models offered by the lab (those with the event engine's closed form)."""

ERROR_FLOOR = 1e-9
"""Errors below this (ms) are drawn at it on the log axis."""

TIME = hv.Dimension("t", label="t", unit="ms")


def event_available() -> bool:
    """True when the event engine is registered (`"event" in snnlab.core.ENGINES`)."""
    return "event" in ENGINES


def lab_inputs(current: float, spike_period: float, spike_weight: float, duration: float):
    """The lab's inputs: a DC current (pA) and, if `spike_period` > 0 ms, a regular train of
    input spikes of weight `spike_weight` (mV for LIF, pA for ExpLIF) from t = 1 ms."""
    inputs = [Connection(DCGenerator(amplitude=current))]
    if spike_period > 0 and spike_weight != 0:
        times = np.arange(2.0, duration, spike_period)
        if len(times):
            inputs.append(Connection(SpikeGenerator(spike_times=times), weight=spike_weight))
    return inputs


def _hermite_root(c0: float, d0: float, c1: float, d1: float, h: float) -> float:
    """Fraction s in [0, 1] where the cubic Hermite interpolant of (c0, d0) -> (c1, d1) over
    a step of length h crosses zero, found by bisection (c0 < 0 <= c1)."""
    lo, hi = 0.0, 1.0

    def p(s):
        s2, s3 = s * s, s * s * s
        return (
            (2 * s3 - 3 * s2 + 1) * c0
            + (s3 - 2 * s2 + s) * h * d0
            + (-2 * s3 + 3 * s2) * c1
            + (s3 - s2) * h * d1
        )

    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if p(mid) < 0:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def first_crossing_in_step(res, model, current: float, method: str) -> float:
    """The first spike of a stepped run, located inside its step (ms).

    **Arguments:**

    - `res`: a stepped `Result` of `model` (neuron 0, all states recorded).
    - `model`: the neuron model that ran.
    - `current`: the input current over that step besides `I_e` (pA).
    - `method`: the integrator that ran.

    **Returns:** the crossing time in ms; the grid time when the crossing was caused by
    an input spike arriving at the end of the step; NaN when there is no spike.
    """
    steps = np.flatnonzero(res.spikes[:, 0])
    if len(steps) == 0:
        return float("nan")
    k = int(steps[0])
    if k == 0:
        return float(res.t[0])
    dt = float(res.dt)
    t0 = float(res.t[k - 1])
    y0 = jnp.asarray(np.stack([res[n][k - 1, :1] for n in model.state_names], axis=1))
    t0_, current_, dt_ = (jnp.asarray(v, y0.dtype) for v in (t0, current, dt))  # traced
    c0, d0, c1, d1 = (float(v) for v in _step_ends(model, t0_, y0, current_, dt_, method))
    if not (c0 < 0 <= c1):
        return float(res.t[k])  # an input spike at t_k pushed it over the threshold
    return t0 + dt * _hermite_root(c0, d0, c1, d1, dt)


@eqx.filter_jit
def _step_ends(model, t0, y0, current, dt, method: str):
    """The spike condition and its time derivative at both ends of one integrator step
    from `(t0, y0)`: `(c0, d0, c1, d1)`. Jitted: a new value of a parameter, the current
    or the state is traced, only a new model class or `method` compiles."""
    args = {"I": current}
    y1 = INTEGRATORS[method](model, t0, y0, args, dt)

    def cond(t, y):
        return model.spike_condition(t, y, args)[0]

    def slope(t, y):
        return jax.jvp(lambda yy: cond(t, yy), (y,), (model.dynamics(t, y, args),))[1]

    return cond(t0, y0), slope(t0, y0), cond(t0 + dt, y1), slope(t0 + dt, y1)


def spike_errors(exact: np.ndarray, stepped: np.ndarray) -> np.ndarray:
    """|stepped - exact| for the spikes matched in order (the first min(n, m)), ms."""
    n = min(len(exact), len(stepped))
    return np.abs(np.asarray(stepped[:n], float) - np.asarray(exact[:n], float))


def error_vs_dt(
    model,
    inputs,
    *,
    duration: float,
    current: float,
    methods=("euler", "rk4"),
    dts=DTS,
    exact_times=None,
) -> dict[str, dict[str, np.ndarray]]:
    """Spike-time error of the stepped engine against the event engine, per dt.

    **Arguments:**

    - `model`, `inputs`: as for `snnlab.simulate` (one neuron).
    - `duration`: simulated time (ms).
    - `current`: the DC input current besides `I_e` (pA), for locating the first
      crossing inside its step.
    - `methods`: integrators of the stepped engine.
    - `dts`: steps (ms).
    - `exact_times`: the event engine's spike times (ms); computed when None.

    **Returns:** by method, a dict with `dt` (ms), `first` (error of the first spike time
    located within the step, ms), `grid` (mean error of every matched spike on the grid,
    ms) and `count` (stepped minus exact number of spikes). NaN where a run has no spike.
    """
    if exact_times is None:
        exact_times = simulate(
            model, inputs, duration=duration, dt=min(dts), engine="event"
        ).spike_times
    exact_times = np.asarray(exact_times, float)
    out = {}
    for method in methods:
        first, grid, count = [], [], []
        for dt in dts:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                res = simulate(model, inputs, duration=duration, dt=dt, method=method)
            errs = spike_errors(exact_times, res.spike_times)
            grid.append(float(errs.mean()) if len(errs) else math.nan)
            count.append(len(res.spike_times) - len(exact_times))
            if len(exact_times) and len(res.spike_times):
                t1 = first_crossing_in_step(res, model, current, method)
                first.append(abs(t1 - exact_times[0]))
            else:
                first.append(math.nan)
        out[method] = {
            "dt": np.asarray(dts, float),
            "first": np.asarray(first, float),
            "grid": np.asarray(grid, float),
            "count": np.asarray(count),
        }
    return out


def rounding_level(t: float, dtype=None) -> float:
    """Spike-time error (ms) below which rounding dominates: 100 eps |t| for the float type."""
    eps = float(np.finfo(dtype or jnp.result_type(float)).eps)
    return 100.0 * eps * max(abs(float(t)), 1.0)


def convergence_order(dts, errors, floor: float = 0.0) -> float:
    """Least-squares slope of log(error) against log(dt), over errors above `floor`."""
    dts, errors = np.asarray(dts, float), np.asarray(errors, float)
    ok = np.isfinite(errors) & (errors > floor)
    if ok.sum() < 2:
        return math.nan
    return float(np.polyfit(np.log(dts[ok]), np.log(errors[ok]), 1)[0])


_COLORS = {"euler": "#d62728", "exp_euler": "#2ca02c", "rk4": "#1f77b4", "rkf45": "#9467bd"}


def _traces_view(data):
    vdim = hv.Dimension("V", label="V", unit="mV")
    if data is None:
        data = {"ev": ([], []), "st": ([], []), "vth": np.nan}
    ev = hv.Curve(data["ev"], TIME, vdim, label="event engine").opts(color="black", line_width=1.5)
    st = hv.Curve(data["st"], TIME, vdim, label="stepped engine").opts(
        color="#1f77b4", line_dash="dashed", line_width=1.5
    )
    th = hv.HLine(data["vth"]).opts(color="grey", line_dash="dotted")
    ylim = finite_limits(data["ev"][1], data["st"][1], data["vth"])  # the threshold in view
    return framewise(
        ev * st * th,
        ylim=ylim or (np.nan, np.nan),
        responsive=True,
        height=280,
        title="membrane potential",
        legend_position="bottom_right",
        show_grid=True,
    )


def _spikes_view(data):
    if data is None:
        data = {"ev_sp": [], "st_sp": [], "duration": None}
    xlim = (0.0, float(data["duration"])) if data.get("duration") else (np.nan, np.nan)
    ev = hv.Spikes(data["ev_sp"], TIME, label="event (exact)").opts(
        color="black", line_width=2, position=1.0, spike_length=0.9
    )
    st = hv.Spikes(data["st_sp"], TIME, label="stepped (grid)").opts(
        color="#1f77b4", line_width=2, position=0.0, spike_length=0.9
    )
    return framewise(
        ev * st,
        xlim=xlim,
        responsive=True,
        height=130,
        yaxis=None,
        title="spike times overlaid",
        legend_position="right",
    )


def _error_view(data):
    xdim = hv.Dimension("dt", label="dt", unit="ms")
    ydim = hv.Dimension("error", label="|spike-time error|", unit="ms")
    layers = []
    data = data or {}
    for method in METHODS:
        d = data.get(method)
        dt = d["dt"] if d else np.zeros(0)
        first = np.maximum(d["first"], ERROR_FLOOR) if d else np.zeros(0)
        grid = np.maximum(d["grid"], ERROR_FLOOR) if d else np.zeros(0)
        color = _COLORS[method]
        layers.append(
            hv.Curve((dt, first), xdim, ydim, label=f"{method}: first spike, within step").opts(
                color=color, line_width=2
            )
            * hv.Scatter((dt, first), xdim, ydim).opts(color=color, size=6)
        )
        layers.append(
            hv.Curve((dt, grid), xdim, ydim, label=f"{method}: all spikes, on grid").opts(
                color=color, line_dash="dashed", line_width=1
            )
        )
    floor = data.get("_floor")
    layers.append(
        hv.HLine(np.nan if floor is None else max(floor, ERROR_FLOOR)).opts(
            color="orange", line_dash="dashed", line_width=1
        )
    )
    ref = data.get("_ref")
    for order, dash in ((1, "dotted"), (4, "dotdash")):
        x = np.asarray(DTS) if ref is not None else np.zeros(0)
        y = ref * (x / DTS[0]) ** order if ref is not None else np.zeros(0)
        y = np.maximum(y, ERROR_FLOOR)
        layers.append(
            hv.Curve((x, y), xdim, ydim, label=f"slope {order}").opts(
                color="grey", line_dash=dash, line_width=1
            )
        )
    drawn = [e.dimension_values(1) for e in hv.Overlay(layers).traverse(lambda e: e, [hv.Curve])]
    ylim = finite_limits(*drawn, log=True)  # not the rounding line: it may lie decades below
    return framewise(
        hv.Overlay(layers),
        ylim=ylim or (np.nan, np.nan),
        logx=True,
        logy=True,
        responsive=True,
        height=330,
        title="spike-time error against dt",
        legend_position="right",
        show_grid=True,
    )


class EventClockLab(Lab):
    """Event vs clock: the same neuron and input on the event and the stepped engine.

    **Parameters:** `model` (one of `MODELS`), `method` (integrator of the stepped
    engine), `dt` (its step, ms), `current` (DC input, pA), `spike_period` (ms between
    input spikes, 0 for none), `spike_weight` (per input spike: mV for LIF, pA for
    ExpLIF), `duration` (ms), `curve_methods` (integrators drawn on the error-vs-dt
    plot), `float64` (compute in double precision, in a `jax.enable_x64` context).
    The model's own sliders live in `neuron_params[model]`.

    After a run, `curve` holds `error_vs_dt`'s output and `exact`, `stepped` the two
    `Result`s. Without the event engine the lab says so in the page.
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
        self.traces_pane, self.traces_pipe = live_plot(_traces_view)
        self.spikes_pane, self.spikes_pipe = live_plot(_spikes_view)
        self.error_pane, self.error_pipe = live_plot(_error_view)
        self.readout = pn.pane.Markdown("", sizing_mode="stretch_width")
        self.model_box = pn.Column(sizing_mode="stretch_width")
        self.sliders: dict[str, pn.widgets.Widget] = {}
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
                '(`"event" not in snnlab.core.ENGINES`), so there are no exact spike times '
                "to compare with."
            )
            raise ValueError("The event engine is not available: nothing to compare with.")

    def run_key(self):
        """Compiled variants: model, method, dt, duration, precision, input spikes, the
        methods of the dt curve."""
        spikes = self.spike_period > 0 and self.spike_weight != 0
        return ("EventClockLab", self.model, self.method, float(self.dt), float(self.duration),
                bool(self.float64), spikes and float(self.spike_period),
                tuple(self.curve_methods))  # fmt: skip

    def work(self):
        """Run both engines and the dt sweep (on a pool thread when served).

        **Returns:** `(model, exact, stepped, curve, note)`.
        """
        with jax.enable_x64(bool(self.float64)):
            model = self.neuron_params[self.model].to_model()
            inputs = lab_inputs(self.current, self.spike_period, self.spike_weight, self.duration)
            fine = min(0.05, float(self.dt))
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                exact = simulate(model, inputs, duration=self.duration, dt=fine, engine="event")
                stepped = simulate(
                    model, inputs, duration=self.duration, dt=float(self.dt), method=self.method
                )
                methods = list(dict.fromkeys([*self.curve_methods, self.method]))
                curve = error_vs_dt(
                    model,
                    inputs,
                    duration=self.duration,
                    current=self.current,
                    methods=methods,
                    exact_times=exact.spike_times,
                )
        notes = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]
        return model, exact, stepped, curve, notes[0] if notes else ""

    def present(self, result) -> str:
        """Update the plots and the readout from `work`'s result."""
        model, exact, stepped, curve, note = result
        self.exact, self.stepped, self.curve = exact, stepped, curve
        with jax.enable_x64(bool(self.float64)):
            self._send(model, exact, stepped, curve)
        return note

    def _send(self, model, exact, stepped, curve):
        vth = float(getattr(model, "V_th", np.nan)) if self.model != "Izhikevich" else 30.0
        self.traces_pipe.send(
            {
                "ev": (exact.t, exact["V"][:, 0]),
                "st": (stepped.t, stepped["V"][:, 0]),
                "vth": vth,
            }
        )
        self.spikes_pipe.send(
            {
                "ev_sp": exact.spike_times,
                "st_sp": stepped.spike_times,
                "duration": float(self.duration),
            }
        )
        ref = None
        firsts = [c["first"][0] for c in curve.values() if np.isfinite(c["first"][0])]
        if firsts:
            ref = max(firsts)
        ev, st = exact.spike_times, stepped.spike_times
        floor = rounding_level(ev[0], ev.dtype) if len(ev) else None
        self.error_pipe.send({**curve, "_ref": ref, "_floor": floor})
        errs = spike_errors(ev, st)
        if len(ev) == 0:
            self.readout.object = "No spike in the exact run: raise the current."
            return
        t1 = first_crossing_in_step(stepped, model, self.current, self.method)
        orders = ", ".join(
            f"{m}: {convergence_order(c['dt'], c['first'], floor):.2f}" for m, c in curve.items()
        )
        self.readout.object = (
            f"**exact (event engine)**: {len(ev)} spikes, first at {ev[0]:.6f} ms  \n"
            f"**stepped ({self.method}, dt = {float(self.dt):g} ms)**: {len(st)} spikes"
            + (
                f", first at {st[0]:.4f} ms on the grid, {t1:.6f} ms within the step  \n"
                f"first-spike error: {abs(st[0] - ev[0]):.3g} ms on the grid, "
                f"{abs(t1 - ev[0]):.3g} ms within the step; mean error of "
                f"{len(errs)} matched spikes: {errs.mean():.3g} ms  \n"
                if len(st)
                else "  \n"
            )
            + f"fitted order of the first-spike error against dt: {orders}"
        )

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
            self.readout,
            self.traces_pane,
            self.spikes_pane,
            self.error_pane,
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
    "first_crossing_in_step",
    "lab_inputs",
    "rounding_level",
    "spike_errors",
]
