"""The sensitivity lab's plots: Bokeh figures built once, new columns on each move.

Each is a `_live.LiveView`: `show(data)` assigns the new columns to the figure's existing
sources (and, when the parameters or methods change, the bars' categories), and the axes
follow the data until the user zooms.
"""

from __future__ import annotations

import math

import numpy as np
from bokeh.models import ColumnDataSource, DataRange1d, FactorRange, HoverTool
from bokeh.transform import factor_cmap

from ._live import LiveView, live_figure

METHOD_COLORS = {"exact": "#1f77b4", "stepped": "#ff7f0e", "surrogate": "#2ca02c"}
"""Bar colour of each gradient method."""

OUTPUT_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c")
"""Line colour of each output neuron of the EventProp demo."""


def _figure(title: str, x_label: str, y_label: str, height: int, **kw):
    fig = live_figure(title, x_label, y_label, height, **kw)
    fig.grid.grid_line_alpha = 0.5
    return fig


def bars_view() -> LiveView:
    """Sensitivity bars grouped by parameter, one bar per gradient method.

    `show` takes `{"rows": [(parameter label, method, height), ...], "y_label": str}`:
    the parameter label states its unit, the height is in the unit the y label states.
    """
    fig = _figure(
        "sensitivity by JAX autodiff: which knob matters here",
        "parameter (unit), method",
        "d",
        360,
        x_range=FactorRange(factors=[]),
        y_range=DataRange1d(),
    )
    source = ColumnDataSource({"x": [], "parameter": [], "method": [], "d": []})
    fill = factor_cmap("method", list(METHOD_COLORS.values()), list(METHOD_COLORS))
    bars = fig.vbar(x="x", top="d", width=0.8, source=source, fill_color=fill, line_color=None)
    fig.add_tools(
        HoverTool(
            renderers=[bars],
            tooltips=[("parameter", "@parameter"), ("method", "@method"), ("d", "@d")],
        )
    )
    fig.xaxis.major_label_orientation = math.pi / 4
    fig.xaxis.group_label_orientation = math.pi / 4
    fig.xgrid.grid_line_color = None

    def columns(data):
        rows = data["rows"]
        x = [(p, m) for p, m, _ in rows]
        bars = {
            "x": x,
            "parameter": [p for p, _, _ in rows],
            "method": [m for _, m, _ in rows],
            "d": np.array([h for _, _, h in rows], float),
        }
        return {"bars": bars, "factors": x, "y_label": data["y_label"]}

    def relabel(fig, cols):
        if list(fig.x_range.factors) != cols["factors"]:
            fig.x_range.factors = cols["factors"]
        if fig.yaxis.axis_label != cols["y_label"]:
            fig.yaxis.axis_label = cols["y_label"]

    return LiveView(fig, {"bars": source}, columns, relabel)


def _history(data, key):
    steps = np.asarray(data["steps"], float) if data else np.zeros(0)
    values = np.asarray(data[key], float) if data else np.zeros(0)
    return steps, values


def spike_times_view(n_out: int) -> LiveView:
    """First spike times of the `n_out` outputs over training (ms) and their targets
    (dashed, drawn over the steps so far, so the y axis keeps them in view).

    `show` takes `{"steps": (n,), "times": (n, n_out) ms, "targets": (n_out,) ms}`."""
    fig = _figure(
        "output spike times (dashed: targets)",
        "training step (count)",
        "first spike time (ms)",
        260,
        x_range=DataRange1d(),
        y_range=DataRange1d(),
    )
    sources = {}
    for j in range(n_out):
        color = OUTPUT_COLORS[j % len(OUTPUT_COLORS)]
        line, target = f"output {j}", f"target {j}"
        sources[line] = ColumnDataSource({"step": [], "t": []})
        sources[target] = ColumnDataSource({"step": [], "t": []})
        fig.line("step", "t", source=sources[line], color=color, line_width=2, legend_label=line)
        fig.scatter("step", "t", source=sources[line], color=color, size=5, legend_label=line)
        fig.line("step", "t", source=sources[target], color=color, line_dash="dashed")
    fig.add_layout(fig.legend[0], "right")

    def columns(data):
        steps, _ = _history(data, "steps")
        times = np.asarray(data["times"], float).reshape(len(steps), n_out)
        ends = np.array([steps[0], max(steps[-1], steps[0] + 1)]) if len(steps) else np.zeros(0)
        cols = {}
        for j, target in enumerate(np.asarray(data["targets"], float)):
            cols[f"output {j}"] = {"step": steps, "t": times[:, j]}
            cols[f"target {j}"] = {"step": ends, "t": np.full(ends.size, target)}
        return cols

    return LiveView(fig, sources, columns)


LOSS_FLOOR = 1e-6
"""Losses (ms²) below this are drawn at it on the log axis."""


def loss_view() -> LiveView:
    """The training loss (ms², log axis) by step. `show` takes `{"steps", "loss"}`."""
    fig = _figure(
        "loss: mean squared spike-time error",
        "training step (count)",
        "loss (ms²)",
        200,
        x_range=DataRange1d(),
        y_range=DataRange1d(),
        y_axis_type="log",
    )
    source = ColumnDataSource({"step": [], "loss": []})
    fig.line("step", "loss", source=source, color="#1f77b4", line_width=2)
    fig.scatter("step", "loss", source=source, color="#1f77b4", size=5)  # one step: a dot

    def columns(data):
        steps, loss = _history(data, "loss")
        return {"loss": {"step": steps, "loss": np.maximum(loss, LOSS_FLOOR)}}

    return LiveView(fig, {"loss": source}, columns)


__all__ = ["LOSS_FLOOR", "METHOD_COLORS", "bars_view", "loss_view", "spike_times_view"]
