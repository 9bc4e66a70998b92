"""Accepting a model that implements the eventax neuron-model interface without
subclassing `AbstractNeuronModel`."""

from __future__ import annotations

import inspect
from typing import Any

import equinox as eqx
import jax.numpy as jnp
import numpy as np

from ._model import AbstractNeuronModel

REQUIRED = ("init_state", "dynamics", "spike_condition", "input_spike", "reset_spiked")
"""Methods a model must have (eventax's `NeuronModel` interface)."""


def missing_interface(obj) -> list[str]:
    """What `obj` lacks of the neuron-model interface (empty when it is complete)."""
    missing = [name for name in REQUIRED if not callable(getattr(obj, name, None))]
    if _size_of(obj) is None:
        missing.append("size (or n_neurons): the number of neurons, a positive int")
    return missing


def _size_of(obj) -> int | None:
    for name in ("size", "n_neurons"):
        value = getattr(obj, name, None)
        if isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value > 0:
            return int(value)
    return None


def as_neuron_model(obj) -> AbstractNeuronModel:
    """`obj` itself if it is a snnlab model, else an `InterfaceModel` wrapping it.

    **Raises:** `ValueError` naming every missing part of the interface.
    """
    if isinstance(obj, AbstractNeuronModel):
        return obj
    missing = missing_interface(obj)
    if missing:
        raise ValueError(
            f"model must be a snnlab neuron model or implement the neuron-model interface "
            f"(init_state, dynamics, spike_condition, input_spike, reset_spiked, size); "
            f"{type(obj).__name__} is missing: {', '.join(missing)}."
        )
    return InterfaceModel(obj)


class InterfaceModel(AbstractNeuronModel):
    """Runs a module that implements the eventax interface without subclassing.

    **Arguments:** `inner`: the module. It must have `init_state(n_neurons)` returning an
    `(N, S)` array, `dynamics(t, y, args)`, `spike_condition(t, y, args)`,
    `input_spike(y, from_idx, to_idx, valid_mask)` (a `weight` argument is optional),
    `reset_spiked(y, mask)` and `size` (or `n_neurons`). Optional: `observe(y)`,
    `observe_names`, `state_names`, `method`, `refractory_period()`,
    `refractory_clamped`. Its input spikes always go through its `input_spike`.
    """

    inner: Any
    size: int = eqx.field(static=True)
    method: str = eqx.field(static=True)
    names: tuple[str, ...] = eqx.field(static=True)

    own_input_spike = True

    def __init__(self, inner):
        self.inner = inner
        self.size = _size_of(inner)
        self.method = getattr(inner, "method", "rk4")
        y0 = inner.init_state(self.size)
        shape = np.shape(y0)
        if len(shape) != 2 or shape[0] != self.size:
            raise ValueError(
                f"{type(inner).__name__}.init_state({self.size}) has shape {shape}; "
                f"expected ({self.size}, number of state variables)."
            )
        names = getattr(inner, "state_names", None)
        self.names = tuple(names) if names is not None else tuple(f"y{i}" for i in range(shape[1]))

    @property
    def state_names(self) -> tuple[str, ...]:
        return self.names

    @property
    def refractory_clamped(self) -> tuple[str, ...]:
        return tuple(getattr(self.inner, "refractory_clamped", ()))

    @property
    def input_spike_takes_weight(self) -> bool:
        """Whether the wrapped `input_spike` accepts a `weight` argument."""
        try:
            params = inspect.signature(self.inner.input_spike).parameters
        except (TypeError, ValueError):
            return False
        return "weight" in params

    @property
    def observe_names(self) -> tuple[str, ...]:
        names = getattr(self.inner, "observe_names", None)
        if names is not None:
            return tuple(names)
        if getattr(self.inner, "observe", None) is None:
            return self.names
        n_obs = np.shape(self.observe(self.init_state()))[1]
        return tuple(f"obs{i}" for i in range(n_obs))

    def init_state(self, n_neurons=None):
        return jnp.asarray(self.inner.init_state(self.size if n_neurons is None else n_neurons))

    def dynamics(self, t, y, args):
        return self.inner.dynamics(t, y, args)

    def spike_condition(self, t, y, args):
        return self.inner.spike_condition(t, y, args)

    def reset_spiked(self, y, spiked_mask):
        return self.inner.reset_spiked(y, spiked_mask)

    def input_spike(self, y, from_idx, to_idx, valid_mask, weight=None):
        if weight is not None and self.input_spike_takes_weight:
            return self.inner.input_spike(y, from_idx, to_idx, valid_mask, weight=weight)
        return self.inner.input_spike(y, from_idx, to_idx, valid_mask)

    def observe(self, y):
        observe = getattr(self.inner, "observe", None)
        return y if observe is None else observe(y)

    def refractory_period(self):
        period = getattr(self.inner, "refractory_period", None)
        return 0.0 if period is None else period()
