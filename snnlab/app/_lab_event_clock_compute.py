"""What the event-vs-clock lab computes: its inputs, both engines, the error-vs-dt sweep.

Plain functions of a `Settings` snapshot (no pane, no param object), so that they can run
on a pool thread while the page keeps changing. See `snnlab.app._lab_event_clock` for
what the two error measures mean.
"""

from __future__ import annotations

import dataclasses
import math
import warnings

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from ..core import ENGINES, INTEGRATORS, Connection, simulate
from ..generators import DCGenerator, SpikeGenerator

DTS = tuple(2.0**-k for k in range(-1, 4))
"""Steps of the error-vs-dt curve (ms): 2, 1, 1/2, 1/4, 1/8; powers of two keep input
spikes at multiples of 2 ms on every grid."""

MODELS = ("LIF", "ExpLIF")
"""Neuron models offered by the lab (those with the event engine's closed form)."""

ERROR_FLOOR = 1e-9
"""Errors below this (ms) are drawn at it on the log axis."""


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
    stop=None,
) -> dict | None[str, dict[str, np.ndarray]]:
    """Spike-time error of the stepped engine against the event engine, per dt.

    **Arguments:**

    - `model`, `inputs`: as for `snnlab.simulate` (one neuron).
    - `duration`: simulated time (ms).
    - `current`: the DC input current besides `I_e` (pA), for locating the first
      crossing inside its step.
    - `methods`: integrators of the stepped engine.
    - `dts`: steps (ms).
    - `exact_times`: the event engine's spike times (ms); computed when None.
    - `stop`: optional `() -> bool`, asked before each run: True abandons the sweep (its
      result is no longer wanted) and returns None.

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
            if stop is not None and stop():
                return None
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


EVENT_SAMPLE_DT = 0.05
"""Finest sampling step of the event engine's trace (ms)."""

EVENT_SAMPLES = 500
"""Most samples of the event engine's trace: its cost follows the number of samples, not
of spikes, and grows faster than it (on the project machine, 100 ms of LIF: about 9 ms
for 500 samples, 14 ms for 1000, 27 ms for 2000; 500 ms at 10,000 samples: 380 ms);
500 samples draw a smooth line, and the spike times stay exact."""


def event_sample_dt(duration: float, dt: float) -> float:
    """Sampling step of the event engine's trace (ms): `EVENT_SAMPLE_DT`, coarser for long
    runs (at most `EVENT_SAMPLES` samples), finer when the stepped `dt` is finer still."""
    return min(max(EVENT_SAMPLE_DT, duration / EVENT_SAMPLES), dt)


@dataclasses.dataclass(frozen=True)
class Settings:
    """A snapshot of the lab's values for one run (read on the event loop, used anywhere).

    **Fields:** `neuron` (the model, built in the run's precision), `model` (its name),
    `method` (stepped integrator), `dt` (ms), `current` (pA), `spike_period` (ms, 0: no
    input spikes), `spike_weight` (mV for LIF, pA for ExpLIF), `duration` (ms),
    `float64` (compute in double precision), `curve_methods` (integrators of the sweep).
    """

    neuron: object
    model: str
    method: str
    dt: float
    current: float
    spike_period: float
    spike_weight: float
    duration: float
    float64: bool
    curve_methods: tuple[str, ...]

    def inputs(self):
        """The run's inputs (`lab_inputs`)."""
        return lab_inputs(self.current, self.spike_period, self.spike_weight, self.duration)

    def sweep_methods(self) -> list[str]:
        """Integrators of the sweep: the chosen ones and the stepped engine's own."""
        return list(dict.fromkeys([*self.curve_methods, self.method]))


def run_engines(s: Settings):
    """Both engines on the same neuron and input.

    **Returns:** `(exact, stepped, note)`: the event engine's `Result` (sampled every
    `event_sample_dt(duration, dt)` ms), the stepped engine's, and the first runtime
    warning of the two runs ("" when none).
    """
    with jax.enable_x64(s.float64):
        inputs = s.inputs()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fine = event_sample_dt(s.duration, s.dt)
            exact = simulate(s.neuron, inputs, duration=s.duration, dt=fine, engine="event")
            stepped = simulate(s.neuron, inputs, duration=s.duration, dt=s.dt, method=s.method)
    notes = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]
    return exact, stepped, notes[0] if notes else ""


def run_sweep(s: Settings, exact_times, stop=None) -> dict[str, dict[str, np.ndarray]] | None:
    """`error_vs_dt` for the settings' sweep methods against the exact spike times (ms);
    None when `stop()` said that it is no longer wanted."""
    with jax.enable_x64(s.float64):
        return error_vs_dt(
            s.neuron,
            s.inputs(),
            duration=s.duration,
            current=s.current,
            methods=s.sweep_methods(),
            exact_times=exact_times,
            stop=stop,
        )


def sweep_guides(curve, exact_times) -> tuple[float | None, float | None]:
    """What the error plot draws besides the curves: `(ref, floor)`. `ref` (ms) anchors the
    slope guides at the largest dt (the largest finite first-spike error there, None
    when there is none); `floor` is `rounding_level` at the first exact spike (None
    without spikes)."""
    firsts = [c["first"][0] for c in curve.values() if np.isfinite(c["first"][0])]
    ref = max(firsts) if firsts else None
    ev = np.asarray(exact_times)
    floor = rounding_level(ev[0], ev.dtype) if len(ev) else None
    return ref, floor


def fitted_orders(curve, floor) -> str:
    """`"euler: 1.00, rk4: 3.98"`: the fitted order of each method's first-spike error."""
    return ", ".join(
        f"{m}: {convergence_order(c['dt'], c['first'], floor or 0.0):.2f}" for m, c in curve.items()
    )
