"""The vector field on a grid of the plane and its nullclines (contourpy, refined on the
grid edges): every evaluation runs in padded batches, so a slider move never recompiles."""

from __future__ import annotations

import dataclasses

import contourpy
import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from ._projection import (
    AbstractNeuronModel,
    Projection,
    check_model,
    field_at,
    grid,
    limits,
    pad_rows,
    plane_rhs,
    projection,
    split,
)

REFINE_BATCH = 512
"""Nullcline points refined per call (padded): one compiled function for any number of
points, a curve longer than this is refined in several calls."""

REFINE_STEPS = 24
"""Bisection steps along a grid edge: 2**-24 of an edge, float32 resolution."""


@dataclasses.dataclass(frozen=True)
class VectorField:
    """The vector field on a grid of the plane.

    **Attributes:** `x`, `y` (1-D grids, states' units), `dx`, `dy` (arrays (ny, nx): dx/dt
    and dy/dt in the states' units per ms), `projection`.
    """

    x: np.ndarray
    y: np.ndarray
    dx: np.ndarray
    dy: np.ndarray
    projection: Projection


def _plane_grid_field(model, proj, xlim, ylim, n, current):
    if n < 2:
        raise ValueError(f"n={n} must be at least 2 grid points per axis.")
    xs, ys, pts = grid(model, proj, xlim, ylim, n)
    f = field_at(model, proj, pts, current)
    return xs, ys, f[:, 0].reshape(n, n), f[:, 1].reshape(n, n)


def vector_field(
    model: AbstractNeuronModel,
    x: str | None = None,
    y: str | None = None,
    *,
    xlim=None,
    ylim=None,
    n: int = 20,
    current: float = 0.0,
    others: str = "steady",
    held=None,
) -> VectorField:
    """Evaluate $(\\dot x, \\dot y)$ on an `n` x `n` grid.

    **Arguments:** `model`, `x`, `y`, `others`, `held` as in `projection`; `xlim`, `ylim` the
    axis ranges (states' units; defaults from the state's unit or the model's
    `phase_limits`); `n` grid points per axis; `current` the external input in the model's
    current unit (pA for most models; added to `I_e`).

    **Returns:** a `VectorField`. The grid is evaluated in a batch padded to a power of two,
    so new values of anything but `n` (and the projection) reuse the compiled function.
    """
    check_model(model)
    proj = projection(model, x, y, others=others, held=held)
    if proj.y is None:
        raise ValueError("vector_field needs two state variables; this model has one.")
    xs, ys, dx, dy = _plane_grid_field(model, proj, xlim, ylim, n, current)
    return VectorField(xs, ys, dx, dy, proj)


@dataclasses.dataclass(frozen=True)
class Nullclines:
    """Nullclines as lists of separate polylines.

    **Attributes:**

    - `x`: polylines (arrays (K, 2) of (x, y) points, states' units) where dx/dt = 0.
    - `y`: polylines where dy/dt = 0.
    - `projection`: the plane.
    - `field`: the `VectorField` on the grid they were traced on.

    Two polylines are never joined: each is a connected piece of the zero set inside the
    window. With `refine=True` the points are zeros along grid edges to float32 resolution
    (bisection), otherwise linear interpolations between grid nodes.
    """

    x: list[np.ndarray]
    y: list[np.ndarray]
    projection: Projection
    field: VectorField | None = None

    def to_dataframe(self):
        """Long table: columns `nullcline` (state name), `branch`, `x`, `y`."""
        import pandas as pd

        rows = []
        for which, lines in ((self.projection.x, self.x), (self.projection.y, self.y)):
            for b, line in enumerate(lines):
                rows.append(
                    pd.DataFrame(
                        {"nullcline": which, "branch": b, "x": line[:, 0], "y": line[:, 1]}
                    )
                )
        cols = ["nullcline", "branch", "x", "y"]
        return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=cols)


def zero_lines(xs: np.ndarray, ys: np.ndarray, z: np.ndarray) -> list[np.ndarray]:
    """The zero set of `z` (ny, nx; row i at ys[i]) as separate polylines (K, 2).

    contourpy's marching squares: each line is one connected piece, non-finite values are
    masked out (a line stops there), every point lies on a grid edge.
    """
    z = np.ma.masked_invalid(np.asarray(z, float))
    gen = contourpy.contour_generator(xs, ys, z, line_type="Separate")
    return [np.asarray(p, float) for p in gen.lines(0.0) if len(p) > 1]


def edges_of(points: np.ndarray, xs: np.ndarray, ys: np.ndarray):
    """The grid edge each contour point lies on, as its two end nodes (K, 2) and (K, 2)."""
    hx, hy = xs[1] - xs[0], ys[1] - ys[0]
    fx, fy = (points[:, 0] - xs[0]) / hx, (points[:, 1] - ys[0]) / hy
    on_row = np.abs(fy - np.round(fy)) <= np.abs(fx - np.round(fx))
    j = np.clip(np.floor(fx), 0, len(xs) - 2).astype(int)
    i = np.clip(np.floor(fy), 0, len(ys) - 2).astype(int)
    row = np.clip(np.round(fy), 0, len(ys) - 1).astype(int)
    col = np.clip(np.round(fx), 0, len(xs) - 1).astype(int)
    p0 = np.where(on_row[:, None], np.stack([xs[j], ys[row]], 1), np.stack([xs[col], ys[i]], 1))
    p1 = np.where(
        on_row[:, None], np.stack([xs[j + 1], ys[row]], 1), np.stack([xs[col], ys[i + 1]], 1)
    )
    return p0, p1


@eqx.filter_jit
def _bisect(model, key, held, p0, p1, guess, component, current):
    def f(p):
        return jax.vmap(lambda q: plane_rhs(model, key, q, current, held))(p)[
            jnp.arange(len(p)), component
        ]

    f0, f1 = f(p0), f(p1)
    # a point whose edge has no clean sign change (a node on the curve, a masked end) keeps
    # its interpolated position
    ok = jnp.isfinite(f0) & jnp.isfinite(f1) & ((f0 > 0) != (f1 > 0))

    def body(_, carry):
        lo, hi, flo = carry
        mid = 0.5 * (lo + hi)
        fm = f(mid)
        same = (fm > 0) == (flo > 0)
        return (
            jnp.where(same[:, None], mid, lo),
            jnp.where(same[:, None], hi, mid),
            jnp.where(same, fm, flo),
        )

    lo, hi, _ = jax.lax.fori_loop(0, REFINE_STEPS, body, (p0, p1, f0))
    return jnp.where(ok[:, None], 0.5 * (lo + hi), guess)


def refine(model, proj, lines, component, xs, ys, current) -> list[np.ndarray]:
    """`lines` of the zero set of field `component` moved onto the exact zeros along their
    grid edges (bisection), in padded batches of `REFINE_BATCH` points."""
    if not lines:
        return lines
    sizes = [len(line) for line in lines]
    pts = np.concatenate(lines)
    p0, p1 = edges_of(pts, xs, ys)
    key, held = split(proj)
    dtype = jnp.result_type(float)
    cur = jnp.asarray(current, dtype)
    out = []
    for a in range(0, len(pts), REFINE_BATCH):
        b = min(a + REFINE_BATCH, len(pts))
        part = [jnp.asarray(pad_rows(v[a:b], REFINE_BATCH), dtype) for v in (p0, p1, pts)]
        comp = jnp.full(REFINE_BATCH, component, jnp.int32)
        out.append(np.asarray(_bisect(model, key, held, *part, comp, cur), float)[: b - a])
    return np.split(np.concatenate(out), np.cumsum(sizes)[:-1])


def nullclines(
    model: AbstractNeuronModel,
    x: str | None = None,
    y: str | None = None,
    *,
    xlim=None,
    ylim=None,
    n: int = 200,
    current: float = 0.0,
    others: str = "steady",
    held=None,
    refine_points: bool = True,
) -> Nullclines:
    """Nullclines of the plane: the zero sets of $\\dot x$ and of $\\dot y$.

    Each component is sampled on an `n` x `n` grid and traced by contourpy's marching
    squares, which joins two crossings only inside one cell, so separate branches stay
    separate and vertical or horizontal nullclines are found like any other; each point is
    then refined by bisection along its grid edge (`refine_points`). All evaluations run in
    padded batches: a new parameter value, current or window never recompiles.

    **Arguments:** as `vector_field` (`n` default 200), plus `refine_points`.

    **Returns:** `Nullclines` (with the grid's `VectorField` as `field`).
    """
    check_model(model)
    proj = projection(model, x, y, others=others, held=held)
    if proj.y is None:
        raise ValueError("nullclines need two state variables; this model has one.")
    xs, ys, dx, dy = _plane_grid_field(model, proj, xlim, ylim, n, current)
    result = []
    for comp, z in enumerate((dx, dy)):
        lines = zero_lines(xs, ys, z)
        if refine_points:
            lines = refine(model, proj, lines, comp, xs, ys, current)
        result.append(lines)
    return Nullclines(result[0], result[1], proj, VectorField(xs, ys, dx, dy, proj))


@dataclasses.dataclass(frozen=True)
class PhaseLine:
    """The field of a 1-state model (or of one state, the others filled in) along its axis.

    **Attributes:** `x` (n,) grid in the state's unit, `dx` (n,) dx/dt in its unit per ms,
    `projection`.
    """

    x: np.ndarray
    dx: np.ndarray
    projection: Projection


def phase_line(
    model: AbstractNeuronModel,
    x: str | None = None,
    *,
    xlim=None,
    n: int = 200,
    current: float = 0.0,
    others: str = "steady",
    held=None,
) -> PhaseLine:
    """dx/dt against x on `n` points of `xlim` (padded batch: no recompile for new values).

    **Arguments:** as `vector_field`, for one state `x` (default the first; the others are
    filled in as `others` says).

    **Returns:** a `PhaseLine`.
    """
    check_model(model)
    names = tuple(model.state_names)
    x = names[0] if x is None else x
    if x not in names:
        raise ValueError(f"x={x!r} is not a state of {type(model).__name__}: {names}.")
    rest = {n_: v for n_, v in (held or {}).items() if n_ != x}
    base = projection(model, x, next((s for s in names if s != x), None), others=others)
    held_all = dict(zip(base.others, base.held, strict=True)) | rest
    if base.y is not None:
        # the other states, including the one `projection` put on the y axis, are filled in
        init = np.asarray(model.init_state(1))[0]
        held_all.setdefault(base.y, float(init[names.index(base.y)]))
    proj = Projection(x, None, tuple(held_all), others, tuple(held_all.values()), base.note)
    xs = np.linspace(*limits(model, x, xlim), n)
    dx = field_at(model, proj, xs[:, None], current)[:, 0]
    return PhaseLine(xs, dx, proj)
