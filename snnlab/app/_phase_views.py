"""The phase-plane lab's figures: plain Bokeh figures built once per set of axes, updated
through the shared live path (`_live.LiveView`: new columns into the existing sources, no
HoloViews element on the hot path). Colours and arrow geometry come from `snnlab.viz`."""

from __future__ import annotations

import numpy as np
from bokeh.events import Tap
from bokeh.models import ColumnDataSource, HoverTool, LinearColorMapper, Range1d
from bokeh.palettes import Category20
from bokeh.plotting import figure
from bokeh.transform import factor_cmap

from .. import analysis as an
from .. import viz as sv
from ._live import TOOLS, LiveView
from ._phase_compute import MAX_TRAJECTORIES, column


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


def _lines(paths) -> dict:
    paths = [p for p in paths if len(p) > 1]
    return {"xs": [column(p[:, 0]) for p in paths], "ys": [column(p[:, 1]) for p in paths]}


class TapEvents:
    """Clicks on the plane, in data coordinates: `add_subscriber(fn)`, and `event(x=, y=)`
    (what a click in the page calls; scripts and tests may call it too)."""

    def __init__(self):
        self._subscribers = []

    def add_subscriber(self, fn) -> None:
        """Call `fn(x=..., y=...)` on every click."""
        self._subscribers.append(fn)

    def event(self, x=None, y=None) -> None:
        """A click at (x, y) (states' units)."""
        for fn in self._subscribers:
            fn(x=x, y=y)


class PlaneView:
    """The plane (arrows, nullclines, threshold and reset, trajectories, starts, fixed
    points) and the latest trajectory's trace.

    **Arguments:** `title`; `x`, `y` (state names) and their axis labels; `xlim`, `ylim`
    (the window: it sets the axes; nothing drawn later re-zooms them and a zoom of the
    user's stays until the window itself is edited); `arrows` (per axis); `v_label` (the
    trace's axis).

    **Attributes:** `plane` and `trace` (Bokeh figures), the `LiveView`s `plane_pipe`
    (arrows, nullclines, fixed points), `hybrid_pipe` (reset map), `traj_pipe`
    (trajectories and starts), `trace_pipe` (the trace), each with `.data` (the latest
    shown), and `tap` (clicks).
    """

    def __init__(self, title, x, y, x_label, y_label, xlim, ylim, arrows, v_label):
        self.x, self.y = x, y
        self.xlim, self.ylim, self.n_arrows = tuple(xlim), tuple(ylim), arrows
        fig = figure(
            title=title,
            x_axis_label=x_label,
            y_axis_label=y_label,
            x_range=Range1d(*xlim),
            y_range=Range1d(*ylim),
            height=460,
            sizing_mode="stretch_width",
            tools=TOOLS,
            toolbar_location="right",
        )
        fig.toolbar.logo = None
        src = {
            k: ColumnDataSource(v)
            for k, v in {
                "field": {"x0": [], "y0": [], "x1": [], "y1": []},
                "x_null": {"xs": [], "ys": []},
                "y_null": {"xs": [], "ys": []},
                "threshold": {"xs": [], "ys": []},
                "reset": {"xs": [], "ys": []},
                "jumps": {"x0": [], "y0": [], "x1": [], "y1": []},
                "paths": {"xs": [], "ys": [], "color": []},
                "starts": {"x": [], "y": []},
                "fixed": {"x": [], "y": [], "kind": []},
            }.items()
        }
        fig.segment("x0", "y0", "x1", "y1", source=src["field"], color="#bbbbbb", line_width=1)
        for key, color, label, dash, width in (
            ("x_null", sv.X_NULLCLINE_COLOR, f"d{x}/dt = 0", "solid", 2),
            ("y_null", sv.Y_NULLCLINE_COLOR, f"d{y}/dt = 0", "solid", 2),
            ("threshold", "#d62728", "threshold", "dashed", 1),
            ("reset", "#9467bd", "reset", "dashed", 1),
        ):
            fig.multi_line(
                "xs",
                "ys",
                source=src[key],
                line_color=color,
                line_dash=dash,
                line_width=width,
                legend_label=label,
            )
        fig.segment(
            "x0",
            "y0",
            "x1",
            "y1",
            source=src["jumps"],
            color="#d62728",
            line_dash="dotted",
            alpha=0.6,
            legend_label="jump to reset",
        )
        # one line per trajectory, its colour fixed by its index (float: an int64 column
        # reaches BokehJS as a BigInt64 buffer it fails to decode after an update)
        mapper = LinearColorMapper(palette=Category20[20], low=0, high=MAX_TRAJECTORIES - 1)
        fig.multi_line(
            "xs",
            "ys",
            source=src["paths"],
            line_color={"field": "color", "transform": mapper},
            line_width=2,
            alpha=0.9,
        )
        fig.scatter("x", "y", source=src["starts"], size=6, fill_color="white", color="black")
        kinds = list(sv.KIND_COLORS)
        fixed = fig.scatter(
            "x",
            "y",
            source=src["fixed"],
            size=12,
            line_color="black",
            fill_color=factor_cmap("kind", [sv.KIND_COLORS[k] for k in kinds], kinds),
        )
        fig.add_tools(
            HoverTool(renderers=[fixed], tooltips=[(x, "@x"), (y, "@y"), ("class", "@kind")])
        )
        fig.legend.location = "top_left"
        fig.legend.click_policy = "hide"
        self.tap = TapEvents()
        fig.on_event(Tap, lambda e: self.tap.event(x=e.x, y=e.y))
        self.plane = fig

        def plane_columns(data):
            fx = data["fixed"]
            return {
                "field": sv.arrow_segments(data["field"], self.xlim, self.ylim, self.n_arrows),
                "x_null": _lines(data["x_null"]),
                "y_null": _lines(data["y_null"]),
                "fixed": {"x": column(fx[x]), "y": column(fx[y]), "kind": list(fx["kind"])},
            }

        def hybrid_columns(data):
            j = np.asarray(data["jumps"], float).reshape(-1, 2, 2)
            return {
                "threshold": _lines(data["threshold"]),
                "reset": _lines(data["reset"]),
                "jumps": {
                    "x0": column(j[:, 0, 0]),
                    "y0": column(j[:, 0, 1]),
                    "x1": column(j[:, 1, 0]),
                    "y1": column(j[:, 1, 1]),
                },
            }

        def traj_columns(data):
            paths = data["paths"]
            starts = np.asarray(data["starts"], float).reshape(-1, 2)
            return {
                "paths": {
                    "xs": [p[x] for p in paths],
                    "ys": [p[y] for p in paths],
                    "color": column([p["traj"] for p in paths]),
                },
                "starts": {"x": column(starts[:, 0]), "y": column(starts[:, 1])},
            }

        pick = lambda *keys: {k: src[k] for k in keys}  # noqa: E731
        self.plane_pipe = LiveView(fig, pick("field", "x_null", "y_null", "fixed"), plane_columns)
        self.hybrid_pipe = LiveView(fig, pick("threshold", "reset", "jumps"), hybrid_columns)
        self.traj_pipe = LiveView(fig, pick("paths", "starts"), traj_columns)

        trace = figure(
            title="latest trajectory",
            x_axis_label="t (ms)",
            y_axis_label=v_label,
            height=200,
            sizing_mode="stretch_width",
            tools=TOOLS,
            x_range=Range1d(0.0, 1.0),
            y_range=Range1d(0.0, 1.0),
        )
        trace.toolbar.logo = None
        trace_src = ColumnDataSource({"t": [], "v": []})
        trace.line("t", "v", source=trace_src, color="black")
        self.trace = trace

        def follow(fig, cols):
            # the trace's axes follow its data (set here, so that they hold on the server
            # too, where a DataRange1d stays NaN)
            t, v = cols["trace"]["t"], cols["trace"]["v"]
            v = v[np.isfinite(v)]
            if len(t) and len(v):
                pad = 0.05 * (np.ptp(v) or 1.0)
                fig.x_range.update(start=float(t[0]), end=float(t[-1]))
                fig.y_range.update(start=float(v.min() - pad), end=float(v.max() + pad))

        self.trace_pipe = LiveView(
            trace,
            {"trace": trace_src},
            lambda d: {"trace": {"t": column(d[0]), "v": column(d[1])}},
            follow,
        )
        self.plane_pipe.data = {
            "field": {"x": [], "y": [], "angle": [], "magnitude": []},
            "x_null": [],
            "y_null": [],
            "fixed": fixed_data(None, x, y),
        }
        self.hybrid_pipe.data = {"threshold": [], "reset": [], "jumps": np.zeros((0, 2, 2))}
        self.traj_pipe.data = {"paths": [], "starts": np.zeros((0, 2))}
        self.trace_pipe.data = (np.zeros(0), np.zeros(0))

    def send_plane(self, arrows: dict, nullclines: an.Nullclines, fixed) -> None:
        """New arrows, nullclines and fixed points (one message)."""
        self.plane_pipe.show(
            {
                "field": arrows,
                "x_null": nullclines.x,
                "y_null": nullclines.y,
                "fixed": fixed_data(fixed, self.x, self.y),
            }
        )

    def send_fixed(self, fixed) -> None:
        """Fixed points that followed the rest of the plane."""
        self.plane_pipe.show({**self.plane_pipe.data, "fixed": fixed_data(fixed, self.x, self.y)})

    def send_hybrid(self, reset: an.ResetMap | None) -> None:
        """The threshold, reset line and jumps of an integrate-and-fire model (or none)."""
        self.hybrid_pipe.show(
            {
                "threshold": reset.threshold if reset else [],
                "reset": reset.reset if reset else [],
                "jumps": reset.jumps if reset is not None else np.zeros((0, 2, 2)),
            }
        )

    def send_trajectories(self, paths: list[dict], starts, trace) -> None:
        """The kept trajectories (decimated paths), their starts and the latest trace."""
        self.traj_pipe.show({"paths": paths, "starts": np.asarray(starts, float).reshape(-1, 2)})
        self.trace_pipe.show(trace)
