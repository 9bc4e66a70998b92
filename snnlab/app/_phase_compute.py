"""The phase-plane lab's work, away from the page: what one slider move or click computes
(all of it `snnlab.analysis`), as plain columns ready for the plot. Runs on the event loop
or on a pool thread: reads only its arguments."""

from __future__ import annotations

import dataclasses

import numpy as np

from .. import analysis as an
from ..analysis._projection import steady_found
from ..viz import arrow_data
from ..viz._phase import arrow_segments

MAX_TRAJECTORIES = 20
"""Trajectories kept on the plane; every batch is padded to this many starts, so adding one
never changes a shape (and never recompiles)."""

MAX_PATH_POINTS = 300
"""Points per trajectory sent to the page (and per trace): a 200 ms trajectory at
dt = 0.05 ms has 4000 steps, and 20 of them at full resolution cost the browser seconds per
update; `decimate_path` keeps points evenly spaced along the drawn curve, so the shape
on screen is the same."""


@dataclasses.dataclass(frozen=True)
class PlaneSettings:
    """What the plane is computed for besides the model: axes (state names), how other
    states are held, the window (states' units), grid sizes, and the trajectories'
    duration and step (ms)."""

    x: str
    y: str
    others: str
    xlim: tuple[float, float]
    ylim: tuple[float, float]
    grid: int
    arrows: int
    duration: float
    dt: float

    def plane(self) -> dict:
        """Keyword arguments of the `snnlab.analysis` plane functions."""
        return dict(x=self.x, y=self.y, xlim=self.xlim, ylim=self.ylim, others=self.others)


@dataclasses.dataclass
class PlaneLayers:
    """The fast layers of one redraw: arrows (`viz.arrow_segments` columns), nullclines,
    fixed points (None for a projection of a larger model: they follow with the slow
    layers)."""

    field: an.VectorField
    arrows: dict
    nullclines: an.Nullclines
    fixed: an.FixedPoints | None
    missing: float = 0.0
    """Fraction of the arrow grid where the other states have no steady state (there the
    plane is not defined and nothing is drawn)."""

    def note(self) -> str:
        """A warning for the page when part of the plane could not be computed, else ""."""
        if not self.missing:
            return ""
        proj = self.field.projection
        where = (
            "anywhere in the window"
            if self.missing >= 1
            else (f"in {100 * self.missing:.0f}% of the window")
        )
        return (
            f"No steady state of {', '.join(proj.others)} was found {where}: the "
            f"{proj.x}-{proj.y} plane is not defined there and is left blank (no arrows, "
            "nullclines or fixed points drawn there). Try holding the other states fixed."
        )


def plane_layers(model, s: PlaneSettings) -> PlaneLayers:
    """Vector field, nullclines and (for a 2-state model) fixed points of `model`."""
    kw = s.plane()
    field = an.vector_field(model, n=s.arrows, **kw)
    nc = an.nullclines(model, n=s.grid, **kw)
    fixed = None if len(model.state_names) > 2 else an.fixed_points(model, n_starts=8, **kw)
    arrows = arrow_segments(arrow_data(field, s.xlim, s.ylim), s.xlim, s.ylim, s.arrows)
    missing = 0.0
    if field.projection.others and field.projection.mode == "steady":
        gx, gy = np.meshgrid(field.x, field.y)
        points = np.stack([gx.ravel(), gy.ravel()], 1)
        missing = 1.0 - float(np.mean(steady_found(model, field.projection, points, 0.0)))
    return PlaneLayers(field, arrows, nc, fixed, missing)


def has_reset(model) -> bool:
    """Whether the model's reset moves the state (an integrate-and-fire model)."""
    y0 = model.init_state(1)
    return not np.allclose(np.asarray(model.reset_spiked(y0, np.ones(1, bool))), y0)


def run_trajectories(model, starts, s: PlaneSettings) -> list[an.Trajectory]:
    """One `Trajectory` per start (plane points), run as one batch padded to
    `MAX_TRAJECTORIES` starts."""
    starts = np.asarray(starts, float).reshape(-1, 2)
    if not len(starts):
        return []
    pad = np.repeat(starts[-1:], MAX_TRAJECTORIES - len(starts), 0)
    tr = an.trajectory(
        model,
        np.concatenate([starts, pad]),
        duration=float(s.duration),
        dt=float(s.dt),
        method=getattr(model, "method", "rk4"),
        x=s.x,
        y=s.y,
        others=s.others,
    )
    return [
        an.Trajectory(tr.t, tr.states[:, k : k + 1], [tr.spike_times[k]], tr.state_names)
        for k in range(len(starts))
    ]


def column(values) -> np.ndarray:
    """A contiguous float64 copy of a 1-D column: Bokeh's binary transfer of strided views
    reaches the page with wrong offsets ("Offset is outside the bounds of the DataView")."""
    return np.ascontiguousarray(values, dtype=np.float64)


def decimate_path(pts: np.ndarray, max_points: int = MAX_PATH_POINTS, scale=(1.0, 1.0)):
    """At most about `max_points` rows of a path `(n, 2)`, evenly spaced along its length.

    Rows of NaN (breaks between pieces, e.g. at a reset) are kept, each piece keeps its
    first and last point and gets a share of the points proportional to its length. The
    length is measured in units of `scale` (the window's width and height), so a path is
    sampled evenly as it appears on screen: a fast spike keeps its points.

    **Returns:** the decimated rows (a new contiguous float64 array).
    """
    pts = np.asarray(pts, dtype=np.float64)
    if len(pts) <= max_points:
        return np.ascontiguousarray(pts)
    bad = ~np.isfinite(pts).all(axis=1)
    edges = np.flatnonzero(np.diff(np.concatenate([[True], bad, [True]]).astype(int)))
    pieces = [(a, b) for a, b in zip(edges[::2], edges[1::2], strict=True) if b > a]
    sx, sy = (float(v) if v and np.isfinite(v) and v > 0 else 1.0 for v in scale)
    lengths, cums = [], []
    for a, b in pieces:
        d = np.hypot(np.diff(pts[a:b, 0]) / sx, np.diff(pts[a:b, 1]) / sy)
        cum = np.concatenate([[0.0], np.cumsum(d)])
        cums.append(cum)
        lengths.append(cum[-1])
    total = sum(lengths) or 1.0
    budget = max(max_points - len(pieces), 2 * len(pieces))
    out = []
    for (a, b), cum, length in zip(pieces, cums, lengths, strict=True):
        n = max(2, int(round(budget * length / total)))
        if b - a <= n or length == 0:
            keep = np.arange(a, b) if length else np.array([a, b - 1])
        else:
            idx = np.searchsorted(cum, np.linspace(0.0, length, n))
            keep = a + np.unique(np.clip(idx, 0, b - a - 1))
        if out:
            out.append(np.full((1, 2), np.nan))
        out.append(pts[np.unique(keep)])
    return np.ascontiguousarray(np.concatenate(out) if out else np.zeros((0, 2)))


def break_at_spikes(t, xs, ys, spike_times) -> np.ndarray:
    """(x, y) rows with a NaN row after every reset, so the jump is not drawn as flow."""
    pts = np.stack([xs, ys], 1)
    if len(spike_times) == 0:
        return pts
    cut = np.searchsorted(t, spike_times) - 1
    cut = cut[(cut >= 0) & (cut < len(t) - 1)]
    return np.insert(pts, cut + 1, np.nan, axis=0)


def trajectory_paths(trajs, s: PlaneSettings, resets: bool) -> list[dict]:
    """One decimated path per trajectory: columns `x`, `y` (by state name) and `traj` (its
    index, a float: an int64 column reaches BokehJS as a BigInt64 buffer it fails to decode
    after an update)."""
    scale = (np.ptp(s.xlim), np.ptp(s.ylim))
    paths = []
    for k, tr in enumerate(trajs):
        spikes = tr.spike_times[0] if resets else []
        pts = break_at_spikes(tr.t, tr[s.x][:, 0], tr[s.y][:, 0], spikes)
        pts = decimate_path(pts, MAX_PATH_POINTS, scale)
        paths.append({s.x: column(pts[:, 0]), s.y: column(pts[:, 1]), "traj": float(k)})
    return paths


def trace_columns(tr: an.Trajectory | None, duration: float):
    """(t, V) of a trajectory's first state, decimated for the trace beside the plane."""
    if tr is None:
        return np.zeros(0), np.zeros(0)
    v = tr[tr.state_names[0]][:, 0]
    finite = v[np.isfinite(v)]
    span = np.ptp(finite) if finite.size else 1.0
    trace = decimate_path(np.stack([tr.t, v], axis=1), 2 * MAX_PATH_POINTS, (duration, span))
    return column(trace[:, 0]), column(trace[:, 1])


def trajectory_columns(model, trajs, s: PlaneSettings):
    """What the page draws of `trajs`: (decimated paths as `trajectory_paths`, the latest
    trajectory's trace as `trace_columns`); broken at the resets of an integrate-and-fire
    `model`. Plain numpy: computed with the run, off the event loop."""
    resets = model is not None and has_reset(model)
    latest = trajs[-1] if trajs else None
    return trajectory_paths(trajs, s, resets), trace_columns(latest, s.duration)
