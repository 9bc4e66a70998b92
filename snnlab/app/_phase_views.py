"""The phase-plane lab's figures: two plain Bokeh figures built once per app and updated
through the shared live path (`_live.LiveView`: new columns into the existing sources, one
message per move, no HoloViews element on the hot path). A new model or new axes relabel
the same figures; colours and arrow geometry come from `snnlab.viz`."""

from __future__ import annotations

import html

import numpy as np
from bokeh.core.properties import value
from bokeh.events import DoubleTap, Tap
from bokeh.models import (
    CDSView,
    ColumnDataSource,
    DataRange1d,
    GroupFilter,
    HoverTool,
    Legend,
    LinearColorMapper,
    Range1d,
)
from bokeh.palettes import Category20
from bokeh.plotting import figure

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
    """The fixed points as an HTML table, each class with a dot in its colour."""
    if fp is None:
        return "<i>fixed points: computing ...</i>"
    if not len(fp):
        return "<i>no fixed point in the window</i>"
    names = list(fp.state_names)
    ix, iy = names.index(x), names.index(y)
    ex, ey = html.escape(x), html.escape(y)
    rows = "".join(
        f"<tr><td>{ex} = {s[ix]:.4g}, {ey} = {s[iy]:.4g}</td><td>"
        f'<span style="color:{sv.KIND_COLORS.get(k, "#000")}">&#9679;</span> '
        f"{html.escape(k)}</td></tr>"
        for s, k in zip(fp.states, fp.kinds, strict=True)
    )
    head = "<tr><th>fixed point</th><th>class</th></tr>"
    return f'<table style="border-collapse:collapse" cellpadding="4">{head}{rows}</table>'


def _lines(paths) -> dict:
    paths = [p for p in paths if len(p) > 1]
    return {"xs": [column(p[:, 0]) for p in paths], "ys": [column(p[:, 1]) for p in paths]}


DOUBLE_CLICK_REL = 0.005
"""The second click of a double click within this fraction of the window's width and height
of the first one is the same click (it starts no second trajectory)."""


class TapEvents:
    """Clicks on the plane, in data coordinates: `add_subscriber(fn)`, and `event(x=, y=)`
    (what a click in the page calls; scripts and tests may call it too)."""

    def __init__(self):
        self._subscribers = []

    def add_subscriber(self, fn) -> None:
        """Call `fn(x=..., y=...)` (states' units) on every click."""
        self._subscribers.append(fn)

    def event(self, x=None, y=None) -> None:
        """A click at (x, y) (states' units)."""
        for fn in self._subscribers:
            fn(x=x, y=y)


_EMPTY = {
    "field": {"x0": [], "y0": [], "x1": [], "y1": []},
    "x_null": {"xs": [], "ys": []},
    "y_null": {"xs": [], "ys": []},
    "threshold": {"xs": [], "ys": []},
    "reset": {"xs": [], "ys": []},
    "jumps": {"x0": [], "y0": [], "x1": [], "y1": []},
    "paths": {"xs": [], "ys": [], "color": []},
    "starts": {"x": [], "y": []},
    "fixed": {"x": [], "y": [], "kind": []},
}


def _plane_figure(src: dict, height: int = 460):
    """The plane's figure and its legend items that name states (relabelled later)."""
    fig = figure(
        title="phase plane",
        height=height,
        sizing_mode="stretch_width",
        tools=TOOLS,
        toolbar_location="above",
        x_range=Range1d(0.0, 1.0),
        y_range=Range1d(0.0, 1.0),
    )
    fig.toolbar.logo = None
    items = []
    fig.segment("x0", "y0", "x1", "y1", source=src["field"], color="#bbbbbb", line_width=1)
    for key, color, dash, width in (
        ("x_null", sv.X_NULLCLINE_COLOR, "solid", 2),
        ("y_null", sv.Y_NULLCLINE_COLOR, "solid", 2),
        ("threshold", "#d62728", "dashed", 1),
        ("reset", "#9467bd", "dashed", 1),
    ):
        r = fig.multi_line(
            "xs", "ys", source=src[key], line_color=color, line_dash=dash, line_width=width
        )
        items.append((key, [r]))
    jumps = fig.segment(
        "x0", "y0", "x1", "y1", source=src["jumps"], color="#d62728", line_dash="dotted", alpha=0.6
    )
    items.append(("jump to reset", [jumps]))
    # one line per trajectory, its colour fixed by its index (float: an int64 column
    # reaches BokehJS as a BigInt64 buffer it fails to decode after an update)
    mapper = LinearColorMapper(palette=Category20[20], low=0, high=MAX_TRAJECTORIES - 1)
    traj = fig.multi_line(
        "xs",
        "ys",
        source=src["paths"],
        line_color={"field": "color", "transform": mapper},
        line_width=2,
        alpha=0.9,
    )
    items.append(("trajectories", [traj]))
    fig.scatter("x", "y", source=src["starts"], size=6, fill_color="white", color="black")
    # one renderer per class over one source: the legend names every class, always
    kinds = []
    for kind in an.KINDS:
        view = CDSView(filter=GroupFilter(column_name="kind", group=kind))
        r = fig.scatter(
            "x",
            "y",
            source=src["fixed"],
            view=view,
            size=12,
            line_color="black",
            fill_color=sv.KIND_COLORS[kind],
        )
        kinds.append(r)
        items.append((kind, [r]))
    hover = HoverTool(renderers=kinds, tooltips=[("x", "@x"), ("y", "@y"), ("class", "@kind")])
    fig.add_tools(hover)
    # outside the frame: a legend inside it would take the clicks meant for the plane
    legend = Legend(items=items, location="top_left", click_policy="hide", spacing=0)
    legend.label_text_font_size = "11px"
    fig.add_layout(legend, "right")
    return fig, legend, hover


class PlaneView:
    """The plane (arrows, nullclines, threshold and reset, trajectories, starts, fixed
    points) and the latest trajectory's trace, built once.

    **Attributes:** `plane` and `trace` (Bokeh figures); the `LiveView`s `plane_pipe`
    (arrows, nullclines, fixed points), `hybrid_pipe` (reset map), `traj_pipe`
    (trajectories and starts), `trace_pipe` (the trace), each with `.data` (the latest
    shown); `tap` (clicks); `x`, `y` (the state names on the axes).

    The plane's axes are `Range1d`s set to the window (`set_axes`): the window is what the
    user asked to see, so nothing drawn re-zooms it (a trajectory may leave it), a zoom of
    the user's stays until the window is edited, and the reset tool returns to the window.
    The trace's axes are `DataRange1d`s that follow its data until the user zooms.
    """

    def __init__(self):
        self.x = self.y = ""
        self.xlim = self.ylim = (0.0, 1.0)
        src = {k: ColumnDataSource(dict(v)) for k, v in _EMPTY.items()}
        self.sources = src
        self.plane, self._legend, self._hover = _plane_figure(src)
        self.tap = TapEvents()
        self._last_click = None
        # BokehJS reports a second click within 300 ms of the previous one, anywhere in the
        # plot, as a DoubleTap and not as a Tap: both are clicks on the plane
        self.plane.on_event(Tap, self._click)
        self.plane.on_event(DoubleTap, self._click)

        def plane_columns(data):
            fx = data["fixed"]
            return {
                "field": data["field"],
                "x_null": _lines(data["x_null"]),
                "y_null": _lines(data["y_null"]),
                "fixed": {
                    "x": column(fx[self.x]),
                    "y": column(fx[self.y]),
                    "kind": [str(k) for k in fx["kind"]],
                },
            }

        def hybrid_columns(data):
            j = np.asarray(data["jumps"], float).reshape(-1, 2, 2)
            segs = {"x0": j[:, 0, 0], "y0": j[:, 0, 1], "x1": j[:, 1, 0], "y1": j[:, 1, 1]}
            return {
                "threshold": _lines(data["threshold"]),
                "reset": _lines(data["reset"]),
                "jumps": {k: column(v) for k, v in segs.items()},
            }

        def traj_columns(data):
            paths = data["paths"]
            starts = np.asarray(data["starts"], float).reshape(-1, 2)
            return {
                "paths": {
                    "xs": [p[self.x] for p in paths],
                    "ys": [p[self.y] for p in paths],
                    "color": column([p["traj"] for p in paths]),
                },
                "starts": {"x": column(starts[:, 0]), "y": column(starts[:, 1])},
            }

        pick = lambda *keys: {k: src[k] for k in keys}  # noqa: E731
        self.plane_pipe = LiveView(
            self.plane, pick("field", "x_null", "y_null", "fixed"), plane_columns
        )
        self.hybrid_pipe = LiveView(self.plane, pick("threshold", "reset", "jumps"), hybrid_columns)
        self.traj_pipe = LiveView(self.plane, pick("paths", "starts"), traj_columns)

        trace = figure(
            title="latest trajectory",
            x_axis_label="t (ms)",
            height=200,
            sizing_mode="stretch_width",
            tools=TOOLS,
            x_range=DataRange1d(),
            y_range=DataRange1d(),
        )
        trace.toolbar.logo = None
        trace_src = ColumnDataSource({"t": [], "v": []})
        trace.line("t", "v", source=trace_src, color="black")
        self.trace = trace
        self.trace_pipe = LiveView(
            trace, {"trace": trace_src}, lambda d: {"trace": {"t": column(d[0]), "v": column(d[1])}}
        )
        self.clear()

    def _click(self, event) -> None:
        x, y = event.x, event.y
        if x is None or y is None:
            return
        last, self._last_click = self._last_click, (x, y)
        if isinstance(event, DoubleTap) and last is not None:
            # the second click of a real double click lands where the first one did (it
            # already started a trajectory there): closer than a few pixels is the same
            near_x = abs(x - last[0]) <= DOUBLE_CLICK_REL * abs(self.xlim[1] - self.xlim[0])
            near_y = abs(y - last[1]) <= DOUBLE_CLICK_REL * abs(self.ylim[1] - self.ylim[0])
            if near_x and near_y:
                return
        self.tap.event(x=x, y=y)

    def clear(self) -> None:
        """Empty every layer (new axes: nothing drawn belongs to them)."""
        for name, source in self.sources.items():
            source.data = dict(_EMPTY[name])
        self.trace_pipe.sources["trace"].data = {"t": [], "v": []}
        self.plane_pipe.data = {
            "field": dict(_EMPTY["field"]),
            "x_null": [],
            "y_null": [],
            "fixed": fixed_data(None, self.x, self.y),
        }
        self.hybrid_pipe.data = {"threshold": [], "reset": [], "jumps": np.zeros((0, 2, 2))}
        self.traj_pipe.data = {"paths": [], "starts": np.zeros((0, 2))}
        self.trace_pipe.data = (np.zeros(0), np.zeros(0))

    def set_axes(self, title, x, y, x_label, y_label, v_label) -> None:
        """New axes: the states' names and labels (with units), the title and the trace's
        axis label."""
        self.x, self.y = x, y
        fig = self.plane
        fig.title.text = title
        fig.xaxis.axis_label, fig.yaxis.axis_label = x_label, y_label
        self.trace.yaxis.axis_label = v_label
        names = {"x_null": f"d{x}/dt = 0", "y_null": f"d{y}/dt = 0"}
        for item, key in zip(self._legend.items[:2], ("x_null", "y_null"), strict=True):
            item.label = value(names[key])
        self._hover.tooltips = [(x_label, "@x"), (y_label, "@y"), ("class", "@kind")]

    def set_window(self, xlim, ylim) -> None:
        """Show the window `xlim` x `ylim` (states' units), also what the reset tool
        returns to."""
        self.xlim, self.ylim = tuple(map(float, xlim)), tuple(map(float, ylim))
        for rng, (lo, hi) in ((self.plane.x_range, self.xlim), (self.plane.y_range, self.ylim)):
            rng.update(start=lo, end=hi, reset_start=lo, reset_end=hi)

    def send_plane(self, arrows: dict, nullclines: an.Nullclines, fixed) -> None:
        """New arrows (`viz.arrow_segments` columns), nullclines and fixed points (one
        message)."""
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
