"""The plane of a neuron model's state space: which two states span it, how the others are
filled in, and the field on it, evaluated in padded batches so that a new parameter value,
current or window never recompiles."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from ..core import AbstractNeuronModel
from ._root import newton_root

_DEFAULT_LIMITS_BY_UNIT = {"mV": (-100.0, 60.0), "": (0.0, 1.0), "pA": (-200.0, 800.0)}

MIN_BATCH = 256
"""Smallest padded batch of plane points; batches grow by powers of two from here."""


@dataclasses.dataclass(frozen=True)
class Projection:
    """Which two state variables span the plane and what happens to the others.

    **Attributes:**

    - `x`, `y`: state names on the axes (`y` is None for a 1-state model: a phase line).
    - `others`: the remaining state names.
    - `mode`: "steady" (each other state at its steady state given x and y, found by the
      Newton solver, so the plane's fixed points are the full model's) or "fixed" (held at
      `held`).
    - `held`: values of the other states in "fixed" mode (from `init_state` unless given),
      in the states' units.
    - `note`: the same in words, for a plot title, e.g. "m, h at steady state".
    """

    x: str
    y: str | None
    others: tuple[str, ...]
    mode: str
    held: tuple[float, ...]
    note: str


def projection(
    model: AbstractNeuronModel,
    x: str | None = None,
    y: str | None = None,
    *,
    others: str = "steady",
    held: Mapping[str, float] | None = None,
) -> Projection:
    """Choose the plane of `model` to analyse.

    **Arguments:**

    - `model`: a continuous-time neuron model.
    - `x`, `y`: state names; default the first two of `model.state_names` ("V" and the next).
    - `others`: "steady" or "fixed" (see `Projection.mode`).
    - `held`: values of other states for "fixed" mode, by name (states' units); the rest
      from `init_state`.

    **Returns:** a `Projection`.
    """
    names = tuple(model.state_names)
    x = names[0] if x is None else x
    if y is None and len(names) > 1:
        y = next(n for n in names if n != x)
    for label, name in (("x", x), ("y", y)):
        if name is not None and name not in names:
            raise ValueError(f"{label}={name!r} is not a state of {type(model).__name__}: {names}.")
    if x == y:
        raise ValueError(f"x and y must differ, got {x!r} twice.")
    if others not in ("steady", "fixed"):
        raise ValueError(f"others={others!r} must be 'steady' or 'fixed'.")
    rest = tuple(n for n in names if n not in (x, y))
    held = dict(held or {})
    unknown = set(held) - set(rest)
    if unknown:
        raise ValueError(f"held names {sorted(unknown)} are not other states; others are {rest}.")
    # init_state only when a state is off the plane (it costs about a millisecond of
    # op-by-op dispatch, and the plane's functions call this on every slider move)
    init = np.asarray(model.init_state(1))[0] if rest else ()
    values = tuple(float(held.get(n, init[names.index(n)])) for n in rest)
    if not rest:
        note = ""
    elif others == "steady":
        note = f"{', '.join(rest)} at steady state"
    else:
        note = ", ".join(f"{n} = {v:.4g}" for n, v in zip(rest, values, strict=True)) + " (held)"
    return Projection(x, y, rest, others, values, note)


def check_model(model) -> None:
    """`ValueError` unless `model` is a continuous-time neuron model."""
    if not isinstance(model, AbstractNeuronModel):
        raise ValueError(
            f"model must be a continuous-time neuron model, got {type(model).__name__}."
        )


def limits(model, name: str, given) -> tuple[float, float]:
    """The axis range of state `name`: `given`, else the model's `phase_limits`, else a
    default for the state's unit."""
    if given is not None:
        lo, hi = map(float, given)
        if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
            raise ValueError(f"limits for {name} must be (low, high) with low < high, got {given}.")
        return lo, hi
    own = getattr(model, "phase_limits", {}).get(name)
    if own is not None:
        return own
    unit = dict(zip(model.state_names, model.state_units, strict=False)).get(name, "")
    return _DEFAULT_LIMITS_BY_UNIT.get(unit, (-1.0, 1.0))


def one_rhs(model, state, current):
    """dy/dt of one neuron: state (S,) -> (S,), in the states' units per ms."""
    return model.dynamics(0.0, state[None, :], {"I": jnp.reshape(current, (1,))})[0]


def _indices(model, proj: Projection):
    names = tuple(model.state_names)
    ix = [names.index(proj.x)] + ([names.index(proj.y)] if proj.y else [])
    return jnp.array(ix), [names.index(n) for n in proj.others]


def split(proj: Projection):
    """`proj` without its held values (a hashable, static key for jit) and the held values
    as an array: a new held value is data, not a new compiled function."""
    dtype = jnp.result_type(float)
    return dataclasses.replace(proj, held=(), note=""), jnp.asarray(proj.held, dtype)


def full_state(model, proj: Projection, point, current, held=None):
    """The full state (S,) at a plane point (1 or 2,), the other states filled in (`held`:
    the held values as an array, default `proj.held`)."""
    ix, io = _indices(model, proj)
    init = model.init_state(1)[0]
    state = init.at[ix].set(point.astype(init.dtype))
    if not io:
        return state
    io = jnp.array(io)
    held = jnp.asarray(proj.held if held is None else held, init.dtype)
    state = state.at[io].set(held)
    if proj.mode == "fixed":
        return state

    def residual(z):
        return one_rhs(model, state.at[io].set(z), current)[io]

    z = newton_root(residual, state[io], max_steps=16)
    # a steady state Newton did not reach is not one: NaN, never a wrong point
    return state.at[io].set(jnp.where(converged(residual, z), z, jnp.nan))


STEADY_STEP_TOL = 1e-3
"""A steady state of the off-plane states counts as found when one more Newton step from
it would move each state by at most this fraction of (1 + its size): the residual measured
in the states' own units, whatever the rates' scale. Float32 roundoff leaves steps near
1e-6 of a state; a solver stuck far from a root leaves steps of order one."""


def converged(residual, z) -> jax.Array:
    """Whether `z` is a root of `residual` (an array function): finite, and the Newton
    step `J^-1 residual(z)` is below `STEADY_STEP_TOL` times (1 + |z|) in every entry."""
    z = jax.lax.stop_gradient(z)
    r = residual(z)
    step = jnp.linalg.solve(jax.jacfwd(residual)(z), r)
    small = jnp.abs(step) <= STEADY_STEP_TOL * (1.0 + jnp.abs(z))
    return jnp.all(jnp.isfinite(r) & jnp.isfinite(step) & small)


@eqx.filter_jit
def _found_jit(model, key, held, points, current):
    states = jax.vmap(lambda p: full_state(model, key, p, current, held))(points)
    return jnp.all(jnp.isfinite(states), axis=1)


def steady_found(model, proj: Projection, points, current) -> np.ndarray:
    """Whether the states off the plane have a steady state at each plane point.

    In "steady" mode `full_state` solves for the other states with Newton's method; where
    it does not converge (`converged`), the point has no valid projection and every layer
    computed from it (field, nullclines, fixed points, trajectories) is NaN there, so it is
    left out rather than drawn wrong. This says where that happened, so that a page can
    say so.

    **Arguments:** `model`, `proj`, `points` (P, 1 or 2) plane points (states' units),
    `current` (the model's current unit).

    **Returns:** bool array (P,); all True in "fixed" mode or without other states (a
    point whose held state is not finite excepted). One compiled function per `bucket(P)`.
    """
    points = np.asarray(points, float)
    if not len(points):
        return np.zeros(0, bool)
    dtype = jnp.result_type(float)
    padded = jnp.asarray(pad_rows(points, bucket(len(points))), dtype)
    key, held = split(proj)
    out = _found_jit(model, key, held, padded, jnp.asarray(current, dtype))
    return np.asarray(out, bool)[: len(points)]


def plane_rhs(model, proj: Projection, point, current, held=None):
    """The plane's field at `point`: (dx/dt, dy/dt) (or (dx/dt,)), states' units per ms;
    NaN where the full state is not (a steady state of the other states not found)."""
    ix, _ = _indices(model, proj)
    state = full_state(model, proj, point, current, held)
    out = one_rhs(model, state, current)[ix]
    return jnp.where(jnp.all(jnp.isfinite(state)), out, jnp.nan)


@eqx.filter_jit
def _field_jit(model, key, held, points, current):
    return jax.vmap(lambda p: plane_rhs(model, key, p, current, held))(points)


def field_on(model, proj: Projection, points, current):
    """`plane_rhs` at each row of `points` (P, 1 or 2), a JAX array; compiled once per shape
    of `points` (the held values are data)."""
    key, held = split(proj)
    return _field_jit(model, key, held, points, current)


def bucket(n: int) -> int:
    """The padded batch size for `n` points: a power of two, at least `MIN_BATCH`."""
    return max(MIN_BATCH, 1 << max(0, int(n) - 1).bit_length())


def pad_rows(points: np.ndarray, size: int) -> np.ndarray:
    """`points` (P, D) padded to `size` rows by repeating the last row (a valid point)."""
    points = np.asarray(points)
    if len(points) == size:
        return points
    fill = points[-1:] if len(points) else np.zeros((1, points.shape[1]))
    return np.concatenate([points, np.repeat(fill, size - len(points), axis=0)])


def field_at(model, proj: Projection, points, current) -> np.ndarray:
    """The plane's field at `points` (P, D) as a numpy array (P, D), evaluated in a batch
    padded to `bucket(P)`, so that P within a bucket, a new window, a new current or new
    parameter values reuse one compiled function."""
    points = np.asarray(points, float)
    dtype = jnp.result_type(float)
    padded = jnp.asarray(pad_rows(points, bucket(len(points))), dtype)
    out = field_on(model, proj, padded, jnp.asarray(current, dtype))
    return np.asarray(out, float)[: len(points)]


def grid(model, proj: Projection, xlim, ylim, n: int):
    """The `n` x `n` grid of the window: 1-D `xs`, `ys` and the points (n*n, 2), row-major
    in y (row i is ys[i])."""
    xs = np.linspace(*limits(model, proj.x, xlim), n)
    ys = np.linspace(*limits(model, proj.y, ylim), n)
    gx, gy = np.meshgrid(xs, ys)
    return xs, ys, np.stack([gx.ravel(), gy.ravel()], 1)
