"""The Dynap-SE lab's plots: figures built once, new columns on each run (`_live`).

Currents are drawn on log axes; a value <= 0 (a current at rest) is drawn a decade below
the smallest positive one (`for_log_axis`). Times in ms, currents in A, voltages in V.
"""

from __future__ import annotations

import numpy as np
from bokeh.models import ColumnDataSource
from bokeh.plotting import figure

from ..dynapse import SYNAPSES
from . import _live as live
from ._lab_common import finite_limits, log_floor
from ._live import LiveView, live_figure

CURRENT_FLOOR = 1e-15
"""Currents (A) drawn on the log axes when no trace has a positive value: zeros and
negatives are drawn at a floor (see `for_log_axis`)."""


def for_log_axis(*traces):
    """Currents (A) ready for a log axis, and the axis limits that cover them.

    Values <= 0 (a current at rest or not yet driven) cannot be drawn on a log axis:
    they are drawn a decade below the smallest positive value of all `traces`
    (`CURRENT_FLOOR` when there is none), so a flat zero trace stays visible at the bottom.

    **Returns:** `(traces, ylim)`: the traces with the floor applied, `(lo, hi)` in A (None
    when no trace has a finite value).
    """
    arrays = [np.asarray(t, dtype=float) for t in traces]
    pos = [a[np.isfinite(a) & (a > 0)] for a in arrays]
    pos = np.concatenate(pos) if pos else np.zeros(0)
    floor = float(pos.min()) / 10 if pos.size else CURRENT_FLOOR
    if any(np.any(np.isfinite(a) & (a < floor)) for a in arrays):
        arrays = [log_floor(a, floor) for a in arrays]
    return arrays, finite_limits(*arrays, log=True)


def _figure(title: str, y_label: str, height: int, log: bool) -> figure:
    """A figure built once: time on x (ms), ranges that follow the data until zoomed."""
    fig = live_figure(title, "t (ms)", y_label, height, y_axis_type="log" if log else "linear")
    return fig


def _line_columns(t, *ys, names) -> dict:
    """Columns of one line per name: `t` (ms) and the values under the name itself."""
    t = np.asarray(t, float)
    return {name: {"t": t, name: np.asarray(y, float)} for name, y in zip(names, ys, strict=True)}


def imem_view() -> LiveView:
    """imem of one neuron (A, log axis) and the spike threshold `Ispkthr` (dashed).
    `show` takes `{"t": ms, "imem": A, "thr": A}`."""
    fig = _figure("membrane current imem of the chosen neuron (dashed: Ispkthr)",
                  "imem (A)", 230, log=True)  # fmt: skip
    sources = {k: ColumnDataSource({"t": [], "imem": []}) for k in ("imem", "thr")}
    fig.line("t", "imem", source=sources["imem"], color="#1f77b4", line_width=1.5)
    fig.line("t", "imem", source=sources["thr"], color="#d62728", line_dash="dashed")

    def columns(data):
        t = np.asarray(data["t"], float)
        (imem, thr), _ = for_log_axis(data["imem"], [data["thr"]])
        ends = t[[0, -1]] if t.size else np.zeros(0)
        return {
            "imem": {"t": t, "imem": imem},
            "thr": {"t": ends, "imem": np.full(ends.size, thr[0])},
        }

    return LiveView(fig, sources, columns)


def vmem_view() -> LiveView:
    """vmem of one neuron (V). `show` takes `{"t": ms, "vmem": V}`."""
    fig = _figure("membrane potential vmem", "vmem (V)", 200, log=False)
    source = ColumnDataSource({"t": [], "vmem": []})
    fig.line("t", "vmem", source=source, color="#9467bd", line_width=1.5)
    return LiveView(fig, {"vmem": source}, lambda d: _line_columns(d["t"], d["vmem"],
                                                                   names=("vmem",)))  # fmt: skip


_SYN_COLORS = ("#2ca02c", "#d62728", "#ff7f0e", "#8c564b")


def synapse_view() -> LiveView:
    """The four synaptic currents of one neuron (A, log axis). `show` takes `{"t": ms,
    "iampa": A, "igaba": A, "inmda": A, "ishunt": A}`."""
    fig = _figure("synaptic currents of the chosen neuron", "current (A)", 230, log=True)
    keys = ["i" + name.lower() for name in SYNAPSES]
    sources = {k: ColumnDataSource({"t": [], k: []}) for k in keys}
    for name, key, color in zip(SYNAPSES, keys, _SYN_COLORS, strict=True):
        fig.line("t", key, source=sources[key], color=color, line_width=1.5, legend_label=name)
    fig.legend.location = "top_right"

    def columns(data):
        traces, _ = for_log_axis(*[data[k] for k in keys])
        return _line_columns(data["t"], *traces, names=keys)

    return LiveView(fig, sources, columns)


def ahp_view() -> LiveView:
    """The AHP current of one neuron (A, log axis). `show` takes `{"t": ms, "iahp": A}`."""
    fig = _figure("AHP current iahp (adaptation)", "iahp (A)", 200, log=True)
    source = ColumnDataSource({"t": [], "iahp": []})
    fig.line("t", "iahp", source=source, color="#e377c2", line_width=1.5)

    def columns(data):
        (iahp,), _ = for_log_axis(data["iahp"])
        return _line_columns(data["t"], iahp, names=("iahp",))

    return LiveView(fig, {"iahp": source}, columns)


def population_views() -> tuple[LiveView, LiveView]:
    """The population's raster and rate histogram (`_live`'s), axes labelled with units."""
    raster, rates = live.raster_view(height=260), live.rate_view()
    raster.figure.yaxis.axis_label = "neuron (index)"
    rates.figure.yaxis.axis_label = "neurons (count)"
    return raster, rates


__all__ = [
    "CURRENT_FLOOR",
    "ahp_view",
    "for_log_axis",
    "imem_view",
    "population_views",
    "synapse_view",
    "vmem_view",
]
