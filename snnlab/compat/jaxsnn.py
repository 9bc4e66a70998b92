"""jaxsnn's names, on `snnlab.eventprop`: port jaxsnn EventProp code by changing imports.

    # from jaxsnn.event.adjoint_lif import ...           becomes
    from snnlab.compat.jaxsnn import EventPropLIF, LIFParameters, serial, ...

Covers `jaxsnn.event.adjoint_lif` (types, flows, transitions, `step_bwd`,
`construct_adjoint_apply_fn`, `filter_spikes`, `trajectory`), the layer constructors of
`jaxsnn.event.leaky_integrate_and_fire`, `jaxsnn.event.compose.serial`, the losses of
`jaxsnn.event.loss` and `jaxsnn.discrete.encode`. Units as in jaxsnn: s, unitless
voltages and weights. `LIFParameters` is `snnlab.eventprop.LIFParameters` (jaxsnn's
names and defaults). The closed-form adjoint `adjoint_lif_dynamic` uses e^{-t/tau_syn}
in the entry where jaxsnn writes e^{-t/tau_mem} (see its docstring).
"""

from functools import partial

import equinox as eqx
import jax
import jax.numpy as jnp

from ..encode import (
    constant_current_lif_encode,
    lif_current_encoder,
    one_hot,
    spatio_temporal_encode,
)
from ..eventprop import LIFParameters
from ._jaxsnn_event import (
    adjoint_lif_dynamic,
    adjoint_lif_exponential_flow,
    adjoint_transition_with_recurrence,
    adjoint_transition_without_recurrence,
    construct_adjoint_apply_fn,
    exponential_flow,
    filter_spikes,
    lif_exponential_flow,
    lif_solver,
    next_event,
    step,
    step_bwd,
    trajectory,
    transition_with_recurrence,
    transition_without_recurrence,
    ttfs_solver,
)
from ._jaxsnn_layers import (
    LIF,
    EventPropLIF,
    RecurrentEventPropLIF,
    construct_init_fn,
    construct_recurrent_init_fn,
    first_spike,
    loss_and_acc,
    loss_wrapper,
    mse_loss,
    serial,
    target_time_loss,
    ttfs_loss,
)
from ._jaxsnn_types import (
    Apply,
    EventPropSpike,
    Init,
    InitApply,
    InputQueue,
    LIFState,
    LossAndRecording,
    LossFn,
    OptState,
    SingleApply,
    SingleInit,
    SingleInitApply,
    Solver,
    Spike,
    StepInput,
    StepState,
    TestResult,
    Weight,
    WeightInput,
    WeightRecurrent,
)


class LIParameters(eqx.Module):
    """Parameters of a leaky integrator without spikes (jaxsnn's `LIParameters`).

    **Arguments:** `tau_syn` (s, default 5e-3), `tau_mem` (s, default 1e-2), `v_leak`
    (unitless, default 0).
    """

    tau_syn: jax.Array = eqx.field(converter=jnp.asarray, default=5e-3)
    tau_mem: jax.Array = eqx.field(converter=jnp.asarray, default=1e-2)
    v_leak: jax.Array = eqx.field(converter=jnp.asarray, default=0.0)

    @property
    def dynamics(self) -> jax.Array:
        """The matrix of d(V, I)/dt (1/s)."""
        return jnp.array([[-1.0 / self.tau_mem, 1.0 / self.tau_mem], [0.0, -1.0 / self.tau_syn]])


__all__ = [
    "Apply",
    "EventPropLIF",
    "EventPropSpike",
    "Init",
    "InitApply",
    "InputQueue",
    "LIF",
    "LIFParameters",
    "LIFState",
    "LIParameters",
    "LossAndRecording",
    "LossFn",
    "OptState",
    "RecurrentEventPropLIF",
    "SingleApply",
    "SingleInit",
    "SingleInitApply",
    "Solver",
    "Spike",
    "StepInput",
    "StepState",
    "TestResult",
    "Weight",
    "WeightInput",
    "WeightRecurrent",
    "adjoint_lif_dynamic",
    "adjoint_lif_exponential_flow",
    "adjoint_transition_with_recurrence",
    "adjoint_transition_without_recurrence",
    "constant_current_lif_encode",
    "construct_adjoint_apply_fn",
    "construct_init_fn",
    "construct_recurrent_init_fn",
    "exponential_flow",
    "filter_spikes",
    "first_spike",
    "lif_current_encoder",
    "lif_exponential_flow",
    "lif_solver",
    "loss_and_acc",
    "loss_wrapper",
    "mse_loss",
    "next_event",
    "one_hot",
    "partial",
    "serial",
    "spatio_temporal_encode",
    "step",
    "step_bwd",
    "target_time_loss",
    "trajectory",
    "transition_with_recurrence",
    "transition_without_recurrence",
    "ttfs_loss",
    "ttfs_solver",
]
