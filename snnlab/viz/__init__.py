"""HoloViews views of simulation results: traces, raster, histograms, phase plane.

    import snnlab.viz as sv
    sv.voltage(res, threshold=-55.0) + sv.raster(res)
    dmap, pipe = sv.live(sv.voltage, threshold=-55.0)   # pipe.send(res) redraws

Every function returns HoloViews objects with units on the axes and a fixed structure,
so it can be the callback of a `DynamicMap` fed by `hv.streams.Pipe` (replace) or
`hv.streams.Buffer` (append). This package knows `snnlab.core.Result` and HoloViews
only (no widgets, no param model layer).
"""

# .opts(...) needs a plotting backend registered; Bokeh is the one snnlab targets.
import holoviews as _hv  # noqa: I001
import holoviews.plotting.bokeh  # noqa: F401

if _hv.Store.current_backend not in _hv.Store.renderers:
    _hv.Store.set_current_backend("bokeh")

from ._patch import SourcePipe
from ._phase import classify, fixed_points, nullcline_paths, phase_plane
from ._plots import (
    MAX_RASTER_POINTS,
    MAX_TRACE_POINTS,
    MAX_TRACES,
    decimate,
    inter_spike_intervals,
    isi_columns,
    isi_histogram,
    raster,
    raster_columns,
    rate_columns,
    rate_histogram,
    state_dimension,
    trace_columns,
    voltage,
)
from ._streams import empty_result, live, oscilloscope, scope_buffers, scope_chunk

__all__ = [
    "MAX_RASTER_POINTS",
    "MAX_TRACES",
    "MAX_TRACE_POINTS",
    "SourcePipe",
    "classify",
    "decimate",
    "empty_result",
    "fixed_points",
    "inter_spike_intervals",
    "isi_columns",
    "isi_histogram",
    "live",
    "nullcline_paths",
    "oscilloscope",
    "phase_plane",
    "rate_histogram",
    "raster",
    "raster_columns",
    "rate_columns",
    "scope_buffers",
    "scope_chunk",
    "state_dimension",
    "trace_columns",
    "voltage",
]
