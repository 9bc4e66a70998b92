r"""A differentiable fixed-step run of a continuous model: spikes with a surrogate gradient.

`snnlab.simulate` returns numpy results and boolean spikes, so a loss on spikes has no
gradient there. `surrogate_run` steps the model the way the stepped engine does (same
integrators, threshold crossing, reset and refractory period) inside one `lax.scan`, but
emits each spike as $s = \Theta(c)$ with the model's (or the given) surrogate derivative,
where $c$ is `spike_condition`, and applies the reset as $y + s\,(y_{reset} - y)$ so that
gradients flow through spikes and resets alike:

    loss = lambda model: jnp.sum(surrogate_run(model, current)[0])
    grads = eqx.filter_grad(loss)(model)        # finite, non-zero where a spike is near
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from ..core import INTEGRATORS, AbstractNeuronModel
from ._surrogate import AbstractSurrogate, Sigmoid, spike_fn


def surrogate_run(
    model: AbstractNeuronModel,
    current=None,
    *,
    n_steps: int | None = None,
    dt: float = 0.1,
    method: str | None = None,
    surrogate: AbstractSurrogate | None = None,
):
    """Run `model` on a grid of `dt` ms with differentiable spikes.

    **Arguments:**

    - `model`: a continuous neuron model (`snnlab.neurons`, or a neurai-compatible one).
    - `current`: input current in pA, shape `(T, size)` (or `(T,)`, the same for every
      neuron); or None with `n_steps` for no input.
    - `dt`: step (ms); `method`: integrator (default the model's own).
    - `surrogate`: the surrogate derivative; default the model's `surrogate_grad_fn` if it
      has one, else `Sigmoid()`. Its input is `spike_condition` (e.g. V - V_th in mV).

    **Returns:**

    `(spikes, states)`: spikes `(T, size)` (0.0 / 1.0 forward, surrogate gradient
    backward) of the steps ending at `dt, 2 dt, ...`, and the states after each step
    `(T, size, S)`.
    """
    if current is None:
        if n_steps is None:
            raise ValueError("surrogate_run: give current (pA, shape (T, size)) or n_steps.")
        current = jnp.zeros((n_steps, model.size))
    current = jnp.broadcast_to(
        jnp.asarray(current, dtype=jnp.result_type(float)).reshape(len(current), -1),
        (len(current), model.size),
    )
    sg = surrogate or getattr(model, "surrogate_grad_fn", None) or Sigmoid()
    integrate = INTEGRATORS[method or model.method]
    clamp = jnp.array([name in model.refractory_clamped for name in model.state_names])
    ref_steps = jnp.broadcast_to(jnp.round(model.refractory_period() / dt), (model.size,))
    ref_steps = ref_steps.astype(jnp.int32)

    def step(carry, xs):
        y, refractory, c_prev = carry
        k, i_t = xs
        t = k * dt
        args = {"I": i_t}
        held = refractory > 0
        y_new = integrate(model, t, y, args, dt)
        y_new = jnp.where(held[:, None] & clamp[None, :], y, y_new)
        c = model.spike_condition(t + dt, y_new, args)
        gate = ((c_prev < 0) & ~held).astype(y_new.dtype)
        s = spike_fn(c, sg) * gate
        reset = model.reset_spiked(y_new, s > 0)
        y_new = y_new + s[:, None] * (reset - y_new)
        refractory = jnp.where(s > 0, ref_steps, jnp.maximum(refractory - 1, 0))
        c_prev = model.spike_condition(t + dt, y_new, args)
        return (y_new, refractory, c_prev), (s, y_new)

    y0 = model.init_state()
    init = (y0, jnp.zeros(model.size, jnp.int32), jnp.full(model.size, -1.0, y0.dtype))
    steps = jnp.arange(current.shape[0], dtype=y0.dtype)
    _, (spikes, states) = jax.lax.scan(step, init, (steps, current.astype(y0.dtype)))
    return spikes, states
