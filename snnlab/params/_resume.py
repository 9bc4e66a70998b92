"""Continue a run from a given state: the model behind the Explorer's live mode.

`snnlab.simulate` starts every run from `model.init_state()`. To simulate in chunks
(an oscilloscope that keeps running), each chunk starts where the previous one ended:
`resume_from(model, y)` wraps a continuous-time model so that its initial state is `y`
and every other method is the wrapped model's. The state is an array leaf, so the
chunks after the first reuse one compiled function.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp

from ..core import AbstractNeuronModel


class _Resumed(AbstractNeuronModel):
    """`inner` with its initial state replaced by `y0` (shape `(size, S)`)."""

    inner: AbstractNeuronModel
    y0: jax.Array
    size: int = eqx.field(static=True)
    method: str = eqx.field(static=True)

    def __init__(self, inner: AbstractNeuronModel, y0, method: str | None = None):
        self.inner = inner
        self.y0 = jnp.asarray(y0, dtype=jnp.result_type(float)).reshape(inner.size, -1)
        self.size = inner.size
        self.method = inner.method if method is None else method

    @property
    def state_names(self):
        return self.inner.state_names

    @property
    def state_units(self):
        return self.inner.state_units

    @property
    def input_state(self):
        return self.inner.input_state

    @property
    def refractory_clamped(self):
        return self.inner.refractory_clamped

    def init_state(self, n_neurons=None):
        return self.y0

    def dynamics(self, t, y, args):
        return self.inner.dynamics(t, y, args)

    def spike_condition(self, t, y, args):
        return self.inner.spike_condition(t, y, args)

    def reset_spiked(self, y, spiked_mask):
        return self.inner.reset_spiked(y, spiked_mask)

    def input_spike(self, y, from_idx, to_idx, valid_mask, weight=1.0):
        return self.inner.input_spike(y, from_idx, to_idx, valid_mask, weight)

    def input_jump(self, y, weight_sum):
        return self.inner.input_jump(y, weight_sum)

    def observe(self, y):
        return self.inner.observe(y)

    def refractory_period(self):
        return self.inner.refractory_period()

    def exp_euler_step(self, t, y, args, dt):
        return self.inner.exp_euler_step(t, y, args, dt)


def resume_from(model: AbstractNeuronModel, state) -> AbstractNeuronModel:
    """`model` starting from `state` instead of its initial state.

    **Arguments:**

    - `model`: a continuous-time neuron model (`snnlab.core.AbstractNeuronModel`).
    - `state`: the state to start from, shape `(size, len(model.state_names))`, in the
      units of `model.state_units` (e.g. the last row of every trace of a `Result`).

    **Returns:**

    A model that `snnlab.simulate` runs from `state`. Refractory counters are not carried
    over (a neuron that spiked in the last step of a chunk is not held in the next).
    """
    if not isinstance(model, AbstractNeuronModel):
        raise ValueError(
            f"resume_from needs a continuous-time neuron model, got {type(model).__name__}."
        )
    if isinstance(model, _Resumed):
        model = model.inner
    return _Resumed(model, state)
