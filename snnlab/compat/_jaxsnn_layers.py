"""jaxsnn's layer constructors, `serial` and the first-spike losses, on the compat
machinery in `_jaxsnn_event`.

A layer is an `(init_fn, apply_fn)` pair; `serial` chains them. Units: times in s,
weights and voltages unitless.
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp

from ..eventprop import LIFParameters
from ._jaxsnn_event import (
    adjoint_lif_exponential_flow,
    adjoint_transition_with_recurrence,
    adjoint_transition_without_recurrence,
    construct_adjoint_apply_fn,
    lif_exponential_flow,
    lif_solver,
    next_event,
    step,
    step_bwd,
    trajectory,
    transition_with_recurrence,
    transition_without_recurrence,
)
from ._jaxsnn_types import TestResult, WeightInput, WeightRecurrent


def construct_init_fn(n_hidden: int, mean: float = 0.5, std: float = 2.0, duplication=None):
    """Initialiser of a feed-forward layer: weights drawn from N(mean, std^2).

    **Arguments:** `n_hidden` neurons; `mean`, `std` (unitless); `duplication`: if given,
    each drawn input row is repeated `duplication` times (the input size must be a
    multiple of it).

    **Returns:** `init_fn(rng, input_size) -> (rng, n_hidden, WeightInput)`.
    """

    def init_fn(rng, input_size: int):
        rng, key = jax.random.split(rng)
        rows = input_size if duplication is None else input_size // duplication
        w = mean + std * jax.random.normal(key, (rows, n_hidden))
        if duplication is not None:
            w = jnp.repeat(w, duplication, axis=0)
        return rng, n_hidden, WeightInput(w)

    return init_fn


def construct_recurrent_init_fn(n_hidden: int, mean=(0.5, 0.0), std=(2.0, 0.0), duplication=None):
    """Initialiser of a recurrent layer: input weights N(mean[0], std[0]^2), recurrent
    weights N(mean[1], std[1]^2).

    **Returns:** `init_fn(rng, input_size) -> (rng, n_hidden, WeightRecurrent)`.
    """
    ff = construct_init_fn(n_hidden, mean[0], std[0], duplication)

    def init_fn(rng, input_size: int):
        rng, n, w_in = ff(rng, input_size)
        rng, key = jax.random.split(rng)
        w_rec = mean[1] + std[1] * jax.random.normal(key, (n_hidden, n_hidden))
        return rng, n, WeightRecurrent(w_in.input, w_rec)

    return init_fn


def _forward_step(params: LIFParameters, t_max, recurrent: bool):
    dynamics = jax.vmap(lif_exponential_flow(params), in_axes=(0, None))
    solver = partial(next_event, partial(lif_solver, params))
    tr = transition_with_recurrence if recurrent else transition_without_recurrence
    return partial(step, dynamics, partial(tr, params), t_max, solver)


def _backward_step(params: LIFParameters, t_max, recurrent: bool):
    adjoint_dynamics = jax.vmap(adjoint_lif_exponential_flow(params), in_axes=(0, None))
    tr = adjoint_transition_with_recurrence if recurrent else adjoint_transition_without_recurrence
    return partial(step_bwd, adjoint_dynamics, partial(tr, params), t_max)


def LIF(n_hidden: int, n_spikes: int, t_max: float, params: LIFParameters, mean=0.5, std=2.0,
        duplication=None):  # fmt: skip
    """A feed-forward event-based LIF layer; gradients by autodiff through the events.

    **Arguments:** `n_hidden` neurons, `n_spikes` events simulated (inputs consumed plus
    own spikes), `t_max` the end (s), `params` (`LIFParameters`), `mean` / `std` of the
    initial weights.

    **Returns:** `(init_fn, apply_fn)`.
    """
    step_fn = _forward_step(params, t_max, False)
    return construct_init_fn(n_hidden, mean, std, duplication), trajectory(
        step_fn, n_hidden, n_spikes
    )


def EventPropLIF(n_hidden: int, n_spikes: int, t_max: float, params: LIFParameters, mean=0.5,
                 std=2.0, wrap_only_step: bool = False, duplication=None):  # fmt: skip
    """A feed-forward event-based LIF layer with EventProp gradients (the adjoint).

    **Arguments:** as `LIF`; `wrap_only_step` as in `construct_adjoint_apply_fn`.

    **Returns:** `(init_fn, apply_fn)`; gradients equal `snnlab.eventprop.lif_layer`'s.
    """
    apply_fn = construct_adjoint_apply_fn(
        _forward_step(params, t_max, False),
        _backward_step(params, t_max, False),
        n_hidden,
        n_spikes,
        wrap_only_step,
    )
    return construct_init_fn(n_hidden, mean, std, duplication), apply_fn


def RecurrentEventPropLIF(n_hidden: int, n_spikes: int, t_max: float, params: LIFParameters,
                          mean=(0.5, 0.0), std=(2.0, 0.0), wrap_only_step: bool = False,
                          duplication=None):  # fmt: skip
    """A recurrent event-based LIF layer with EventProp gradients.

    jaxsnn's version takes a list of layer sizes and fills quadrants of one recurrent
    matrix; here `n_hidden` is one population with a full recurrent matrix (set blocks
    of `weights.recurrent` to zero for the layered form).

    **Returns:** `(init_fn, apply_fn)` with `WeightRecurrent` weights.
    """
    apply_fn = construct_adjoint_apply_fn(
        _forward_step(params, t_max, True),
        _backward_step(params, t_max, True),
        n_hidden,
        n_spikes,
        wrap_only_step,
    )
    return construct_recurrent_init_fn(n_hidden, mean, std, duplication), apply_fn


def serial(*layers):
    """Chain layers.

    **Returns:** `init_fn(rng, input_size) -> (output_size, [weights per layer])` and
    `apply_fn(weights, spikes, external=None, carry=None) -> (carry, weights, spikes,
    recording)` with `recording` the list of each layer's spikes. Global neuron indices
    run over the input, then each layer in order.
    """
    init_fns, apply_fns = zip(*layers, strict=True)

    def init_fn(rng, input_size: int):
        weights = []
        for layer_init in init_fns:
            rng, input_size, w = layer_init(rng, input_size)
            weights.append(w)
        return input_size, weights

    def apply_fn(weights, spikes, external=None, carry=None):
        external = [None] * len(weights) if external is None else external
        recording, used = [], []
        for layer_apply, ext in zip(apply_fns, external, strict=True):
            carry, w, spikes, rec = layer_apply(weights, spikes, ext, carry)
            used.append(w)
            recording.append(rec)
        return carry, used, spikes, recording

    return init_fn, apply_fn


def first_spike(spikes, size: int, n_outputs: int) -> jax.Array:
    """First spike time (s) of each of the last `n_outputs` of `size` global indices;
    `inf` where a neuron does not fire."""
    ids = jnp.arange(size - n_outputs, size)
    hit = spikes.idx[..., None, :] == ids[:, None]
    return jnp.min(jnp.where(hit, spikes.time[..., None, :], jnp.inf), axis=-1)


def mse_loss(first_spikes, target, tau_mem) -> jax.Array:
    """Squared error of first spike times against `target` (s), in units of tau_mem;
    times are capped at 2 tau_mem."""
    return jnp.sum(jnp.square((jnp.minimum(first_spikes, 2 * tau_mem) - target) / tau_mem))


def ttfs_loss(first_spikes, target, tau_mem) -> jax.Array:
    """Cross-entropy on -first spike time / tau_mem; the correct class is the neuron with
    the smallest `target` time; times are capped at 2 tau_mem."""
    idx = jnp.argmin(target)
    t = jnp.minimum(jnp.abs(first_spikes), 2 * tau_mem)
    return -jnp.log(jnp.sum(jnp.exp((t[idx] - t) / tau_mem)))


def target_time_loss(first_spikes, target, tau_mem) -> jax.Array:
    """-sum log(1 + exp(-|t - target| / tau_mem)) over the output neurons."""
    return -jnp.sum(jnp.log1p(jnp.exp(-jnp.abs(first_spikes - target) / tau_mem)))


def loss_wrapper(apply_fn, loss_fn, tau_mem, n_neurons: int, n_outputs: int, weights, batch,
                 vmap: bool = True, external=None, carry=None):  # fmt: skip
    """Loss of a network on a batch `(input_spikes, target)`.

    **Returns:** `(loss, (first_spike_times, recording))`; with `vmap` the batch axis is
    the leading one and the loss is the batch mean.
    """
    input_spikes, target = batch
    if vmap:
        axes = (None, 0, None if external is None else 0, None)
        _, _, out, recording = jax.vmap(apply_fn, in_axes=axes)(
            weights, input_spikes, external, carry
        )
        t_first = first_spike(out, n_neurons, n_outputs)
        loss = jnp.mean(jax.vmap(loss_fn, in_axes=(0, 0, None))(t_first, target, tau_mem))
    else:
        _, _, out, recording = apply_fn(weights, input_spikes, external, carry)
        t_first = first_spike(out, n_neurons, n_outputs)
        loss = loss_fn(t_first, target, tau_mem)
    return loss, (t_first, recording)


def loss_and_acc(loss_fn, weights, dataset) -> TestResult:
    """Loss and accuracy (the neuron that fires first is the predicted class; the class
    is the smallest target time) over a dataset `(input_spikes, targets)`."""
    loss, (t_first, recording) = jax.vmap(loss_fn, in_axes=(None, 0))(weights, dataset)
    acc = jnp.argmin(dataset[1], axis=-1) == jnp.argmin(t_first, axis=-1)
    return TestResult(jnp.mean(loss), jnp.mean(acc), t_first, recording)
