"""eventax's `eventax.neuron_models.base_model` names on snnlab's engines.

    # from eventax.neuron_models.base_model import NeuronModel, StaticArray
    from snnlab.compat.eventax import NeuronModel, StaticArray

A model written against eventax's interface (`init_state(n_neurons)`, `dynamics`,
`spike_condition`, `input_spike`, `reset_spiked`, `observe`, a `dtype`) subclasses this
`NeuronModel`, which is an `snnlab.core.AbstractNeuronModel`: `with_size(model, n)`
gives the population of `n` neurons that `snnlab.simulate` runs on both engines.

Differences, by design (SEED-NOTES decision 8): parameters may be array leaves (a new
value does not retrace); `StaticArray` is kept for code that wraps constants. An
`snnlab.Connection`'s weight jumps the state column named by the class attribute
`input_state` (default: the last column, the synaptic current of eventax's LIF); a
model's own `input_spike` (whose weights live in the model) stays callable directly.
State columns are named `y0, y1, ...` unless the class sets `state_names`.
"""

from __future__ import annotations

import copy
import dataclasses
from typing import Any, ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp

from ..core import AbstractNeuronModel


@dataclasses.dataclass(frozen=True, eq=False)
class StaticArray:
    """A jax array held as a static (hashable) value: equal and hashed by identity.

    **Fields:** `value`, the array. A new array object is a new static value, so a
    function taking it as static recompiles (snnlab's own models use array leaves).
    """

    value: Any

    def __eq__(self, other):
        return isinstance(other, StaticArray) and self.value is other.value

    def __hash__(self):
        return hash(id(self.value))


class NeuronModel(AbstractNeuronModel):
    """eventax's abstract neuron model, runnable by snnlab (see the module docstring).

    **Fields:** `dtype` (static), `size` (neurons, static, default 1; set with
    `with_size`), `method` (the stepped engine's integrator, static, default "rk4").
    Subclasses call `super().__init__(dtype)` and implement `init_state(n_neurons)`,
    `dynamics`, `spike_condition`, `reset_spiked` and, for eventax's own use,
    `input_spike(y, from_idx, to_idx, valid_mask)`.
    """

    dtype: Any = eqx.field(static=True)
    size: int = eqx.field(static=True)
    method: str = eqx.field(static=True)

    input_state: ClassVar[str | None] = None

    def __init__(self, dtype=jnp.float32, size: int = 1, method: str = "rk4"):
        self.dtype = dtype
        self.size = size
        self.method = method

    def __call__(self, t, y, args):
        return self.dynamics(t, y, args)

    @property
    def state_names(self) -> tuple[str, ...]:
        """`y0, y1, ...`, one per state column (override to name them)."""
        n_cols = jax.eval_shape(lambda: self.init_state(1)).shape[-1]
        return tuple(f"y{k}" for k in range(n_cols))

    def input_jump(self, y, weight_sum):
        """Add the summed connection weight to column `input_state` (default: last)."""
        col = -1 if self.input_state is None else self.state_names.index(self.input_state)
        return y.at[:, col].add(weight_sum.astype(y.dtype))

    def init_state(self, n_neurons: int | None = None):
        """The initial state for `n_neurons` (default `size`); subclasses implement it."""
        raise NotImplementedError

    def observe(self, y):
        """Readout channels: the state itself (eventax's default)."""
        return y


def with_size(model: NeuronModel, n_neurons: int) -> NeuronModel:
    """A copy of `model` for a population of `n_neurons` (what snnlab's engines read)."""
    new = copy.copy(model)
    object.__setattr__(new, "size", int(n_neurons))
    return new


__all__ = ["NeuronModel", "StaticArray", "with_size"]
