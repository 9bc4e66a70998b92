"""The hybrid part of an integrate-and-fire model on the plane: threshold and reset."""

from __future__ import annotations

import dataclasses

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from ._field import zero_lines
from ._projection import (
    AbstractNeuronModel,
    Projection,
    bucket,
    check_model,
    full_state,
    grid,
    pad_rows,
    projection,
    split,
)


@dataclasses.dataclass(frozen=True)
class ResetMap:
    """The hybrid part of an integrate-and-fire model drawn on the plane.

    **Attributes:**

    - `threshold`: polylines (K, 2) where the spike condition is zero (e.g. V = V_peak).
    - `reset`: polylines (K, 2): the images of the threshold points under the reset.
    - `jumps`: array (M, 2, 2): sample arrows (from threshold point, to reset point).
    - `projection`.

    All in the states' units.
    """

    threshold: list[np.ndarray]
    reset: list[np.ndarray]
    jumps: np.ndarray
    projection: Projection


@eqx.filter_jit
def _cond_and_reset_jit(model, key, held, points, current):
    names = tuple(model.state_names)
    ix = jnp.array([names.index(key.x), names.index(key.y)])
    states = jax.vmap(lambda q: full_state(model, key, q, current, held))(points)
    n = len(points)
    c = model.spike_condition(0.0, states, {"I": jnp.broadcast_to(current, (n,))})
    after = model.reset_spiked(states, jnp.ones(n, bool))
    return c, after[:, ix]


def _cond_and_reset(model, proj, points, current):
    """Spike condition at `points` (P, 2) and their images under the reset, padded batch."""
    key, held = split(proj)
    dtype = jnp.result_type(float)
    padded = jnp.asarray(pad_rows(points, bucket(len(points))), dtype)
    c, after = _cond_and_reset_jit(model, key, held, padded, jnp.asarray(current, dtype))
    return np.asarray(c, float)[: len(points)], np.asarray(after, float)[: len(points)]


def reset_map(
    model: AbstractNeuronModel,
    x: str | None = None,
    y: str | None = None,
    *,
    xlim=None,
    ylim=None,
    n: int = 200,
    n_jumps: int = 8,
    current: float = 0.0,
    others: str = "steady",
    held=None,
) -> ResetMap | None:
    """The threshold line and the jump to reset of an integrate-and-fire model.

    The threshold is the zero set of `spike_condition` in the window (traced like a
    nullcline, by contourpy); each of its points is mapped by `reset_spiked`. A model whose
    reset leaves the state unchanged (HH, Morris-Lecar, FitzHugh-Nagumo) has no reset map:
    None. Evaluated in padded batches: new values never recompile.

    **Arguments:** as `nullclines`, plus `n_jumps` sample arrows.

    **Returns:** a `ResetMap` or None.
    """
    check_model(model)
    proj = projection(model, x, y, others=others, held=held)
    if proj.y is None:
        raise ValueError("reset_map needs two state variables; this model has one.")
    xs, ys, pts = grid(model, proj, xlim, ylim, n)
    c, _ = _cond_and_reset(model, proj, pts, current)
    thresholds = zero_lines(xs, ys, c.reshape(n, n))
    if not thresholds:
        return ResetMap([], [], np.zeros((0, 2, 2)), proj)
    sizes = np.cumsum([len(line) for line in thresholds])[:-1]
    allt = np.concatenate(thresholds)
    _, allr = _cond_and_reset(model, proj, allt, current)
    if np.allclose(allt, allr):
        return None
    pick = np.linspace(0, len(allt) - 1, n_jumps).round().astype(int)
    jumps = np.stack([allt[pick], allr[pick]], axis=1)
    return ResetMap(thresholds, np.split(allr, sizes), jumps, proj)
