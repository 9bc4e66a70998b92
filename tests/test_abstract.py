"""The abstract base classes are abstract: a class missing a method fails at construction."""

from typing import ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp
import pytest

from snnlab.core import AbstractGenerator, AbstractNeuronModel, AbstractStepwiseModel, parameter


class NoDynamics(AbstractNeuronModel):
    size: int = eqx.field(static=True, default=1)
    method: str = eqx.field(static=True, default="euler")
    state_names: ClassVar[tuple[str, ...]] = ("V",)

    def init_state(self, n_neurons=None):
        return jnp.zeros((self.size, 1))

    def spike_condition(self, t, y, args):
        return y[:, 0] - 1.0

    def reset_spiked(self, y, spiked_mask):
        return y


def test_a_neuron_model_without_dynamics_fails_at_construction():
    with pytest.raises(TypeError, match="dynamics"):
        NoDynamics()


def test_a_neuron_model_without_state_names_fails_at_construction():
    class NoNames(NoDynamics):
        state_names = AbstractNeuronModel.state_names

        def dynamics(self, t, y, args):
            return jnp.zeros_like(y)

    with pytest.raises(TypeError, match="state_names"):
        NoNames()


def test_a_complete_model_constructs():
    class Complete(NoDynamics):
        def dynamics(self, t, y, args):
            return jnp.zeros_like(y)

    assert Complete().size == 1


def test_a_stepwise_model_without_step_fails_at_construction():
    class NoStep(AbstractStepwiseModel):
        size: int = eqx.field(static=True, default=1)
        state_names: ClassVar[tuple[str, ...]] = ("V",)

        def init_state(self, n_neurons=None):
            return jnp.zeros(self.size)

        def record_state(self, state):
            return state[:, None]

    with pytest.raises(TypeError, match="step"):
        NoStep()


def test_a_generator_without_values_fails_at_construction():
    class NoValues(AbstractGenerator):
        size: int = eqx.field(static=True, default=1)
        start: jax.Array = parameter(0.0, unit="ms", doc="start")
        stop: jax.Array = parameter(1.0, unit="ms", doc="stop")

    with pytest.raises(TypeError, match="values"):
        NoValues()
