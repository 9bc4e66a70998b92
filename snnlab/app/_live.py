"""One live-update path for every app: figures built once, new columns on each move.

    view = trace_view()                    # a Bokeh figure with its sources, built once
    pane = view.pane                       # put it in the page
    view.show({"res": res, "state": "V", "threshold": -55.0})   # each move: data only

A `LiveView` owns a Bokeh figure and its `ColumnDataSource`s. `show(data)` computes the
plain columns of the view (`snnlab.viz.trace_columns` and friends: numpy, no HoloViews
element) and assigns them to the existing sources; served, the assignments of one move
reach the browser in one message (the scheduler's callbacks hold the document, see
`_guard.in_session`). Nothing is rebuilt, so the cost on the server is the numpy work
and the serialization of the new columns.

Axes: every range is a Bokeh `DataRange1d`, computed in the browser from the data of
the glyphs. It follows the data on each update until the user pans or zooms; from then
on the user's view stays (BokehJS stops auto-ranging a range changed interactively),
and the reset tool hands the axis back to the data.

In a notebook, the new data are pushed to the output cell (`pn.io.push_notebook`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import panel as pn
from bokeh.models import (
    ColumnDataSource,
    DataRange1d,
    Div,
    HoverTool,
    LinearColorMapper,
)
from bokeh.plotting import figure

from .. import viz
from . import _guard as guard

TOOLS = "pan,wheel_zoom,box_zoom,reset,save"
_TRACE_COLOR = "#1f77b4"
_SPIKE_COLOR = "#d62728"
_GREYS = [f"#{v:02x}{v:02x}{v:02x}" for v in np.linspace(200, 0, 64).astype(int)]


def live_figure(title: str, x_label: str, y_label: str, height: int, **kw):
    """A Bokeh figure for a `LiveView`: axis labels (with units), the apps' tools, full
    width, and ranges that follow the data until the user zooms (`DataRange1d`; pass
    `x_range`/`y_range` to fix one). Other keywords go to `bokeh.plotting.figure`."""
    kw.setdefault("x_range", DataRange1d())
    kw.setdefault("y_range", DataRange1d())
    kw.setdefault("toolbar_location", "right")
    fig = figure(
        title=title,
        x_axis_label=x_label,
        y_axis_label=y_label,
        height=height,
        sizing_mode="stretch_width",
        tools=TOOLS,
        **kw,
    )
    fig.toolbar.logo = None
    return fig


class LiveView:
    """A figure whose data change in place.

    **Arguments:**

    - `fig`: the Bokeh figure (built once, glyphs attached to `sources`).
    - `sources`: its data sources by name.
    - `columns`: `(data) -> dict` mapping source names to their new columns (and any
      other keys `relabel` reads).
    - `relabel`: optional `(fig, columns) -> None`, called before the data are set, to
      change what depends on the data's structure (an axis label, a glyph's field).
    - `always`: None (default) assigns every source on each `show`; a set of source names
      makes the view send only sources whose columns changed, plus these on every `show`
      (so that a run that changes nothing still reaches the page).
    """

    def __init__(
        self,
        fig,
        sources: dict[str, ColumnDataSource],
        columns: Callable[[Any], dict],
        relabel: Callable[[Any, dict], None] | None = None,
        always=None,
    ):
        self.figure = fig
        self.sources = sources
        self._columns = columns
        self._relabel = relabel
        self.always = None if always is None else frozenset(always)
        self.data: Any = None
        """The data last shown (what `show` was given)."""
        self.updates = 0
        self.pane = pn.pane.Bokeh(fig, sizing_mode="stretch_width")

    def show(self, data) -> None:
        """Put the view of `data` into the figure's existing sources (one message)."""
        cols = self._columns(data)
        if self._relabel is not None:
            self._relabel(self.figure, cols)
        for name, source in self.sources.items():
            if name not in cols:
                continue
            if (
                self.always is None
                or name in self.always
                or not same_columns(source.data, cols[name])
            ):
                source.data = cols[name]
        self.data = data
        self.updates += 1
        if self.pane._models and not guard.in_server():
            pn.io.push_notebook(self.pane)  # a notebook's output cell (no-op elsewhere)


def same_columns(old, new) -> bool:
    """Whether two column dicts hold the same names and values (NaN equal to NaN)."""
    if set(old) != set(new):
        return False
    for name, values in new.items():
        a, b = old[name], values
        if len(a) != len(b):
            return False
        try:
            if not np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True):
                return False
        except (TypeError, ValueError):  # not numbers (or ragged): compare as they are
            if list(a) != list(b):
                return False
    return True


class LiveText:
    """A line of text that changes on every run (e.g. spike counts), as one Bokeh `Div`:
    setting `object` changes one property of an existing model. (A Markdown pane re-renders
    its HTML and rebuilds its style sheets on each change, ten times the cost.)

    `object` takes plain text in which `**...**` is bold; everything else is escaped.
    """

    def __init__(self, text: str = ""):
        self.div = Div(text="", sizing_mode="stretch_width")
        self.pane = pn.pane.Bokeh(self.div, sizing_mode="stretch_width")
        self._text = ""
        self.object = text

    @property
    def object(self) -> str:
        """The text shown (`**bold**` allowed)."""
        return self._text

    @object.setter
    def object(self, text: str) -> None:
        self._text = str(text)
        parts = guard.escape(self._text).split("**")
        html = "".join(f"<b>{p}</b>" if i % 2 else p for i, p in enumerate(parts))
        self.div.text = html
        if self.pane._models and not guard.in_server():
            pn.io.push_notebook(self.pane)


# ---- the views the apps share ---------------------------------------------------------


def trace_view(height: int = 300) -> LiveView:
    """A state trace over time (up to `viz.MAX_TRACES` neurons, NaN-separated in one line),
    a dashed threshold line and spike marks. `show` takes a `Result` or a dict of
    `viz.trace_columns` arguments (`{"res": ..., "state": "V", "threshold": -55.0}`)."""
    fig = live_figure("V trace", "t (ms)", "V", height)
    sources = {k: ColumnDataSource({"t": [], "V": []}) for k in ("trace", "threshold", "spikes")}
    lines = {
        "trace": fig.line("t", "V", source=sources["trace"], color=_TRACE_COLOR, line_width=1.5),
        "threshold": fig.line(
            "t", "V", source=sources["threshold"], color=_SPIKE_COLOR, line_dash="dashed"
        ),
        "spikes": fig.scatter(
            "t", "V", source=sources["spikes"], marker="triangle", size=7, color=_SPIKE_COLOR
        ),
    }
    hover = HoverTool(renderers=[lines["trace"]], tooltips=[("t (ms)", "@t"), ("V", "@V")])
    fig.add_tools(hover)
    fig.title.text = "V trace"

    def columns(data):
        if isinstance(data, dict):
            return viz.trace_columns(**data)
        return viz.trace_columns(data)

    def relabel(fig, cols):
        state, unit = cols["state"], cols["unit"]
        y = lines["trace"].glyph.y
        if getattr(y, "field", y) != state:
            for r in lines.values():
                r.glyph.y = state
            for source in sources.values():
                source.data = {"t": [], state: []}
            hover.tooltips = [("t (ms)", "@t"), (state, "@{" + state + "}")]
        label = f"{state} ({unit})" if unit else state
        fig.yaxis.axis_label = label
        fig.title.text = f"{state} trace"

    return LiveView(fig, sources, columns, relabel)


def raster_view(height: int = 300) -> LiveView:
    """Spike raster: one mark per spike, or spike counts per bin as an image for many
    spikes (`viz.raster_columns`). `show` takes a `Result`."""
    fig = live_figure("spike raster", "t (ms)", "neuron", height)
    sources = {
        "points": ColumnDataSource({"t": [], "neuron": []}),
        "image": ColumnDataSource({"image": [], "x": [], "y": [], "dw": [], "dh": []}),
    }
    mapper = LinearColorMapper(palette=_GREYS, low=0, high=1, nan_color=(0, 0, 0, 0))
    fig.image("image", x="x", y="y", dw="dw", dh="dh", source=sources["image"], color_mapper=mapper)
    marks = fig.scatter(
        "t",
        "neuron",
        source=sources["points"],
        marker="dash",
        angle=math.pi / 2,
        size=6,
        color="black",
    )
    fig.add_tools(HoverTool(renderers=[marks], tooltips=[("t (ms)", "@t"), ("neuron", "@neuron")]))

    def relabel(fig, cols):
        mapper.high = max(1.0, cols["high"])

    return LiveView(fig, sources, viz.raster_columns, relabel)


def histogram_view(
    columns: Callable[[Any], dict], title: str, x_label: str, y_label: str, color: str
) -> LiveView:
    """Bars from `columns(data)` (`left`, `right`, `top`, `bottom`), e.g.
    `viz.rate_columns`."""
    fig = live_figure(title, x_label, y_label, 250)
    source = ColumnDataSource({"left": [], "right": [], "top": [], "bottom": []})
    fig.quad(
        left="left",
        right="right",
        top="top",
        bottom="bottom",
        source=source,
        color=color,
        alpha=0.8,
    )
    return LiveView(fig, {"bars": source}, lambda data: {"bars": columns(data)})


def rate_view() -> LiveView:
    """Histogram of the neurons' mean firing rates (Hz); `show` takes a `Result`."""
    return histogram_view(viz.rate_columns, "firing rates", "rate (Hz)", "neurons", "#4c72b0")


def isi_view() -> LiveView:
    """Histogram of the inter-spike intervals (ms); `show` takes a `Result`."""
    return histogram_view(
        viz.isi_columns, "inter-spike intervals", "ISI (ms)", "intervals", "#55a868"
    )


class ScopeView:
    """An oscilloscope: a trace that scrolls and spike marks, fed chunk by chunk.

    `trace` and `spikes` are the two data sources (columns `t` in ms and `y`); `append`
    streams a chunk's rows into them (Bokeh sends only the new rows) and keeps the last
    `length` samples, and the marks inside that window. The x axis follows the window.
    """

    def __init__(self, height: int = 300):
        self.figure = live_figure("live", "t (ms)", "state", height)
        self.trace = ColumnDataSource({"t": [], "y": []})
        self.spikes = ColumnDataSource({"t": [], "y": []})
        self.figure.line("t", "y", source=self.trace, color=_TRACE_COLOR, line_width=1.5)
        self.figure.scatter(
            "t", "y", source=self.spikes, marker="triangle", size=7, color=_SPIKE_COLOR
        )
        self.length = 5000
        """Samples kept in the window."""
        self.pane = pn.pane.Bokeh(self.figure, sizing_mode="stretch_width")

    def clear(self, length: int) -> None:
        """Empty the scope; it will keep the last `length` samples."""
        self.length = int(length)
        self.trace.data = {"t": [], "y": []}
        self.spikes.data = {"t": [], "y": []}

    def append(self, rows: dict, marks: dict, label: str | None = None) -> None:
        """Add a chunk: `rows` and `marks` are column dicts (`t`, `y`), as
        `viz.scope_chunk` returns them; `label` names the y axis."""
        if label is not None:
            self.figure.yaxis.axis_label = label
            self.figure.title.text = f"live {label}"
        self.trace.stream({k: np.asarray(v) for k, v in rows.items()}, rollover=self.length)
        t = np.asarray(self.trace.data["t"])
        start = float(t[0]) if len(t) else 0.0
        old_t = np.asarray(self.spikes.data["t"], float)
        old_y = np.asarray(self.spikes.data["y"], float)
        new_t, new_y = np.asarray(marks["t"], float), np.asarray(marks["y"], float)
        keep = old_t >= start
        self.spikes.data = {
            "t": np.concatenate([old_t[keep], new_t]),
            "y": np.concatenate([old_y[keep], new_y]),
        }
        pane = self.pane
        if pane._models and not guard.in_server():
            pn.io.push_notebook(pane)


__all__ = [
    "ScopeView",
    "LiveText",
    "LiveView",
    "histogram_view",
    "isi_view",
    "raster_view",
    "rate_view",
    "trace_view",
]
