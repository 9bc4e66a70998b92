r"""A differentiable fixed-step run of a continuous model from an array of currents.

`surrogate_run(model, current)` is `snnlab.simulate(model, <current>, surrogate=...)`
with the current given as an array `(T, size)` (one row per step), returning the spikes
and states of the T steps as JAX arrays:

    loss = lambda model: jnp.sum(surrogate_run(model, current)[0])
    grads = eqx.filter_grad(loss)(model)        # finite, non-zero where a spike is near
"""

from __future__ import annotations

import equinox as eqx
import jax.numpy as jnp
import numpy as np

from ..core import AbstractNeuronModel, simulate
from ..generators import InputTransmitter
from ._surrogate import AbstractSurrogate, Sigmoid


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
      neuron), held over step k = 0..T-1 (it may be a JAX array being differentiated); or
      None with `n_steps` for no input.
    - `dt`: step (ms); `method`: integrator (default the model's own).
    - `surrogate`: the surrogate derivative; default the model's `surrogate_grad_fn` if it
      has one, else `Sigmoid()`. Its input is `spike_condition` (e.g. V - V_th in mV).

    **Returns:**

    `(spikes, states)`: spikes `(T, size)` (0.0 / 1.0 forward, surrogate gradient
    backward) of the steps ending at `dt, 2 dt, ...`, and the states after each step
    `(T, size, S)` (columns `model.state_names`).
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
    # the array goes in as the source's data leaf, so it may be a tracer
    source = InputTransmitter(model.size, "current", np.zeros((1, model.size)))
    source = eqx.tree_at(lambda g: g.data, source, current)
    res = simulate(
        model,
        source,
        duration=current.shape[0] * dt,
        dt=dt,
        method=method,
        record=model.state_names,
        surrogate=sg,
    )
    states = jnp.stack([res.traces[name][1:] for name in model.state_names], axis=-1)
    return res.spikes[1:], states
