"""Phase plane drawing: the vector field, nullclines, fixed points and trajectories that
`snnlab.analysis` computes, as HoloViews elements. No mathematics here."""

from __future__ import annotations

import holoviews as hv
import numpy as np

from .. import analysis as an
from ..core import Result
from ._plots import state_dimension

KIND_COLORS = {
    "stable node": "#2ca02c",
    "stable focus": "#98df8a",
    "unstable node": "#d62728",
    "unstable focus": "#ff9896",
    "saddle": "#ff7f0e",
    "center": "#9467bd",
    "non-hyperbolic": "#7f7f7f",
}
"""Colour of each fixed-point class (`snnlab.analysis.KINDS`)."""

X_NULLCLINE_COLOR = "#1f77b4"
"""Colour of the x-nullcline (dx/dt = 0)."""
Y_NULLCLINE_COLOR = "#ff7f0e"
"""Colour of the y-nullcline (dy/dt = 0)."""

classify = an.classify


def arrow_data(vf: an.VectorField, xlim=None, ylim=None) -> dict[str, np.ndarray]:
    """Arrows of a `VectorField` for `hv.VectorField`: columns `x`, `y`, `angle` (rad, in
    screen space: each component divided by its window's span) and `magnitude` (0..1, log
    of the speed relative to its median, so slow and fast regions both show)."""
    xlim = (vf.x[0], vf.x[-1]) if xlim is None else xlim
    ylim = (vf.y[0], vf.y[-1]) if ylim is None else ylim
    gx, gy = np.meshgrid(vf.x, vf.y)
    nx = vf.dx / (xlim[1] - xlim[0])
    ny = vf.dy / (ylim[1] - ylim[0])
    speed = np.nan_to_num(np.hypot(nx, ny))
    ref = np.median(speed[speed > 0]) if np.any(speed > 0) else 1.0
    mag = np.log1p(speed / ref)
    mag = mag / (mag.max() if mag.max() > 0 else 1.0)
    angle = np.nan_to_num(np.arctan2(ny, nx))
    return {"x": gx.ravel(), "y": gy.ravel(), "angle": angle.ravel(), "magnitude": mag.ravel()}


def arrow_segments(data: dict, xlim, ylim, n: int, head: float = 0.3) -> dict:
    """The arrows of `arrow_data` as plain line segments (for a Bokeh `segment` glyph):
    columns `x0`, `y0`, `x1`, `y1` in data units, per arrow a shaft and two head strokes.

    The longest arrow spans 0.9 of the spacing of an `n` x `n` grid over the window
    (`xlim`, `ylim`, states' units); `head` is a head stroke's length as a fraction of its
    arrow, at 25 degrees to the shaft.
    """
    span = np.array([xlim[1] - xlim[0], ylim[1] - ylim[0]], float)
    size = np.asarray(data["magnitude"], float) * 0.9 / max(n - 1, 1)
    angle = np.asarray(data["angle"], float)
    start = np.stack([np.asarray(data["x"], float), np.asarray(data["y"], float)])
    tip = start + np.stack([np.cos(angle), np.sin(angle)]) * size * span[:, None]
    ends = [tip]
    for turn in (np.pi - 0.45, np.pi + 0.45):
        back = np.stack([np.cos(angle + turn), np.sin(angle + turn)])
        ends.append(tip + back * head * size * span[:, None])
    first = np.concatenate([start, tip, tip], axis=1)
    second = np.concatenate(ends, axis=1)
    return {"x0": first[0], "y0": first[1], "x1": second[0], "y1": second[1]}


def arrows(data, xdim, ydim) -> hv.VectorField:
    """The arrows of `arrow_data` (or a tuple of its four columns) as an `hv.VectorField`."""
    if isinstance(data, dict):
        data = (data["x"], data["y"], data["angle"], data["magnitude"])
    return hv.VectorField(data, [xdim, ydim], ["angle", "magnitude"]).opts(
        magnitude="magnitude", color="#bbbbbb", pivot="tail", line_width=1, rescale_lengths=True
    )


def lines(paths, xdim, ydim, *, color, label="", dash="solid", width=2) -> hv.Path:
    """Separate polylines (each (K, 2)), e.g. a nullcline's branches, as one `hv.Path`.
    None is an empty list (a path of no points breaks BokehJS' WebGL lines)."""
    return hv.Path([p for p in paths if len(p) > 1], [xdim, ydim], label=label).opts(
        color=color, line_width=width, line_dash=dash
    )


def fixed_point_data(fp: an.FixedPoints, x: str, y: str | None = None) -> dict:
    """Columns `x`, `y` (0 on a phase line) and `kind` of the fixed points, by state name."""
    names = list(fp.state_names)
    xs = fp.states[:, names.index(x)] if len(fp) else np.zeros(0)
    ys = fp.states[:, names.index(y)] if y is not None and len(fp) else np.zeros(len(xs))
    return {x: xs, y or "rate": ys, "kind": np.asarray(fp.kinds, dtype=object)}


def fixed_points_element(data: dict, xdim, ydim, *, size: int = 11) -> hv.Points:
    """Fixed points coloured by class (`KIND_COLORS`), with hover. No per-class legend: when
    the number of points falls, BokehJS draws a colour-mapped legend item past the end of
    its colours."""
    return hv.Points(data, [xdim, ydim], ["kind"], label="fixed points").opts(
        color="kind",
        cmap=KIND_COLORS,
        size=size,
        line_color="black",
        show_legend=False,
        tools=["hover"],
    )


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

    - `model`: a continuous-time neuron model.
    - `x`, `y`: state names (default: the first two). A model with one state variable
      gets `x` against `dx/dt` instead.
    - `res`: a `Result` whose trajectory (of `neuron`) is drawn and sets the default
      ranges and the values of the other state variables (its last sample).
    - `current`: the external input current held during the field evaluation (the model's
      current unit, pA for most).
    - `xlim`, `ylim`: the box (state units); by default from the trajectory.
    - `reference`: the full state `(S,)` whose values hold the variables not on the axes
      (default: the trajectory's last sample, else `model.init_state(1)`).
    - `grid`: arrows per axis; `resolution`: grid per axis for nullclines.

    **Returns:**

    `hv.Overlay` of a `VectorField` (direction of flow, length ~ log speed), the
    x-nullcline and y-nullcline (`Path`), the trajectory (`Curve`) and the fixed points
    (`Points` with a `kind` value from `snnlab.analysis.KINDS`), all computed by
    `snnlab.analysis`.
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
    if reference is None:
        if res is not None and all(n in res.state_names for n in names) and len(res.t):
            reference = np.array([res[n][-1, neuron] for n in names], dtype=float)
        else:
            reference = np.asarray(model.init_state(1), dtype=float)[0]
    reference = np.asarray(reference, dtype=float)
    ref = dict(zip(names, reference, strict=True))
    traj_x = (
        np.asarray(res[x][:, neuron], float) if res is not None and x in res.state_names else None
    )
    xlim = xlim or _limits(
        traj_x if traj_x is not None else np.array([ref[x]]), (ref[x] - 20, ref[x] + 20)
    )
    xdim = state_dimension(x, units.get(x, ""))
    if one_d:
        pl = an.phase_line(model, x, xlim=xlim, n=resolution, current=current)
        unit = units.get(x, "")
        ydim = hv.Dimension(f"d{x}/dt", unit=f"{unit}/ms" if unit else "1/ms")
        fp = an.fixed_points(model, x, xlim=xlim, current=current, n_starts=resolution // 4)
        data = fixed_point_data(fp, x)
        data = {xdim.name: data[x], ydim.name: np.zeros(len(fp)), "kind": data["kind"]}
        traj = (traj_x[:-1], np.diff(traj_x) / np.diff(res.t)) if traj_x is not None else ([], [])
        field = hv.Curve((pl.x, pl.dx), xdim, ydim).opts(
            color=X_NULLCLINE_COLOR,
            line_width=2,
            responsive=True,
            height=height,
            framewise=True,
            title=f"{x} against d{x}/dt",
        )
        zero = hv.HLine(0.0).opts(color="gray", line_dash="dashed")
        trajectory = hv.Curve(traj, xdim, ydim).opts(color="black", alpha=0.6)
        return field * zero * trajectory * fixed_points_element(data, xdim, ydim)
    traj_y = (
        np.asarray(res[y][:, neuron], float) if res is not None and y in res.state_names else None
    )
    ylim = ylim or _limits(
        traj_y if traj_y is not None else np.array([ref[y]]), (ref[y] - 1, ref[y] + 1)
    )
    ydim = state_dimension(y, units.get(y, ""))
    held = {n: v for n, v in ref.items() if n not in (x, y)}
    kw = dict(xlim=xlim, ylim=ylim, current=current, others="fixed", held=held)
    nc = an.nullclines(model, x, y, n=resolution, **kw)
    vf = an.vector_field(model, x, y, n=grid, **kw)
    fp = an.fixed_points(model, x, y, n_starts=8, **kw)
    xn = lines(nc.x, xdim, ydim, color=X_NULLCLINE_COLOR, label=f"d{x}/dt = 0")
    yn = lines(nc.y, xdim, ydim, color=Y_NULLCLINE_COLOR, label=f"d{y}/dt = 0")
    traj = (traj_x, traj_y) if traj_x is not None and traj_y is not None else ([], [])
    trajectory = hv.Curve(traj, xdim, ydim, label="trajectory").opts(color="black", alpha=0.7)
    points = fixed_points_element(fixed_point_data(fp, x, y), xdim, ydim)
    vectors = arrows(arrow_data(vf, xlim, ylim), xdim, ydim).opts(
        responsive=True,
        height=height,
        framewise=True,
        title=f"phase plane {x}-{y}",
        xlim=xlim,
        ylim=ylim,
        show_legend=True,
    )
    return vectors * xn * yn * trajectory * points
