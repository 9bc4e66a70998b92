"""The EventProp demo of the sensitivity lab: a time-to-first-spike network trained live.

Adam steps on the weights of a tiny network of LIF neurons with exponential synapses use
EventProp gradients (`snnlab.eventprop.first_spike_times`); `ttfs_first_spike_times` is
the same closed form written out (what the EventProp tests compare with). The plots are
`_live.LiveView`s built once; each training tick sends them new columns.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import panel as pn
import param

from ..eventprop import LIFParameters as _EPParams
from ..eventprop import first_spike_times as _ep_first_spike_times
from ._lab_common import Lab
from ._lab_sensitivity_views import loss_view, spike_times_view
from ._widgets import fast


def ttfs_first_spike_times(weights, input_times, tau_mem=1e-2, tau_syn=5e-3, v_th=0.6, t_max=0.05):
    """First spike times (s) of LIF neurons with exponential synapses, tau_mem = 2 tau_syn.

    The closed form of jaxsnn's time-to-first-spike solver, written out (an independent
    reference for `snnlab.eventprop.first_spike_times`): with x = exp(-t / tau_mem), the
    potential after the inputs that arrived by t is a x - b x^2, a = sum_j w_j e^{t_j / tau_mem},
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
    idx = jnp.arange(input_times.shape[0])
    return _ep_first_spike_times(w, input_times, idx, _EPParams(), t_max=t_max)


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
    """True: `snnlab.eventprop` (exact EventProp gradients) ships with snnlab. Kept for
    code written when it was optional."""
    return True


class EventPropDemo(Lab):
    """A tiny time-to-first-spike network trained live: outputs move to their targets.

    `n_in` input neurons spike once each (at evenly spread times); `n_out` LIF neurons
    with exponential synapses (tau_mem = 10 ms, tau_syn = 5 ms, jaxsnn's units: seconds
    inside, ms on the plots) must fire at the `targets` (ms). The loss is the mean squared
    difference of first spike times (ms^2); Adam steps on the weights use EventProp
    gradients (`snnlab.eventprop.first_spike_times`).

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
        self.backend = "EventProp"
        self.times_view, self.loss_view = spike_times_view(self.n_out), loss_view()
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
        times = np.array([h[2] for h in self.history], float).reshape(len(steps), self.n_out)
        self.times_view.show({"steps": steps, "times": times, "targets": self.targets()})
        self.loss_view.show({"steps": steps, "loss": np.array([h[1] for h in self.history])})

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
        note = "Gradients: exact EventProp (`snnlab.eventprop`)."
        return pn.Column(
            pn.pane.Markdown(
                "### EventProp: a time-to-first-spike network trained live\n"
                f"{self.n_in} inputs spike once between 0.5 and 10 ms; {self.n_out} outputs "
                "must fire at their targets. " + note
            ),
            pn.Row(pn.widgets.Toggle.from_param(self.param.training, width=80), step, reset),
            *sliders,
            self.alert,
            self.times_view.pane,
            self.loss_view.pane,
            sizing_mode="stretch_width",
        )


__all__ = ["EventPropDemo", "eventprop_available", "ttfs_first_spike_times"]
