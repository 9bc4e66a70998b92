"""Phase plane of any two state variables: vector field, nullclines, fixed points.

The model is only called through its vector field `model.dynamics(t, y, args)` on a
grid of states (the other state variables held at a reference state), so any
continuous-time model works without code here.
"""

from __future__ import annotations

import functools

import contourpy
import holoviews as hv
import numpy as np

from ..core import Result
from ._plots import state_dimension

_STABILITY_COLORS = {
    "stable": "#2ca02c",
    "unstable": "#d62728",
    "saddle": "#ff7f0e",
    "center": "#9467bd",
}


@functools.cache
def _jitted_dynamics():
    import equinox as eqx  # the models' own pytree library (below core)

    @eqx.filter_jit
    def dyn(model, states, current):
        return model.dynamics(0.0, states, {"I": current})

    return dyn


def _field_fn(model, ref: np.ndarray, ix: int, iy: int, current: float):
    import jax.numpy as jnp

    dyn = _jitted_dynamics()
    dtype = jnp.result_type(float)

    def f(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        shape = np.shape(x)
        xs, ys = np.ravel(x), np.ravel(y)
        states = np.repeat(ref[None, :], len(xs), axis=0)
        states[:, ix] = xs
        if iy is not None:
            states[:, iy] = ys
        d = np.asarray(
            dyn(model, jnp.asarray(states, dtype), jnp.full(len(xs), current, dtype=dtype))
        )
        dx = d[:, ix].reshape(shape)
        dy = d[:, iy].reshape(shape) if iy is not None else np.zeros(shape)
        return dx.astype(float), dy.astype(float)

    return f


def nullcline_paths(xs, ys, z) -> list[np.ndarray]:
    """Zero-level lines of `z` (shape `(len(ys), len(xs))`) as a list of `(k, 2)` arrays."""
    z = np.where(np.isfinite(z), z, np.nan)
    gen = contourpy.contour_generator(xs, ys, z, line_type="Separate")
    return [np.asarray(p) for p in gen.lines(0.0) if len(p) > 1]


def _segment_intersections(a: list[np.ndarray], b: list[np.ndarray]) -> np.ndarray:
    if not a or not b:
        return np.zeros((0, 2))
    sa = np.concatenate([np.stack([p[:-1], p[1:]], axis=1) for p in a])
    sb = np.concatenate([np.stack([p[:-1], p[1:]], axis=1) for p in b])
    p, r = sa[:, None, 0], sa[:, None, 1] - sa[:, None, 0]
    q, s = sb[None, :, 0], sb[None, :, 1] - sb[None, :, 0]
    denom = r[..., 0] * s[..., 1] - r[..., 1] * s[..., 0]
    qp = q - p
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (qp[..., 0] * s[..., 1] - qp[..., 1] * s[..., 0]) / denom
        u = (qp[..., 0] * r[..., 1] - qp[..., 1] * r[..., 0]) / denom
    hit = (denom != 0) & (t >= 0) & (t <= 1) & (u >= 0) & (u <= 1)
    i, j = np.nonzero(hit)
    return p[i, 0] + t[i, j][:, None] * r[i, 0]


def _value_and_jacobian(f, x, y, hx, hy):
    """f at (x, y) and its finite-difference Jacobian, from one batched call of 5 points."""
    fx, fy = f(np.array([x, x + hx, x - hx, x, x]), np.array([y, y, y, y + hy, y - hy]))
    jac = np.array(
        [
            [(fx[1] - fx[2]) / (2 * hx), (fx[3] - fx[4]) / (2 * hy)],
            [(fy[1] - fy[2]) / (2 * hx), (fy[3] - fy[4]) / (2 * hy)],
        ]
    )
    return np.array([fx[0], fy[0]]), jac


def classify(jac: np.ndarray) -> str:
    """ "stable", "unstable", "saddle" or "center" from the eigenvalues of a Jacobian."""
    ev = np.linalg.eigvals(jac)
    re = ev.real
    tol = 1e-9 * max(1.0, float(np.max(np.abs(ev))))
    if np.all(re < -tol):
        return "stable"
    if np.all(re > tol):
        return "unstable"
    if np.any(re > tol) and np.any(re < -tol):
        return "saddle"
    return "center"


def fixed_points(f, xlim, ylim, x_null, y_null, *, newton_steps: int = 20):
    """Fixed points of the 2-D field `f` inside the box, with their stability.

    Candidates are intersections of the two nullclines, refined by Newton's method with a
    finite-difference Jacobian. Returns a list of `(x, y, stability)`.
    """
    hx = (xlim[1] - xlim[0]) * 1e-5
    hy = (ylim[1] - ylim[0]) * 1e-5
    found: list[tuple[float, float, str]] = []
    for x, y in _segment_intersections(x_null, y_null):
        for _ in range(newton_steps):
            value, jac = _value_and_jacobian(f, x, y, hx, hy)
            try:
                step = np.linalg.solve(jac, -value)
            except np.linalg.LinAlgError:
                break
            x, y = x + step[0], y + step[1]
            if abs(step[0]) < hx * 1e-3 and abs(step[1]) < hy * 1e-3:
                break
        if (
            not (xlim[0] <= x <= xlim[1] and ylim[0] <= y <= ylim[1])
            or not np.isfinite([x, y]).all()
        ):
            continue
        if any(
            abs(x - a) < 1e-3 * (xlim[1] - xlim[0]) and abs(y - b) < 1e-3 * (ylim[1] - ylim[0])
            for a, b, _ in found
        ):
            continue
        found.append((float(x), float(y), classify(_value_and_jacobian(f, x, y, hx, hy)[1])))
    return found


def _limits(values: np.ndarray, fallback: tuple[float, float]) -> tuple[float, float]:
    v = values[np.isfinite(values)]
    if v.size == 0:
        return fallback
    lo, hi = float(v.min()), float(v.max())
    pad = 0.1 * (hi - lo) if hi > lo else max(abs(lo) * 0.2, 1.0)
    return lo - pad, hi + pad


def phase_plane(
    model,
    x: str | None = None,
    y: str | None = None,
    *,
    res: Result | None = None,
    current: float = 0.0,
    xlim: tuple[float, float] | None = None,
    ylim: tuple[float, float] | None = None,
    reference=None,
    neuron: int = 0,
    grid: int = 20,
    resolution: int = 120,
    height: int = 350,
) -> hv.Overlay:
    """Phase plane of two state variables of a continuous-time model.

    **Arguments:**

    - `model`: a continuous-time neuron model (it needs `dynamics`, `state_names`,
      `init_state`).
    - `x`, `y`: state names (default: the first two). A model with one state variable
      gets `x` against `dx/dt` instead.
    - `res`: a `Result` whose trajectory (of `neuron`) is drawn and sets the default
      ranges and the values of the other state variables (its last sample).
    - `current`: the external input current held during the field evaluation (pA).
    - `xlim`, `ylim`: the box (state units); by default from the trajectory.
    - `reference`: the full state `(S,)` for the variables not on the axes (default:
      the trajectory's last sample, else `model.init_state(1)`).
    - `grid`: arrows per axis; `resolution`: grid per axis for nullclines.

    **Returns:**

    `hv.Overlay` of a `VectorField` (direction of flow, length ~ log speed), the
    x-nullcline and y-nullcline (`Path`), the trajectory (`Curve`) and the fixed points
    (`Points` with a `stability` value: stable, unstable, saddle, center).
    """
    names = tuple(model.state_names)
    units = dict(zip(names, getattr(model, "state_units", ("",) * len(names)), strict=False))
    x = x or names[0]
    one_d = len(names) < 2 and y is None
    if not one_d:
        y = y or next(n for n in names if n != x)
    for name in (x,) if one_d else (x, y):
        if name not in names:
            raise ValueError(f"phase_plane: {name!r} is not a state of this model; use {names}.")
    ix = names.index(x)
    iy = None if one_d else names.index(y)
    if reference is None:
        if res is not None and all(n in res.state_names for n in names) and len(res.t):
            reference = np.array([res[n][-1, neuron] for n in names], dtype=float)
        else:
            reference = np.asarray(model.init_state(1), dtype=float)[0]
    reference = np.asarray(reference, dtype=float).copy()
    f = _field_fn(model, reference, ix, iy, current)
    traj_x = (
        np.asarray(res[x][:, neuron], float) if res is not None and x in res.state_names else None
    )
    traj_y = None
    if res is not None and not one_d and y in res.state_names:
        traj_y = np.asarray(res[y][:, neuron], float)
    xlim = xlim or _limits(
        traj_x if traj_x is not None else np.array([reference[ix]]),
        (reference[ix] - 20, reference[ix] + 20),
    )
    xdim = state_dimension(x, units.get(x, ""))
    if one_d:
        xs = np.linspace(*xlim, resolution)
        dx, _ = f(xs, np.zeros_like(xs))
        unit = units.get(x, "")
        ydim = hv.Dimension(f"d{x}/dt", unit=f"{unit}/ms" if unit else "1/ms")
        zeros = np.nonzero(np.diff(np.sign(dx)) != 0)[0]
        fps = []
        for k in zeros:
            x0 = xs[k] - dx[k] * (xs[k + 1] - xs[k]) / (dx[k + 1] - dx[k])
            slope = (dx[k + 1] - dx[k]) / (xs[k + 1] - xs[k])
            fps.append((x0, 0.0, "stable" if slope < 0 else "unstable"))
        traj = (traj_x[:-1], np.diff(traj_x) / np.diff(res.t)) if traj_x is not None else ([], [])
        field = hv.Curve((xs, dx), xdim, ydim).opts(
            color="#1f77b4",
            line_width=2,
            responsive=True,
            height=height,
            framewise=True,
            title=f"{x} against d{x}/dt",
        )
        zero = hv.HLine(0.0).opts(color="gray", line_dash="dashed")
        trajectory = hv.Curve(traj, xdim, ydim).opts(color="black", alpha=0.6)
        points = _fp_points(fps, xdim, ydim)
        return field * zero * trajectory * points
    ylim = ylim or _limits(
        traj_y if traj_y is not None else np.array([reference[iy]]),
        (reference[iy] - 1, reference[iy] + 1),
    )
    ydim = state_dimension(y, units.get(y, ""))
    xs = np.linspace(*xlim, resolution)
    ys = np.linspace(*ylim, resolution)
    gx, gy = np.meshgrid(xs, ys)
    fx, fy = f(gx, gy)
    x_null = nullcline_paths(xs, ys, fx)
    y_null = nullcline_paths(xs, ys, fy)
    ax = np.linspace(*xlim, grid)
    ay = np.linspace(*ylim, grid)
    vx, vy = np.meshgrid(ax, ay)
    ux, uy = f(vx, vy)
    nx = ux / (xlim[1] - xlim[0])
    ny = uy / (ylim[1] - ylim[0])
    speed = np.hypot(nx, ny)
    mag = np.log1p(speed / (np.nanmedian(speed[speed > 0]) if np.any(speed > 0) else 1.0))
    mag = np.nan_to_num(mag / (np.nanmax(mag) if np.nanmax(mag) > 0 else 1.0))
    # arrows are drawn in screen space: the angle uses the normalised components
    vectors = hv.VectorField(
        (vx.ravel(), vy.ravel(), np.arctan2(ny, nx).ravel(), mag.ravel()),
        [xdim, ydim],
        ["angle", "magnitude"],
    ).opts(magnitude="magnitude", color="#bbbbbb", pivot="tail", line_width=1, rescale_lengths=True)
    fps = fixed_points(f, xlim, ylim, x_null, y_null)
    xn = hv.Path(
        [p for p in x_null] or [np.zeros((0, 2))], [xdim, ydim], label=f"d{x}/dt = 0"
    ).opts(color="#1f77b4", line_width=2)
    yn = hv.Path(
        [p for p in y_null] or [np.zeros((0, 2))], [xdim, ydim], label=f"d{y}/dt = 0"
    ).opts(color="#ff7f0e", line_width=2)
    traj = (traj_x, traj_y) if traj_x is not None and traj_y is not None else ([], [])
    trajectory = hv.Curve(traj, xdim, ydim, label="trajectory").opts(color="black", alpha=0.7)
    points = _fp_points(fps, xdim, ydim)
    vectors = vectors.opts(
        responsive=True,
        height=height,
        framewise=True,
        title=f"phase plane {x}-{y}",
        xlim=xlim,
        ylim=ylim,
        show_legend=True,
    )
    return vectors * xn * yn * trajectory * points


def _fp_points(fps, xdim, ydim) -> hv.Points:
    data = {
        xdim.name: np.array([p[0] for p in fps], dtype=float),
        ydim.name: np.array([p[1] for p in fps], dtype=float),
        "stability": np.array([p[2] for p in fps], dtype=object),
    }
    return hv.Points(data, [xdim, ydim], ["stability"], label="fixed points").opts(
        color="stability",
        cmap=_STABILITY_COLORS,
        size=11,
        line_color="black",
        tools=["hover"],
    )
