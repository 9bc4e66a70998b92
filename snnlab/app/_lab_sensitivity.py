"""Sensitivities: which knob matters here? `jax.grad` of the firing rate or first spike time.

For a neuron driven by a constant current `I` (pA) the lab differentiates, with respect
to every slider parameter and to `I`:

- the **first spike time** T1 (ms): the first upward threshold crossing from the initial
  state;
- the **firing rate** f = 1000 / (t_ref + T) (Hz), with T the time from the state just
  after a reset to the next threshold crossing (the steady rate of LIF and ExpLIF under
  a constant current; the rate of the first interval for adapting models).

Three gradient methods, as the model allows:

- **exact** (LIF, ExpLIF, when the event engine is installed): the crossing time from
  the event engine's closed-form membrane solution and root finder
  (`snnlab.core.lif_crossing`), differentiated by `jax.grad` through the converged
  Newton search, which gives the implicit-function derivative -dV/dtheta / dV/dt;
- **stepped** (every continuous model): the model's own integrator over a grid of
  step `dt`, the crossing located by linear interpolation between the two samples
  around it, so T is a smooth function of the parameters; its gradient is exact for
  that discretisation and approaches the true one as dt shrinks (error of order dt);
- **surrogate** (the discrete-time SNN* family): the mean spike count over the run,
  differentiated through the models' surrogate spike functions (a training signal, not
  the true derivative of a step function).

An EventProp demo trains a tiny time-to-first-spike network live: `EventPropDemo`.
"""

from __future__ import annotations

import math

import equinox as eqx
import holoviews as hv
import jax
import jax.numpy as jnp
import numpy as np
import panel as pn
import param

from .. import params as sp
from ..core import INTEGRATORS, AbstractStepwiseModel
from ._lab_common import DIMENSIONLESS, Lab, finite_limits, framewise, lab_slider, live_plot
from ._widgets import fast

try:  # the event engine's closed-form crossing (lands with the event engine)
    from ..core import lif_crossing, lif_u
except ImportError:  # pragma: no cover - depends on the installation
    lif_crossing = lif_u = None

try:  # EventProp gradients of first spike times
    from ..eventprop import LIFParameters as _EPParams
    from ..eventprop import first_spike_times as _ep_first_spike_times
except ImportError:  # pragma: no cover - depends on the installation
    _EPParams = _ep_first_spike_times = None

MODELS = ("LIF", "ExpLIF", "Izhikevich", "HH", "GLIF3", "SNNLIF", "SNNIF", "SNNALIF")
"""Models offered by the sensitivity lab."""

CURRENT = "I"
"""Name of the input current (pA) among the differentiated parameters."""

QUANTITIES = {"rate": "Hz", "first spike": "ms"}
"""What is differentiated, with its unit."""


def _exact_kind(model) -> str | None:
    """ "LIF" or "ExpLIF" when the model offers its closed form (the exact gradient
    applies), else None. Asks the model's `closed_form` hook: a subclass that changes the
    dynamics loses it, whatever its module."""
    cls = type(model)
    if lif_crossing is None or cls.__name__ not in ("LIF", "ExpLIF"):
        return None
    hook = getattr(model, "closed_form", None)
    if hook is None or hook(model.init_state(), {"I": jnp.zeros(model.size)}) is None:
        return None
    return cls.__name__


def gradient_methods(model) -> tuple[str, ...]:
    """The gradient methods that apply to `model`: "exact", "stepped", "surrogate"."""
    if isinstance(model, AbstractStepwiseModel):
        return ("surrogate",)
    return ("exact", "stepped") if _exact_kind(model) else ("stepped",)


def _leaf(model, name):
    return getattr(model, name)


def _with_values(model, values: dict):
    """`model` with the parameters in `values` replaced (same shapes; no re-validation)."""
    names = [n for n in values if n != CURRENT]
    if not names:
        return model
    leaves = [jnp.broadcast_to(values[n], jnp.shape(_leaf(model, n))) for n in names]
    return eqx.tree_at(lambda m: [getattr(m, n) for n in names], model, leaves)


def _crossing_scan(model, y0, current, dt, n_steps, method, skip_first=False):
    """First upward crossing of the spike condition from `y0` (ms), linearly interpolated;
    the state there; whether one was found. The state is frozen after the crossing (no
    reset here), so that nothing diverges into the gradient."""
    integrate = INTEGRATORS[method]
    args = {"I": current}

    def cond(t, y):
        return model.spike_condition(t, y, args)[0]

    def step(carry, k):
        y, armed, done = carry
        t = k * dt
        y1 = jnp.where(done, y, integrate(model, t, y, args, dt))
        c1 = cond(t + dt, y1)
        hit = armed & ~done & (c1 >= 0)
        return (y1, armed | (c1 < 0), done | hit), (c1, y1, hit)

    c0 = cond(0.0, y0)
    armed0 = jnp.asarray(not skip_first) & (c0 < 0)
    init = (y0, armed0, jnp.asarray(False))
    _, (c, ys, hits) = jax.lax.scan(step, init, jnp.arange(n_steps))
    c = jnp.concatenate([c0[None], c])
    ys = jnp.concatenate([y0[None], ys])
    found = jnp.any(hits)
    k = jnp.argmax(hits)
    c_a, c_b = c[k], c[k + 1]
    frac = jnp.where(found & (c_a < 0), c_a / jnp.where(c_a == c_b, -1.0, c_a - c_b), 0.0)
    t = (k + frac) * dt
    y_star = ys[k] + frac * (ys[k + 1] - ys[k])
    return t, y_star, found


def _refractory(model):
    t_ref = model.refractory_period()
    return jnp.asarray(0.0 if t_ref is None else t_ref).reshape(-1)[0]


def _stepped_quantities(model, current, dt, n_steps: int, method: str):
    y0 = model.init_state()[:1]
    t1, y_star, found1 = _crossing_scan(model, y0, current, dt, n_steps, method)
    # the state right after a spike: the first crossing's state, reset
    y_r = model.reset_spiked(y_star, jnp.ones(1, bool))
    t_pass, _, found2 = _crossing_scan(model, y_r, current, dt, n_steps, method, skip_first=True)
    rate = 1000.0 / (_refractory(model) + t_pass)
    nan = jnp.nan
    return {
        "first spike": jnp.where(found1, t1, nan),
        "rate": jnp.where(found1 & found2, rate, 0.0),
    }


def _implicit_crossing(u0, b, theta, tau_m, tau_s, t_max):
    """The event engine's crossing time with its implicit-function gradient.

    The value is `lif_crossing`'s (root finding on the closed-form membrane); the
    gradient is -dF/dtheta / dF/ds at the root, F(s) = u(s) - theta, obtained by
    subtracting F / stop_gradient(dF/ds) (zero in value at the root), so no gradient
    flows through the root finder's iterations."""
    sg = jax.lax.stop_gradient
    s = sg(lif_crossing(sg(u0), sg(b), sg(theta), sg(tau_m), sg(tau_s), jnp.asarray(t_max)))
    found = jnp.isfinite(s)
    s0 = jnp.where(found, s, 0.0)

    def big_f(ss, u0, b, theta, tau_m, tau_s):
        return lif_u(u0, b, ss, tau_m, tau_s) - theta

    slope = jax.grad(lambda ss: jnp.sum(big_f(ss, *map(sg, (u0, b, theta, tau_m, tau_s)))))(s0)
    slope = jnp.where(found & (slope > 0), slope, 1.0)
    t = s0 - big_f(s0, u0, b, theta, tau_m, tau_s) / sg(slope)
    return jnp.where(found, t, jnp.inf)


def _exact_quantities(model, current, t_max):
    v_inf = model.V_rest + model.R * (model.I_e + current)
    tau_s = getattr(model, "tau_syn", model.tau)

    def first(x):
        return jnp.reshape(x, (-1,))[0]

    def crossing(v0):
        # no synaptic current under a constant drive: b = R I_syn = 0
        return _implicit_crossing(
            first(v0 - v_inf), 0.0, first(model.V_th - v_inf), first(model.tau), first(tau_s), t_max
        )

    t1 = crossing(model.v_init)
    t_pass = crossing(model.V_reset)
    rate = jnp.where(jnp.isfinite(t_pass), 1000.0 / (_refractory(model) + t_pass), 0.0)
    return {"first spike": jnp.where(jnp.isfinite(t1), t1, jnp.nan), "rate": rate}


def _surrogate_quantities(model, current, dt, n_steps):
    x = jnp.full((n_steps, model.size), current)
    _, spikes, _ = model.run(x)
    return {"rate": spikes[:, 0].mean() * 1000.0 / dt, "first spike": jnp.nan}


def sensitivities(
    model,
    names,
    *,
    current: float,
    quantity: str = "rate",
    method: str = "stepped",
    dt: float = 0.05,
    t_max: float = 500.0,
    integrator: str = "rk4",
) -> tuple[float, dict[str, float]]:
    """The value of `quantity` and its gradient with respect to each parameter in `names`.

    **Arguments:**

    - `model`: a neuron model (continuous, or a discrete-time SNN* model).
    - `names`: parameter names of the model to differentiate by; `"I"` is the input
      current (pA).
    - `current`: the constant input current besides `I_e` (pA; for SNN* models the
      dimensionless input per step).
    - `quantity`: "rate" (Hz) or "first spike" (ms).
    - `method`: "exact", "stepped" or "surrogate" (see `gradient_methods`).
    - `dt`: grid step (ms) of the stepped method; for the surrogate method one step of
      an SNN* model is one time bin of 1 ms.
    - `t_max`: horizon (ms) searched for a crossing.
    - `integrator`: integrator of the stepped method.

    **Returns:** `(value, grads)`: the quantity (Hz or ms; NaN for a first spike that
    never comes, 0 Hz for no firing) and d quantity / d parameter per name, in the
    quantity's unit per unit of the parameter.
    """
    if quantity not in QUANTITIES:
        raise ValueError(f"quantity={quantity!r}; use one of {list(QUANTITIES)}.")
    if method not in gradient_methods(model):
        raise ValueError(
            f"method={method!r} does not apply to {type(model).__name__}; "
            f"use one of {gradient_methods(model)}."
        )
    step = 1.0 if method == "surrogate" else dt  # an SNN* step is one time bin of 1 ms
    n_steps = int(math.ceil(t_max / step))
    dtype = jnp.result_type(float)
    values = {n: jnp.asarray(jnp.reshape(_leaf(model, n), (-1,))[0], dtype) for n in names}
    values[CURRENT] = jnp.asarray(current, dtype)
    value, grads = _value_and_grad(
        model,
        values,
        jnp.asarray(step, dtype),
        jnp.asarray(t_max, dtype),
        n_steps=n_steps,
        quantity=quantity,
        method=method,
        integrator=integrator,
    )
    return float(value), {n: float(grads[n]) for n in [*names, CURRENT]}


@eqx.filter_jit
def _value_and_grad(model, values, dt, t_max, *, n_steps, quantity, method, integrator):
    def f(vals):
        m = _with_values(model, vals)
        cur = vals[CURRENT]
        if method == "exact":
            q = _exact_quantities(m, cur, t_max)
        elif method == "surrogate":
            q = _surrogate_quantities(m, cur, dt, n_steps)
        else:
            q = _stepped_quantities(m, cur, dt, n_steps, integrator)
        return q[quantity]

    return jax.value_and_grad(f)(values)


# ---- the EventProp demo --------------------------------------------------------------------


def ttfs_first_spike_times(weights, input_times, tau_mem=1e-2, tau_syn=5e-3, v_th=0.6, t_max=0.05):
    """First spike times (s) of LIF neurons with exponential synapses, tau_mem = 2 tau_syn.

    The closed form of jaxsnn's time-to-first-spike solver, used when `snnlab.eventprop`
    is not installed: with x = exp(-t / tau_mem), the potential after the inputs that
    arrived by t is a x - b x^2, a = sum_j w_j e^{t_j / tau_mem},
    b = sum_j w_j e^{2 t_j / tau_mem}; the first crossing of `v_th` is the larger root x
    of b x^2 - a x + v_th = 0, valid when it lies after the last input counted and before
    the next. Differentiable with `jax.grad` (the gradient of the explicit formula).

    **Arguments:** `weights` `(n_in, n_out)`, `input_times` `(n_in,)` in s (sorted),
    `tau_mem` (= 2 `tau_syn`) in s, `v_th` (unitless), `t_max` in s.

    **Returns:** `(n_out,)` first spike times in s, `t_max` where a neuron does not fire.
    """
    del tau_syn  # tau_syn = tau_mem / 2 by construction
    times = jnp.asarray(input_times)
    order = jnp.argsort(times)
    times, w = times[order], jnp.asarray(weights)[order]
    e1 = jnp.exp(times / tau_mem)[:, None]
    a = jnp.cumsum(w * e1, axis=0)  # (n_in, n_out): inputs 0..k counted
    b = jnp.cumsum(w * e1**2, axis=0)
    disc = a * a - 4.0 * b * v_th
    ok = disc > 0
    sq = jnp.sqrt(jnp.where(ok, disc, 1.0))
    b_safe = jnp.where(b == 0, 1.0, b)
    x = jnp.where(b != 0, (a + sq) / (2.0 * b_safe), v_th / jnp.where(a == 0, 1.0, a))
    valid_x = ok & (x > 0)
    t = -tau_mem * jnp.log(jnp.where(valid_x, x, 1.0))
    nxt = jnp.concatenate([times[1:], jnp.asarray([jnp.inf], times.dtype)])[:, None]
    valid = valid_x & (t >= times[:, None]) & (t < nxt) & (t <= t_max)
    t = jnp.where(valid, t, t_max)
    return jnp.min(t, axis=0)


@jax.jit
def _output_times(w, input_times, t_max):
    if _ep_first_spike_times is not None:
        idx = jnp.arange(input_times.shape[0])
        return _ep_first_spike_times(w, input_times, idx, _EPParams(), t_max=t_max)
    return ttfs_first_spike_times(w, input_times, t_max=t_max)


def _loss(w, input_times, targets, t_max):
    t_ms = _output_times(w, input_times, t_max) * 1000.0
    return jnp.mean((t_ms - targets) ** 2)


@eqx.filter_jit
def _adam_steps(w, m, v, count, lr, input_times, targets, t_max, n: int):
    """`n` Adam steps (b1 = 0.9, b2 = 0.999) on the loss in one scan.

    **Returns:** `(w, m, v, losses)`, the loss (ms^2) before each step."""
    b1, b2, eps = 0.9, 0.999, 1e-8

    def body(carry, k):
        w, m, v = carry
        value, g = jax.value_and_grad(_loss)(w, input_times, targets, t_max)
        c = count + k + 1
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        w = w - lr * (m / (1 - b1**c)) / (jnp.sqrt(v / (1 - b2**c)) + eps)
        return (w, m, v), value

    (w, m, v), losses = jax.lax.scan(body, (w, m, v), jnp.arange(n))
    return w, m, v, losses


def eventprop_available() -> bool:
    """True when `snnlab.eventprop` (exact EventProp gradients) is installed."""
    return _ep_first_spike_times is not None


class EventPropDemo(Lab):
    """A tiny time-to-first-spike network trained live: outputs move to their targets.

    `n_in` input neurons spike once each (at evenly spread times); `n_out` LIF neurons
    with exponential synapses (tau_mem = 10 ms, tau_syn = 5 ms, jaxsnn's units: seconds
    inside, ms on the plots) must fire at the `targets` (ms). The loss is the mean squared
    difference of first spike times (ms^2); Adam steps on the weights use EventProp
    gradients (`snnlab.eventprop.first_spike_times`) or, when that package is missing,
    the gradient of the closed-form solution (`ttfs_first_spike_times`).

    **Parameters:** `target_0`, `target_1`, `target_2` (ms), `learning_rate`,
    `steps_per_tick` (Adam steps per update of the page), `training` (runs a periodic
    callback in a served page). `history` holds (step, loss, spike times) rows.
    """

    target_0 = param.Number(6.0, bounds=(2.0, 25.0), step=0.5, label="target 0 (ms)")
    target_1 = param.Number(9.0, bounds=(2.0, 25.0), step=0.5, label="target 1 (ms)")
    target_2 = param.Number(12.0, bounds=(2.0, 25.0), step=0.5, label="target 2 (ms)")
    learning_rate = param.Number(
        0.01, bounds=(1e-4, 1.0), label="learning rate (dimensionless)", step=0.01
    )
    steps_per_tick = param.Integer(10, bounds=(1, 100), label="steps per update (count)")
    training = param.Boolean(False, label="train", doc="train live (in a served page)")

    n_in = 6
    n_out = 3
    t_max = 0.05
    """Simulated time (s)."""

    def __init__(self, seed: int = 0, **params):
        super().__init__(**params)
        self.seed = seed
        self.input_times = jnp.linspace(0.5e-3, 10e-3, self.n_in)
        self.backend = "EventProp" if eventprop_available() else "closed form"
        self._times_pane, self._times_pipe = live_plot(self._times_view)
        self._loss_pane, self._loss_pipe = live_plot(self._loss_view)
        self._cb = None
        self.reset()
        self.param.watch(self._toggle, ["training"])
        self.param.watch(lambda e: self._send(), ["target_0", "target_1", "target_2"])

    def targets(self) -> np.ndarray:
        """The target first spike times (ms)."""
        return np.array([self.target_0, self.target_1, self.target_2])

    def reset(self) -> None:
        """New random weights (from `seed`), Adam state and history."""
        key = jax.random.PRNGKey(self.seed)
        self.weights = 1.5 + 0.3 * jax.random.normal(key, (self.n_in, self.n_out))
        self._m = jnp.zeros_like(self.weights)
        self._v = jnp.zeros_like(self.weights)
        self.step_count = 0
        self.history: list[tuple[int, float, np.ndarray]] = []
        self._record()

    def spike_times(self, weights=None) -> jax.Array:
        """First spike times of the outputs (s) for `weights` (default: the current ones)."""
        w = self.weights if weights is None else weights
        return _output_times(w, self.input_times, jnp.asarray(self.t_max, w.dtype))

    def loss(self, weights) -> jax.Array:
        """Mean squared error of the first spike times against the targets (ms^2)."""
        t_max = jnp.asarray(self.t_max, weights.dtype)
        return _loss(weights, self.input_times, jnp.asarray(self.targets()), t_max)

    def train(self, n: int = 1) -> float:
        """`n` Adam steps on the weights; returns the loss before the last step (ms^2)."""
        dtype = self.weights.dtype
        self.weights, self._m, self._v, losses = _adam_steps(
            self.weights,
            self._m,
            self._v,
            jnp.asarray(self.step_count, dtype),
            jnp.asarray(self.learning_rate, dtype),
            self.input_times,
            jnp.asarray(self.targets(), dtype),
            jnp.asarray(self.t_max, dtype),
            int(n),
        )
        self.step_count += int(n)
        self._record()
        return float(losses[-1])

    def _record(self):
        t = np.asarray(self.spike_times()) * 1000.0
        loss = float(np.mean((t - self.targets()) ** 2))
        self.history.append((self.step_count, loss, t))
        self._send()

    def _send(self):
        steps = np.array([h[0] for h in self.history], float)
        self._times_pipe.send({"steps": steps, "times": np.array([h[2] for h in self.history])})
        self._loss_pipe.send({"steps": steps, "loss": np.array([h[1] for h in self.history])})

    def _times_view(self, data):
        step = hv.Dimension("step", label="training step", unit="count")
        tdim = hv.Dimension("t", label="first spike time", unit="ms")
        colors = ("#1f77b4", "#ff7f0e", "#2ca02c")
        layers = []
        for j in range(self.n_out):
            if data is None or len(data["steps"]) == 0:
                xs, ys = np.zeros(0), np.zeros(0)
            else:
                xs, ys = data["steps"], data["times"][:, j]
            layers.append(hv.Curve((xs, ys), step, tdim, label=f"output {j}").opts(color=colors[j]))
            layers.append(hv.HLine(self.targets()[j]).opts(color=colors[j], line_dash="dashed"))
        times = data["times"] if data is not None else np.zeros(0)
        ylim = finite_limits(times, self.targets())  # the targets in view, reached or not
        return framewise(
            hv.Overlay(layers),
            ylim=ylim,
            responsive=True,
            height=260,
            title="output spike times (dashed: targets)",
            legend_position="right",
            show_grid=True,
        )

    def _loss_view(self, data):
        step = hv.Dimension("step", label="training step", unit="count")
        ldim = hv.Dimension("loss", label="loss", unit="ms²")
        if data is None or len(data["steps"]) == 0:
            xs, ys = np.zeros(0), np.zeros(0)
        else:
            xs, ys = data["steps"], np.maximum(data["loss"], 1e-6)
        return hv.Curve((xs, ys), step, ldim).opts(
            ylim=finite_limits(ys, log=True) or (np.nan, np.nan),
            logy=True,
            responsive=True,
            height=200,
            framewise=True,
            title="loss: mean squared spike-time error",
            show_grid=True,
        )

    def compute(self) -> str:
        """One page update of training: `steps_per_tick` Adam steps."""
        self.train(int(self.steps_per_tick))
        return ""

    def _toggle(self, event):
        if event.new and self._cb is None:
            self._cb = pn.state.add_periodic_callback(self.run, period=150)
        elif not event.new and self._cb is not None:
            self._cb.stop()
            self._cb = None

    def __panel__(self):
        reset = pn.widgets.Button(label="new weights", color="warning", width=110)
        reset.on_click(lambda e: self.reset())
        step = pn.widgets.Button(label="train 20 steps", color="primary", width=120)
        step.on_click(lambda e: self.train(20))
        sliders = [
            fast(pn.widgets.FloatSlider.from_param(self.param[n], sizing_mode="stretch_width"))
            for n in ("target_0", "target_1", "target_2", "learning_rate")
        ]
        note = (
            "Gradients: exact EventProp (`snnlab.eventprop`)."
            if eventprop_available()
            else "Gradients: `snnlab.eventprop` is not installed; the gradient of the "
            "closed-form first spike time is used instead."
        )
        return pn.Column(
            pn.pane.Markdown(
                "### EventProp: a time-to-first-spike network trained live\n"
                f"{self.n_in} inputs spike once between 0.5 and 10 ms; {self.n_out} outputs "
                "must fire at their targets. " + note
            ),
            pn.Row(pn.widgets.Toggle.from_param(self.param.training, width=80), step, reset),
            *sliders,
            self.alert,
            self._times_pane,
            self._loss_pane,
            sizing_mode="stretch_width",
        )


# ---- the lab -------------------------------------------------------------------------------


class SensitivityLab(Lab):
    """Which knob matters here: d(rate or first spike time)/d(parameter) by `jax.grad`.

    **Parameters:** `model` (one of `MODELS`), `current` (constant input, pA; for SNN*
    models the dimensionless input per step), `quantity` ("rate", Hz, or "first spike",
    ms), `scale` ("per unit" of each parameter, or "per 10% of slider range", which makes
    the bars comparable), `dt` (grid step of the stepped and surrogate methods, ms).
    The model's sliders live in `neuron_params[model]`; beside each slider its
    sensitivity is written out. After a run, `value` is the quantity and `grads[method]`
    the gradients by parameter name. The EventProp demo is `demo`.
    """

    model = param.Selector(default="LIF", objects=list(MODELS), doc="neuron model")
    current = param.Number(
        500.0, softbounds=(-100.0, 2000.0), step=10.0, label="I (pA)", doc="input current (pA)"
    )
    quantity = param.Selector(default="rate", objects=list(QUANTITIES), doc="what to differentiate")
    scale = param.Selector(
        default="per 10% of slider range",
        objects=["per 10% of slider range", "per unit"],
        doc="bar heights: the change for a tenth of each slider's range, or per unit",
    )
    dt = param.Number(0.05, bounds=(0.005, 1.0), step=0.005, label="dt (ms)", doc="grid step (ms)")

    _DEFAULT_CURRENT = {"Izhikevich": 10.0, "HH": 800.0, "SNNIF": 0.2}
    _CURRENT_RANGE = {"Izhikevich": (-10.0, 40.0), "HH": (0.0, 2000.0), "SNN": (-1.0, 5.0)}
    """Range of the current slider by model (pA; dimensionless for the SNN* family)."""

    def current_range(self) -> tuple[float, float]:
        """The current slider's range for the chosen model (pA, or dimensionless)."""
        key = "SNN" if self.model.startswith("SNN") else self.model
        return self._CURRENT_RANGE.get(key, (-100.0, 2000.0))

    def __init__(self, **params):
        super().__init__(**params)
        reg = sp.registry()
        self.neuron_params = {m: reg[m]() for m in MODELS if m in reg}
        self.param.model.objects = list(self.neuron_params)
        self.value = math.nan
        self.grads: dict[str, dict[str, float]] = {}
        self.bars_pane, self.bars_pipe = live_plot(self._bars_view)
        self.readout = pn.pane.Markdown("", sizing_mode="stretch_width")
        self.model_box = pn.Column(sizing_mode="stretch_width")
        self.labels: dict[str, pn.pane.Markdown] = {}
        self.sliders: dict[str, pn.widgets.Widget] = {}
        self._current_sliders: list[pn.widgets.Widget] = []
        for obj in self.neuron_params.values():
            names = [n for n in obj.param if n not in ("name", "size", "method")]
            obj.param.watch(self.request_run, names)
        self._fill_model_box()
        self.param.watch(self._model_changed, ["model"])
        self.param.watch(self.request_run, ["current", "quantity", "scale", "dt"])
        self.demo = EventPropDemo()
        self.request_run()

    def _names(self) -> list[str]:
        obj = self.neuron_params[self.model]
        return [
            n
            for n in obj.slider_names()
            if n not in obj.channels and getattr(obj, n) is not None and n in obj.specs
        ]

    def _fill_model_box(self):
        obj = self.neuron_params[self.model]
        rows, self.labels, self.sliders = [], {}, {}
        for name in self._names():
            row, slider = lab_slider(obj, name)
            label = pn.pane.Markdown("", width=120, margin=(20, 0, 0, 5))
            self.labels[name] = label
            self.sliders[name] = slider
            rows.append(pn.Row(row, label, sizing_mode="stretch_width"))
        self.model_box.objects = [pn.pane.Markdown(f"#### {self.model}"), *rows]

    def _model_changed(self, event):
        lo, hi = self.current_range()
        step = 10.0 if hi - lo > 100 else 0.05
        default = self._DEFAULT_CURRENT.get(
            event.new, 1.5 if event.new.startswith("SNN") else 500.0
        )
        self._suspended += 1
        try:
            self.param.current.softbounds = (lo, hi)
            self.param.current.step = step
            for slider in self._current_sliders:  # range, title and value in one change
                slider.param.update(
                    start=lo, end=hi, step=step, value=default, label=self.current_label()
                )
            self.current = default
        finally:
            self._suspended -= 1
        self._fill_model_box()
        self.request_run()

    def _span(self, name) -> float:
        if name == CURRENT:
            lo, hi = self.current_range()
            return hi - lo
        p = self.neuron_params[self.model].param[name]
        lo, hi = p.softbounds or p.bounds
        return float(hi - lo)

    def _unit(self, name) -> str:
        """The unit of parameter `name` (`CURRENT` included), "dimensionless" if none."""
        if name == CURRENT:
            return DIMENSIONLESS if self.model.startswith("SNN") else "pA"
        return self.neuron_params[self.model].spec_of(name).unit or DIMENSIONLESS

    def current_label(self) -> str:
        """Title of the input-current slider: pA, or dimensionless for the SNN* models."""
        if self.model.startswith("SNN"):
            return f"I ({DIMENSIONLESS}, input per step)"
        return "I (pA)"

    def per_unit(self, name) -> str:
        """The unit of d quantity / d `name`: e.g. Hz/pA, or Hz for a dimensionless one."""
        unit, of = QUANTITIES[self.quantity], self._unit(name)
        return unit if of == DIMENSIONLESS else f"{unit}/{of}"

    def sync_settings(self) -> None:
        """A discrete-time model has no first spike time: its quantity becomes the rate."""
        self._note = ""
        obj = self.neuron_params[self.model]
        if issubclass(obj.model_class, AbstractStepwiseModel) and self.quantity != "rate":
            self._suspended += 1
            try:
                self.quantity = "rate"
            finally:
                self._suspended -= 1
            self._note = (
                f"{self.model} is a discrete-time model: only its rate has a (surrogate) "
                "gradient, so the rate is shown."
            )

    def run_key(self):
        """Compiled variants: the model, the quantity, dt."""
        return ("SensitivityLab", self.model, self.quantity, float(self.dt))

    def work(self):
        """Gradients for the current values by every applicable method (no pane).

        **Returns:** `(value, grads)`: the quantity and, by method, its gradients.
        """
        model = self.neuron_params[self.model].to_model()
        names = self._names()
        grads, value = {}, math.nan
        for method in gradient_methods(model):
            if method == "surrogate" and self.quantity != "rate":
                continue
            value, grads[method] = sensitivities(
                model,
                names,
                current=float(self.current),
                quantity=self.quantity,
                method=method,
                dt=float(self.dt),
            )
        if not grads:
            raise ValueError(
                f"{self.model} is a discrete-time model: only the rate has a (surrogate) "
                "gradient; choose quantity = rate."
            )
        return value, grads

    def present(self, result) -> str:
        """Show `work`'s gradients: bars, labels beside the sliders, readout."""
        self.value, self.grads = result
        self._send()
        note = getattr(self, "_note", "")
        if note:
            return note
        if not np.isfinite(self.value) or (self.quantity == "rate" and self.value == 0):
            return (
                f"The neuron does not fire in 500 ms at I = {self.current:g}: every "
                "sensitivity is 0 or undefined; raise the current."
            )
        return ""

    def _bar_height(self, name, g) -> float:
        return g * 0.1 * self._span(name) if self.scale != "per unit" else g

    def _send(self):
        unit = QUANTITIES[self.quantity]
        method = next(iter(self.grads))
        rows = []
        for m, grads in self.grads.items():
            for name, g in grads.items():
                rows.append((f"{name} ({self._unit(name)})", m, self._bar_height(name, g)))
        self.bars_pipe.send({"rows": rows, "unit": unit})
        for name, label in self.labels.items():
            g = self.grads[method].get(name, math.nan)
            label.object = f"{g:+.3g} {self.per_unit(name)}"
        g_i = self.grads[method][CURRENT]
        self.readout.object = (
            f"**{self.quantity} = {self.value:.4g} {unit}** ({self.model}, I = "
            f"{self.current:g} {self._unit(CURRENT)}); d {self.quantity} / dI = {g_i:.4g} "
            f"{self.per_unit(CURRENT)}  \n"
            f"methods: {', '.join(self.grads)}"
        )

    def _bars_view(self, data):
        rows = data["rows"] if data else []
        unit = data["unit"] if data else "Hz"
        if self.scale != "per unit":
            ydim = hv.Dimension(
                "d", label=f"change of {self.quantity} per 10% of slider range", unit=unit
            )
        else:  # each bar in its own unit: the quantity's per unit of its parameter
            ydim = hv.Dimension(
                "d", label=f"d {self.quantity} / d parameter", unit=f"{unit} per parameter unit"
            )
        return hv.Bars(rows, kdims=["parameter", "method"], vdims=[ydim]).opts(
            responsive=True,
            height=360,
            framewise=True,
            xrotation=45,
            title="sensitivity by jax.grad: which knob matters here",
            show_grid=True,
            tools=["hover"],
        )

    def __panel__(self):
        lo, hi = self.current_range()
        self.current_slider = fast(
            pn.widgets.FloatSlider.from_param(
                self.param.current,
                label=self.current_label(),
                start=lo,
                end=hi,
                sizing_mode="stretch_width",
            )
        )
        self._current_sliders.append(self.current_slider)
        sidebar = pn.Column(
            pn.pane.Markdown("### Sensitivities"),
            pn.widgets.Select.from_param(self.param.model, sizing_mode="stretch_width"),
            pn.widgets.RadioButtonGroup.from_param(self.param.quantity),
            pn.widgets.Select.from_param(self.param.scale, sizing_mode="stretch_width"),
            self.current_slider,
            fast(pn.widgets.FloatSlider.from_param(self.param.dt, sizing_mode="stretch_width")),
            self.model_box,
            width=420,
            scroll=True,
        )
        main = pn.Column(
            self.alert,
            self.readout,
            self.bars_pane,
            pn.pane.Markdown(
                "**exact**: the event engine's closed-form crossing, differentiated (LIF, "
                "ExpLIF). **stepped**: the model's integrator on a grid, the crossing "
                "interpolated (any continuous model; error of order dt). **surrogate**: "
                "the spike count through the surrogate spike function (SNN* models)."
            ),
            pn.layout.Divider(),
            self.demo,
            sizing_mode="stretch_width",
        )
        return pn.Row(sidebar, main, sizing_mode="stretch_width")


__all__ = [
    "EventPropDemo",
    "MODELS",
    "SensitivityLab",
    "eventprop_available",
    "gradient_methods",
    "sensitivities",
    "ttfs_first_spike_times",
]
