"""Live views: `DynamicMap`s fed by `hv.streams.Pipe` (replace) or `Buffer` (append).

A slider move sends a new `Result` through a `Pipe`; the `DynamicMap` re-renders and
HoloViews patches the existing Bokeh data sources (no new pane). The oscilloscope
appends chunks of samples to a `Buffer`, which keeps the last `length` rows, and the
x range follows the newest data.
"""

from __future__ import annotations

from collections.abc import Callable

import holoviews as hv
import numpy as np

from ..core import Result
from ._patch import SourcePipe
from ._plots import TIME, state_dimension


def empty_result(state_names=("V",), units=None, n_neurons: int = 1) -> Result:
    """A `Result` with no samples, for plots before the first run."""
    units = units or {}
    return Result(
        t=np.zeros(0),
        spikes=np.zeros((0, n_neurons), bool),
        spike_times=np.zeros(0),
        spike_ids=np.zeros(0, np.int64),
        traces={n: np.zeros((0, n_neurons)) for n in state_names},
        units={n: units.get(n, "") for n in state_names},
        dt=1.0,
        duration=1.0,
    )


def live(fn: Callable[..., hv.core.Dimensioned], pipe: hv.streams.Pipe | None = None, **kwargs):
    """A `DynamicMap` that redraws `fn(data, **kwargs)` whenever `pipe` receives data.

    **Arguments:**

    - `fn`: a view function of this package (`voltage`, `raster`, ...).
    - `pipe`: the `hv.streams.Pipe` to listen to (a new one when None). Send a `Result`,
      or a dict of keyword arguments for `fn` (e.g. `{"res": res, "threshold": -55.0}`).
    - `kwargs`: fixed keyword arguments for `fn`.

    **Returns:**

    `(dmap, pipe)`.
    """
    if pipe is None:
        pipe = SourcePipe(data=None)

    def callback(data):
        if data is None:
            return fn(empty_result(), **kwargs)
        if isinstance(data, dict):
            return fn(**{**kwargs, **data})
        return fn(data, **kwargs)

    if isinstance(pipe, SourcePipe):
        pipe.bind_view(callback)
    return hv.DynamicMap(callback, streams=[pipe]), pipe


def scope_buffers(length: int = 20_000) -> tuple[hv.streams.Buffer, hv.streams.Buffer]:
    """The two buffers of an oscilloscope: samples `{"t", "y"}` and spikes `{"t", "y"}`.

    **Arguments:**

    - `length`: rows kept in each buffer (older rows scroll out).
    """
    trace = hv.streams.Buffer({"t": np.zeros(0), "y": np.zeros(0)}, length=length)
    spikes = hv.streams.Buffer({"t": np.zeros(0), "y": np.zeros(0)}, length=length)
    return trace, spikes


def scope_chunk(
    res: Result, t_offset: float, state: str = "V", neuron: int = 0, level: float | None = None
):
    """The rows a chunk adds to the oscilloscope buffers: `(trace_rows, spike_rows)`.

    **Arguments:**

    - `res`: the chunk's `Result` (its times start at 0, or where the run it continues
      ended: `simulate(..., initial_state=...)`).
    - `t_offset`: the chunk's start on the running clock (ms); after the first chunk a
      sample at t = 0 (the state carried over) is dropped.
    - `state`, `neuron`: what to show.
    - `level`: the y value of spike marks (default: the trace's maximum).
    """
    t = np.asarray(res.t, float)
    y = np.asarray(res[state][:, neuron], float) if state in res.state_names else np.zeros_like(t)
    start = float(t[0]) if len(t) else 0.0  # 0, or the clock a continued run resumed at
    t = t - start
    if t_offset > 0 and len(t):
        # the initial sample repeats the previous chunk's last one
        t, y = t[1:], y[1:]
    t = t + t_offset
    sel = res.spike_ids == neuron
    st = np.asarray(res.spike_times, float)[sel] - start + t_offset
    mark = level if level is not None else (float(np.nanmax(y)) if y.size else 0.0)
    return {"t": t, "y": y}, {"t": st, "y": np.full(st.shape, mark)}


def oscilloscope(
    trace: hv.streams.Buffer,
    spikes: hv.streams.Buffer,
    *,
    state: str = "V",
    unit: str = "mV",
    height: int = 300,
) -> hv.Overlay:
    """A scrolling trace with spike marks, fed by the buffers of `scope_buffers`.

    **Returns:**

    `DynamicMap(Curve) * DynamicMap(Scatter)`; the x range follows the newest samples.
    """
    ydim = state_dimension(state, unit)

    def curve(data):
        return hv.Curve(data, TIME, hv.Dimension("y", label=ydim.label, unit=ydim.unit)).opts(
            responsive=True,
            height=height,
            framewise=True,
            color="#1f77b4",
            title=f"live {state}",
            show_grid=True,
        )

    def marks(data):
        return hv.Scatter(data, TIME, hv.Dimension("y", label=ydim.label, unit=ydim.unit)).opts(
            color="#d62728", marker="triangle", size=7, framewise=True
        )

    return hv.DynamicMap(curve, streams=[trace]) * hv.DynamicMap(marks, streams=[spikes])
