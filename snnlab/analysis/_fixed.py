"""Fixed points of the plane (Newton from a grid of starts) and their class, in one
vocabulary shared by every layer."""

from __future__ import annotations

import dataclasses

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from ._projection import (
    AbstractNeuronModel,
    Projection,
    check_model,
    field_at,
    full_state,
    limits,
    one_rhs,
    pad_rows,
    plane_rhs,
    projection,
    split,
)
from ._root import newton_root

KINDS = (
    "stable node",
    "stable focus",
    "unstable node",
    "unstable focus",
    "saddle",
    "center",
    "non-hyperbolic",
)
"""Every class `classify` returns: the one vocabulary of fixed points in snnlab."""


def classify(eigenvalues, tol: float = 1e-7) -> str:
    """The class of a fixed point from its Jacobian's eigenvalues (1/ms).

    "stable node" (all real parts < 0, no rotation), "stable focus" (< 0 with complex
    eigenvalues), "unstable node", "unstable focus", "saddle" (real parts of both signs),
    "center" (purely imaginary), "non-hyperbolic" (a zero eigenvalue). A real part counts as
    zero when below `tol` times (1 + the largest modulus). One of `KINDS`.
    """
    ev = np.asarray(eigenvalues, complex)
    ev = ev[np.isfinite(ev)]
    scale = tol * (1.0 + np.max(np.abs(ev), initial=0.0))
    re, im = ev.real, np.abs(ev.imag)
    pos, neg = re > scale, re < -scale
    rotating = np.any(im > scale)
    if pos.any() and neg.any():
        return "saddle"
    if (~pos & ~neg).any():
        return "center" if rotating and not (pos.any() or neg.any()) else "non-hyperbolic"
    side = "stable" if neg.all() else "unstable"
    return f"{side} {'focus' if rotating else 'node'}"


@dataclasses.dataclass(frozen=True)
class FixedPoints:
    """Fixed points found in a window of the plane.

    **Attributes:**

    - `states`: array (K, S), the full state of each fixed point (columns `state_names`,
      states' units).
    - `eigenvalues`: array (K, S) complex (1/ms), of the full Jacobian (or the plane's
      Jacobian, padded with NaN, when other states are held fixed).
    - `kinds`: the class of each (see `classify`, one of `KINDS`).
    - `state_names`, `projection`.
    """

    states: np.ndarray
    eigenvalues: np.ndarray
    kinds: list[str]
    state_names: tuple[str, ...]
    projection: Projection

    @property
    def stable(self) -> np.ndarray:
        """Boolean (K,): all real parts of the eigenvalues negative."""
        return np.array([k.startswith("stable") for k in self.kinds], bool)

    def __len__(self):
        return len(self.kinds)

    def to_dataframe(self):
        """One row per fixed point: the states, `kind`, `stable`, `eig_0`, `eig_1`, ..."""
        import pandas as pd

        df = pd.DataFrame(self.states, columns=list(self.state_names))
        df["kind"] = self.kinds
        df["stable"] = self.stable
        for k in range(self.eigenvalues.shape[1]):
            df[f"eig_{k}"] = self.eigenvalues[:, k]
        return df


def starts(lims, n_starts: int) -> np.ndarray:
    """An `n_starts` per axis grid of Newton starts over the window, (n_starts**D, D)."""
    grids = [np.linspace(lo, hi, n_starts) for lo, hi in lims]
    mesh = np.meshgrid(*grids)
    return np.stack([m.ravel() for m in mesh], 1)


@eqx.filter_jit
def _solve_jit(model, key, held, p0, current):
    def one(p):
        q = newton_root(lambda z: plane_rhs(model, key, z, current, held), p)
        res = plane_rhs(model, key, q, current, held)
        state = full_state(model, key, q, current, held)
        full = jax.jacfwd(lambda z: one_rhs(model, z, current))(state)
        plane = jax.jacfwd(lambda z: plane_rhs(model, key, z, current, held))(q)
        ok = jnp.all(jnp.isfinite(q) & jnp.isfinite(res))
        return q, jnp.abs(res), ok, (state, full, plane)

    return jax.vmap(one)(p0)


def solve_from(model, proj: Projection, p0, current, jacobians: bool = False):
    """Newton from every row of `p0` (P, D): (roots, |residual|, finite flag, full states),
    and with `jacobians` the full and the plane Jacobians at the roots too; one compiled
    program per P either way."""
    key, held = split(proj)
    q, res, ok, (state, full, plane) = _solve_jit(model, key, held, p0, current)
    return (q, res, ok, state, full, plane) if jacobians else (q, res, ok, state)


@eqx.filter_jit
def _jacobians_jit(model, key, held, points, current):
    states = jax.vmap(lambda p: full_state(model, key, p, current, held))(points)
    full = jax.vmap(jax.jacfwd(lambda z: one_rhs(model, z, current)))(states)
    plane = jax.vmap(jax.jacfwd(lambda p: plane_rhs(model, key, p, current, held)))(points)
    return states, full, plane


def dedupe(points, lims, rel_tol: float) -> list[np.ndarray]:
    """`points` with near-duplicates (closer than `rel_tol` of the window's span) dropped."""
    span = np.array([hi - lo for lo, hi in lims])
    kept: list[np.ndarray] = []
    for p in points:
        if all(np.max(np.abs(p - q) / span) > rel_tol for q in kept):
            kept.append(p)
    return kept


def _classified(model, proj, states, full, plane) -> FixedPoints:
    names = tuple(model.state_names)
    eigs = np.full((len(states), len(names)), np.nan + 0j)
    kinds = []
    for k in range(len(states)):
        jac = full[k] if proj.mode == "steady" or not proj.others else plane[k]
        ev = np.linalg.eigvals(jac)
        eigs[k, : len(ev)] = ev
        kinds.append(classify(ev))
    return FixedPoints(np.asarray(states, float), eigs, kinds, names, proj)


def finish(model, proj: Projection, kept, cur) -> FixedPoints:
    """`FixedPoints` for the plane points `kept` (K, D): full states, eigenvalues, classes.

    The Jacobians are computed in a batch padded to 16 rows (more in steps of 16), so the
    number of fixed points never changes a compiled shape."""
    dtype = jnp.result_type(float)
    kept = np.asarray(kept, float).reshape(-1, 2 if proj.y else 1)
    size = 16 * max(1, -(-len(kept) // 16))
    key, held = split(proj)
    pts = jnp.asarray(pad_rows(kept, size), dtype)
    states, full, plane = (
        np.asarray(a, float)[: len(kept)]
        for a in _jacobians_jit(model, key, held, pts, jnp.asarray(cur, dtype))
    )
    return _classified(model, proj, states, full, plane)


def select_roots(pts, res, ok, field_scale, lims, rel_tol: float) -> np.ndarray:
    """Indices of the converged roots inside the window, each root once, sorted by x.

    Converged means a residual below 1e-4 times the field's median size in the window
    (float32 roundoff bounds the attainable residual, so a relative test is needed)."""
    small = np.all(res <= 1e-4 * field_scale + 1e-9, axis=1)
    lo = np.array([lo for lo, _ in lims])
    hi = np.array([hi for _, hi in lims])
    inside = np.all((pts >= lo) & (pts <= hi), axis=1)
    good = np.flatnonzero(ok & inside & small)
    good = good[np.argsort(pts[good, 0], kind="stable")]
    span = np.array([hi - lo for lo, hi in lims])
    kept: list[int] = []
    for i in good:
        if all(np.max(np.abs(pts[i] - pts[j]) / span) > rel_tol for j in kept):
            kept.append(int(i))
    return np.array(kept, int)


def fixed_points(
    model: AbstractNeuronModel,
    x: str | None = None,
    y: str | None = None,
    *,
    xlim=None,
    ylim=None,
    current: float = 0.0,
    n_starts: int = 12,
    others: str = "steady",
    held=None,
    rel_tol: float = 1e-4,
) -> FixedPoints:
    """Fixed points in a window, found with optimistix' Newton from a grid of starts.

    Newton's method starts from an `n_starts` x `n_starts` grid (`n_starts` points for a
    1-state model); converged roots inside the window are kept once (two roots closer than
    `rel_tol` times the window's span are the same). Each is classified from the eigenvalues
    of the Jacobian (`jax.jacfwd`): of the full model in "steady" mode (the plane's fixed
    points are then the model's), of the plane in "fixed" mode. Shapes depend on `n_starts`
    only: new values, currents or windows reuse the compiled functions.

    **Arguments:** as `vector_field` (`current` in the model's current unit), plus `n_starts`
    and `rel_tol`.

    **Returns:** `FixedPoints`, sorted by x.
    """
    check_model(model)
    proj = projection(model, x, y, others=others, held=held)
    lims = [limits(model, proj.x, xlim)] + ([limits(model, proj.y, ylim)] if proj.y else [])
    dtype = jnp.result_type(float)
    cur = jnp.asarray(current, dtype)
    p0 = starts(lims, n_starts)
    sol = solve_from(model, proj, jnp.asarray(p0, dtype), cur, jacobians=True)
    pts, res, ok = (np.asarray(a) for a in sol[:3])
    scale = np.median(np.abs(field_at(model, proj, p0, current)), axis=0)
    idx = select_roots(pts.astype(float), res, ok, scale, lims, rel_tol)
    states, full, plane = (np.asarray(a, float)[idx] for a in sol[3:])
    return _classified(model, proj, states, full, plane)
