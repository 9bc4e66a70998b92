"""The event-vs-clock lab's plots: Bokeh figures built once, fed new columns on each run.

Three `_live.LiveView`s: the membrane potential of both engines with the threshold, the
spike times of both overlaid (sharing the time axis of the first), and the spike-time
error against dt on log axes with slope guides and the rounding level. Every range is a
`DataRange1d`: it follows the data until the user zooms (see `snnlab.app._live`).
"""

from __future__ import annotations

import numpy as np
from bokeh.models import ColumnDataSource, Span

from ..core import METHODS
from ._lab_event_clock_compute import DTS, ERROR_FLOOR
from ._live import LiveView, live_figure

COLORS = {"euler": "#d62728", "exp_euler": "#2ca02c", "rk4": "#1f77b4", "rkf45": "#9467bd"}
"""Colour of each integrator on the error plot."""

SWEEP_TITLE = "spike-time error against dt"
SWEEP_STATES = {
    "current": "",
    "updating": " (updating...)",
    "failed": " (not updated: see the message)",
}
"""Appended to the error plot's title: while its sweep is computed for newer values, or
when that sweep failed (the curves are then those of earlier values)."""

SLOPES = ((1, "dotted"), (4, "dotdash"))
"""Orders of the slope guides and their dashes."""


_figure = live_figure


def _empty(*names) -> ColumnDataSource:
    return ColumnDataSource({n: [] for n in names})


def traces_view() -> LiveView:
    """V of both engines (mV) and the threshold line. `show` takes `{"exact": Result,
    "stepped": Result, "vth": mV, "duration": ms}`."""
    fig = _figure("membrane potential", "t (ms)", "V (mV)", 280)
    fig.grid.grid_line_alpha = 0.5
    sources = {k: _empty("t", "V") for k in ("event", "stepped", "threshold")}
    fig.line("t", "V", source=sources["event"], color="black", line_width=1.5,
             legend_label="event engine")  # fmt: skip
    fig.line("t", "V", source=sources["stepped"], color="#1f77b4", line_dash="dashed",
             line_width=1.5, legend_label="stepped engine")  # fmt: skip
    fig.line("t", "V", source=sources["threshold"], color="grey", line_dash="dotted",
             legend_label="threshold")  # fmt: skip
    fig.legend.location = "bottom_right"

    def columns(data):
        ex, st = data["exact"], data["stepped"]
        ends = np.array([0.0, float(data["duration"])])
        return {
            "event": {"t": np.asarray(ex.t, float), "V": np.asarray(ex["V"][:, 0], float)},
            "stepped": {"t": np.asarray(st.t, float), "V": np.asarray(st["V"][:, 0], float)},
            "threshold": {"t": ends, "V": np.full(2, float(data["vth"]))},
        }

    return LiveView(fig, sources, columns)


def spikes_view(x_range) -> LiveView:
    """Spike marks of both engines, event above, stepped below, on the time axis
    `x_range` (shared with the traces). `show` takes `{"event": ms, "stepped": ms}`."""
    fig = _figure("spike times overlaid", "t (ms)", "", 130, x_range=x_range)
    fig.yaxis.visible = False
    fig.ygrid.visible = False
    sources = {k: _empty("t", "y0", "y1") for k in ("event", "stepped")}
    for key, color, label in (("event", "black", "event (exact)"),
                              ("stepped", "#1f77b4", "stepped (grid)")):  # fmt: skip
        fig.segment(x0="t", y0="y0", x1="t", y1="y1", source=sources[key], color=color,
                    line_width=2, legend_label=label)  # fmt: skip
    fig.add_layout(fig.legend[0], "right")

    def columns(data):
        out = {}
        for key, base in (("event", 1.0), ("stepped", 0.0)):
            t = np.asarray(data[key], float)
            out[key] = {"t": t, "y0": np.full(t.size, base), "y1": np.full(t.size, base + 0.9)}
        return out

    return LiveView(fig, sources, columns)


def error_view() -> LiveView:
    """Spike-time error against dt (log-log): per integrator the first spike located
    within its step (solid, with markers) and every spike on the grid (dashed), slope
    guides through the largest first-spike error, and the rounding level (orange, not
    counted in the axis range). `show` takes `{"curve": error_vs_dt's output, "ref": ms
    or None, "floor": ms or None}`; errors below `ERROR_FLOOR` are drawn at it."""
    fig = _figure(SWEEP_TITLE, "dt (ms)", "|spike-time error| (ms)", 330,
                  x_axis_type="log", y_axis_type="log")  # fmt: skip
    fig.grid.grid_line_alpha = 0.5
    sources: dict[str, ColumnDataSource] = {}
    drawn, per_method = [], {}
    for m in METHODS:
        sources[m] = _empty("dt", "first", "grid")
        c = COLORS[m]
        rs = [
            fig.line("dt", "first", source=sources[m], color=c, line_width=2,
                     legend_label=f"{m}: first spike, within step"),
            fig.scatter("dt", "first", source=sources[m], color=c, size=6,
                        legend_label=f"{m}: first spike, within step"),
            fig.line("dt", "grid", source=sources[m], color=c, line_dash="dashed",
                     line_width=1, legend_label=f"{m}: all spikes, on grid"),
        ]  # fmt: skip
        per_method[m] = rs
        drawn += rs
    for order, dash in SLOPES:
        key = f"slope{order}"
        sources[key] = _empty("dt", "error")
        drawn.append(fig.line("dt", "error", source=sources[key], color="grey", line_dash=dash,
                              line_width=1, legend_label=f"slope {order}"))  # fmt: skip
    fig.y_range.renderers = drawn  # not the rounding line: it may lie decades below
    floor = Span(dimension="width", location=None, line_color="orange", line_dash="dashed")
    fig.add_layout(floor)
    legend = fig.legend[0]
    fig.add_layout(legend, "right")
    items = {m: [i for i in legend.items if i.label.value.startswith(f"{m}:")] for m in METHODS}

    def columns(data):
        curve, ref = data["curve"], data["ref"]
        out = {}
        for m in METHODS:
            d = curve.get(m)
            if d is None:
                out[m] = {"dt": np.zeros(0), "first": np.zeros(0), "grid": np.zeros(0)}
            else:
                out[m] = {"dt": np.asarray(d["dt"], float),
                          "first": np.maximum(d["first"], ERROR_FLOOR),
                          "grid": np.maximum(d["grid"], ERROR_FLOOR)}  # fmt: skip
        x = np.asarray(DTS, float) if ref is not None else np.zeros(0)
        for order, _dash in SLOPES:
            y = ref * (x / DTS[0]) ** order if ref is not None else np.zeros(0)
            out[f"slope{order}"] = {"dt": x, "error": np.maximum(y, ERROR_FLOOR)}
        out["methods"] = [m for m in METHODS if m in curve]
        out["floor"] = None if data["floor"] is None else max(data["floor"], ERROR_FLOOR)
        return out

    def relabel(fig, cols):
        for m in METHODS:
            on = m in cols["methods"]
            for r in per_method[m]:
                r.visible = on
            for item in items[m]:
                item.visible = on
        floor.location = cols["floor"]

    return LiveView(fig, sources, columns, relabel)


def mark_sweep(view: LiveView, state: str) -> None:
    """Say on the error plot whether it shows the current values (`state` "current"),
    waits for them ("updating") or could not get them ("failed")."""
    view.figure.title.text = SWEEP_TITLE + SWEEP_STATES[state]


__all__ = ["COLORS", "error_view", "mark_sweep", "spikes_view", "traces_view"]
