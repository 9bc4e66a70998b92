"""jaxsnn's event types (`jaxsnn.event.types`) as mutable dataclass pytrees.

jaxsnn code assigns to fields inside `lax.cond` branches (`state.input_queue.head += 1`),
so these classes are ordinary mutable dataclasses registered with JAX, not equinox
modules. Units as in jaxsnn: times in s, voltages and currents unitless.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp


def _pytree(cls):
    cls = dataclasses.dataclass(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    return jax.tree_util.register_dataclass(cls, data_fields=names, meta_fields=[])


@_pytree
class LIFState:
    """State of LIF neurons.

    **Fields:** `V` the membrane potential (unitless), `I` the synaptic current
    (unitless, in units of voltage per tau_mem).
    """

    V: Any
    I: Any  # noqa: E741 (jaxsnn's name)


@_pytree
class Spike:
    """Spikes as two arrays.

    **Fields:** `time` in s, `idx` the global neuron index (-1: no event).
    """

    time: Any
    idx: Any

    @property
    def shape(self):
        """The shape of `time`."""
        return jnp.shape(self.time)

    def __getitem__(self, key) -> Spike:
        return Spike(self.time[key], self.idx[key])


@_pytree
class EventPropSpike:
    """Spikes with the synaptic current at spike time, sorted by time.

    **Fields:** `time` in s, `idx` the global neuron index (-1: no event), `current`
    the current I of the spiking neuron just before its spike (unitless).
    """

    time: Any
    idx: Any
    current: Any

    @property
    def shape(self):
        """The shape of `time`."""
        return jnp.shape(self.time)

    def __getitem__(self, key) -> EventPropSpike:
        return EventPropSpike(self.time[key], self.idx[key], self.current[key])


@_pytree
class InputQueue:
    """Input spikes consumed in order.

    **Fields:** `spikes` (`EventPropSpike`, sorted by time), `head` the index of the next
    spike (int).
    """

    spikes: Any
    head: Any = 0

    @property
    def is_empty(self):
        """True once every spike has been consumed."""
        return self.head >= jnp.size(self.spikes.time)

    def peek(self):
        """The next spike, without consuming it (clamped to the last one when empty)."""
        return self.spikes[jnp.minimum(self.head, jnp.size(self.spikes.time) - 1)]

    def pop(self):
        """The next spike; advances `head`."""
        spike = self.peek()
        self.head = self.head + 1
        return spike

    def next_time_or_default(self, default):
        """The time of the next spike (s), or `default` when the queue is empty."""
        return jnp.where(self.is_empty, default, self.peek().time)


@_pytree
class StepState:
    """The state of one layer between events.

    **Fields:** `neuron_state` (`LIFState`), `spike_times` and `spike_mask` (per neuron;
    carried for jaxsnn compatibility, unused by snnlab's `step`), `time` in s,
    `input_queue` (`InputQueue`). jaxsnn's older three-field form
    `StepState(neuron_state=..., time=..., input_queue=...)` works too.
    """

    neuron_state: Any
    spike_times: Any = None
    spike_mask: Any = None
    time: Any = 0.0
    input_queue: Any = None


class WeightInput(NamedTuple):
    """Feed-forward weights: `input` `(n_in, n)` (jump of I per input spike, unitless)."""

    input: jax.Array


class WeightRecurrent(NamedTuple):
    """Input weights `input` `(n_in, n)` and recurrent weights `recurrent` `(n, n)` (from,
    to), unitless."""

    input: jax.Array
    recurrent: jax.Array


Weight = WeightInput | WeightRecurrent
SingleInit = Callable[[jax.Array, int], tuple[jax.Array, int, Weight]]
SingleApply = Callable[..., tuple[Any, Weight, EventPropSpike, EventPropSpike]]
SingleInitApply = tuple[SingleInit, SingleApply]
Init = Callable[[jax.Array, int], tuple[int, list[Weight]]]
Apply = Callable[..., tuple[Any, list[Weight], EventPropSpike, list[EventPropSpike]]]
InitApply = tuple[Init, Apply]
Solver = Callable[[LIFState, float, float], Spike]
LossAndRecording = tuple[Any, tuple[jax.Array, list[EventPropSpike]]]
LossFn = Callable[[list[Weight], tuple[EventPropSpike, jax.Array]], LossAndRecording]
StepInput = tuple[StepState, Weight, int]


class TestResult(NamedTuple):
    """Loss, accuracy, first spike times (s) and recording of an evaluation."""

    __test__ = False  # not a pytest class

    loss: Any
    accuracy: Any
    t_first_spike: Any
    recording: Any


class OptState(NamedTuple):
    """An optimiser state with the weights it updates."""

    opt_state: Any
    weights: Any
