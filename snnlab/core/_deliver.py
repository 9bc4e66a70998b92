"""Delivering input spikes to a model: the summed fast path or the model's `input_spike`.

The built-in models take all spikes arriving in one instant as one summed jump of their
`input_state` (`input_jump`). A model that overrides `input_spike` (the eventax
interface) gets every presynaptic spike through it instead, one source channel at a
time, with

- `from_idx`: the presynaptic index: 0..N-1 for a spike of the population itself
  (recurrent), N + j for input channel j, the channels of `simulate`'s inputs numbered
  one after the other in the order given;
- `to_idx`: every neuron of the population, `arange(N)`; `valid_mask`: the connected ones
  (a nonzero connection weight);
- `weight`: the connection weight per target times the spike count, if the override
  takes a `weight` argument. An override without it (the eventax signature) owns its
  weights: it is called once per spike and the connection weight only says who is
  connected.
"""

from __future__ import annotations

import inspect

import jax
import jax.numpy as jnp

from ._model import AbstractNeuronModel


def overrides_input_spike(model) -> bool:
    """Whether `model` defines its own `input_spike` (then the engines call it per spike).

    A model that also defines `input_jump` (a wrapper delegating both, or a model saying
    how a summed weight acts) keeps the summed path; `own_input_spike = True` on a class
    forces per-spike delivery."""
    own = getattr(model, "own_input_spike", None)
    if own is not None:
        return bool(own)
    cls = type(model)
    return (
        cls.input_spike is not AbstractNeuronModel.input_spike
        and cls.input_jump is AbstractNeuronModel.input_jump
    )


def _takes_weight(model) -> bool:
    declared = getattr(model, "input_spike_takes_weight", None)
    if declared is not None:
        return bool(declared)
    try:
        params = inspect.signature(model.input_spike).parameters
    except (TypeError, ValueError):
        return False
    return "weight" in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


def deliver(model, y, from_idx, counts, rows):
    """`y` after spikes of `counts[m]` from channel `from_idx[m]` with weights `rows[m]`.

    **Arguments:** `from_idx` int `(M,)`, `counts` float `(M,)` (0 for no spike), `rows`
    `(M, N)`: the weight of channel m onto each target (0 where not connected).
    """
    if not overrides_input_spike(model):
        return model.input_jump(y, counts.astype(rows.dtype) @ rows)
    n = y.shape[0]
    to_idx = jnp.arange(n)
    with_weight = _takes_weight(model)

    def one_channel(m, y):
        row, count = rows[m], counts[m]
        mask = row != 0

        def spike(y):
            if with_weight:
                return model.input_spike(y, from_idx[m], to_idx, mask, weight=count * row)
            return jax.lax.fori_loop(
                0,
                jnp.round(count).astype(jnp.int32),
                lambda _, y: model.input_spike(y, from_idx[m], to_idx, mask),
                y,
            )

        return jax.lax.cond(count != 0, spike, lambda y: y, y)

    return jax.lax.fori_loop(0, rows.shape[0], one_channel, y)


def receptor_count(model) -> int:
    """Receptors an input may choose on `model`: its `n_receptor`, or 1 for a model that
    takes its spikes one by one (`input_spike`) or has no such attribute."""
    if isinstance(model, AbstractNeuronModel) and overrides_input_spike(model):
        return 1
    return int(getattr(model, "n_receptor", 1))


def receptors_used(connections) -> int:
    """1 + the largest `receptor` of the spike sources in `connections` (at least 1)."""
    spiking = [c.receptor for c in connections if c.source.output_kind() != "current"]
    return 1 + max(spiking, default=0)


def jump_receptors(model, y, sums):
    """`y` after the summed weights `sums` `(R, N)`: row r jumps receptor r."""
    y = model.input_jump(y, sums[0])
    for r in range(1, sums.shape[0]):
        y = model.input_jump(y, sums[r], receptor=r)
    return y
