"""The phase-plane lab's figures, built once per set of axes from `snnlab.viz`'s phase-plane
parts; new values reach them as data (one `Pipe` per update rate, one layer per stream)."""

from __future__ import annotations

import holoviews as hv
import numpy as np

from .. import analysis as an
from .. import viz as sv
from ._phase_compute import MAX_TRAJECTORIES


def fixed_data(fp: an.FixedPoints | None, x: str, y: str) -> dict:
    """Columns of the fixed-point layer (empty while they are still being computed)."""
    if fp is None:
        return {x: np.zeros(0), y: np.zeros(0), "kind": np.zeros(0, object)}
    return sv.fixed_point_data(fp, x, y)


def fixed_table(fp: an.FixedPoints | None, x: str, y: str) -> str:
    """The fixed points as a Markdown table, each class in its colour."""
    if fp is None:
        return "*fixed points: computing ...*"
    names = list(fp.state_names)
    ix, iy = names.index(x), names.index(y)
    rows = [
        f"| {x} = {s[ix]:.4g}, {y} = {s[iy]:.4g} | "
        f'<span style="color:{sv.KIND_COLORS.get(k, "#000")}">&#9679;</span> {k} |'
        for s, k in zip(fp.states, fp.kinds, strict=True)
    ]
    if not rows:
        return "*no fixed point in the window*"
    return "| fixed point | class |\n|---|---|\n" + "\n".join(rows)


class PlaneView:
    """The plane (arrows, nullclines, threshold and reset, trajectories, starts, fixed
    points) and the latest trajectory's trace.

    **Arguments:** `title`; `xdim`, `ydim` (HoloViews dimensions with units); `xlim`,
    `ydim` (the window: it sets the axes, nothing drawn later re-zooms them, and a zoom of
    the user's stays until the window itself is edited); `vdim` (the trace's axis).

    **Attributes:** `plane`, `trace` (what the panes show), `plane_pipe`, `hybrid_pipe`,
    `traj_pipe`, `trace_pipe`, `tap` (clicks on the plane: `hv.streams.Tap`).
    """

    def __init__(self, title: str, xdim, ydim, xlim, ylim, vdim):
        x, y = xdim.name, ydim.name
        self.x, self.y = x, y
        empty_field = {"x": np.zeros(0), "y": np.zeros(0), "angle": np.zeros(0)}
        empty_field["magnitude"] = np.zeros(0)
        self.plane_pipe = hv.streams.Pipe(
            data={"field": empty_field, "x_null": [], "y_null": [], "fixed": fixed_data(None, x, y)}
        )
        self.hybrid_pipe = hv.streams.Pipe(
            data={"threshold": [], "reset": [], "jumps": np.zeros((0, 2, 2))}
        )
        self.traj_pipe = hv.streams.Pipe(data={"paths": [], "starts": np.zeros((0, 2))})

        def layer(pipe, key, fn):
            return hv.DynamicMap(lambda data: fn(data[key]), streams=[pipe])

        def path(color, label, dash="solid", width=2):
            def fn(data):
                el = sv.lines(data, xdim, ydim, color=color, label=label, dash=dash, width=width)
                return el.opts(apply_ranges=False)

            return fn

        def field(data):
            return sv.arrows(data, xdim, ydim).opts(xlim=xlim, ylim=ylim)

        def jumps(data):
            segs = [(a[0], a[1], b[0], b[1]) for a, b in np.asarray(data).reshape(-1, 2, 2)]
            return hv.Segments(segs, [xdim, ydim, "x1", "y1"], label="jump to reset").opts(
                color="#d62728", line_dash="dotted", alpha=0.6, apply_ranges=False
            )

        def fixed(data):
            return sv.fixed_points_element(data, xdim, ydim, size=12).opts(apply_ranges=False)

        # a colour dimension needs one path: an empty plane gets an invisible NaN one
        no_traj = [{x: np.full(1, np.nan), y: np.full(1, np.nan), "traj": 0.0}]

        def trajs(data):
            # Contours, not Path: a Path coloured by a value is drawn as one 2-point line per
            # step; Contours draw one line per trajectory with one colour value each
            return hv.Contours(data or no_traj, [xdim, ydim], ["traj"], label="trajectories").opts(
                color="traj",
                cmap="Category20",
                clim=(0, MAX_TRAJECTORIES - 1),  # a trajectory keeps its colour
                line_width=2,
                alpha=0.9,
                colorbar=False,
                apply_ranges=False,  # the window stays; a trajectory may leave it
            )

        def starts(data):
            return hv.Points(data, [xdim, ydim]).opts(
                color="black", marker="circle", size=6, fill_color="white", apply_ranges=False
            )

        f_map = layer(self.plane_pipe, "field", field)
        overlay = (
            f_map
            * layer(self.plane_pipe, "x_null", path(sv.X_NULLCLINE_COLOR, f"d{x}/dt = 0"))
            * layer(self.plane_pipe, "y_null", path(sv.Y_NULLCLINE_COLOR, f"d{y}/dt = 0"))
            * layer(self.hybrid_pipe, "threshold", path("#d62728", "threshold", "dashed", 1))
            * layer(self.hybrid_pipe, "reset", path("#9467bd", "reset", "dashed", 1))
            * layer(self.hybrid_pipe, "jumps", jumps)
            * layer(self.traj_pipe, "paths", trajs)
            * layer(self.traj_pipe, "starts", starts)
            * layer(self.plane_pipe, "fixed", fixed)
        )
        self.tap = hv.streams.Tap(source=f_map, x=None, y=None)
        self.plane = overlay.opts(
            title=title,
            responsive=True,
            min_height=380,
            legend_position="right",
            xlim=xlim,
            ylim=ylim,
        )
        self.trace_pipe = hv.streams.Pipe(data=([], []))
        self.trace = hv.DynamicMap(
            lambda data: hv.Curve(data, hv.Dimension("t", unit="ms"), vdim).opts(
                color="black",
                responsive=True,
                height=200,
                title="latest trajectory",
                framewise=True,
            ),
            streams=[self.trace_pipe],
        )

    def send_plane(self, arrows: dict, nullclines: an.Nullclines, fixed) -> None:
        """New arrows, nullclines and fixed points, in one event (one redraw)."""
        self.plane_pipe.send(
            {
                "field": arrows,
                "x_null": nullclines.x,
                "y_null": nullclines.y,
                "fixed": fixed_data(fixed, self.x, self.y),
            }
        )

    def send_fixed(self, fixed) -> None:
        """Fixed points that followed the rest of the plane."""
        self.plane_pipe.send({**self.plane_pipe.data, "fixed": fixed_data(fixed, self.x, self.y)})

    def send_hybrid(self, reset: an.ResetMap | None) -> None:
        """The threshold, reset line and jumps of an integrate-and-fire model (or none)."""
        self.hybrid_pipe.send(
            {
                "threshold": reset.threshold if reset else [],
                "reset": reset.reset if reset else [],
                "jumps": reset.jumps if reset is not None else np.zeros((0, 2, 2)),
            }
        )

    def send_trajectories(self, paths: list[dict], starts, trace) -> None:
        """The kept trajectories (decimated paths), their starts and the latest trace."""
        self.traj_pipe.send({"paths": paths, "starts": np.asarray(starts, float).reshape(-1, 2)})
        self.trace_pipe.send(trace)
