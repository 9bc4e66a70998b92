"""HoloViews elements from a `snnlab.Result`: traces, raster, rate and ISI histograms.

Every function takes a `Result` (or arrays) and returns a HoloViews object whose axes
carry units. They are pure: the same call with new data gives an element of the same
structure, so a `DynamicMap` fed by a `Pipe` patches the Bokeh data in place.
"""

from __future__ import annotations

import holoviews as hv
import numpy as np

from ..core import Result

TIME = hv.Dimension("t", label="t", unit="ms")
NEURON = hv.Dimension("neuron", label="neuron")

COLUMNS = ["dictionary"]
"""HoloViews data backend of the views: plain numpy columns (no DataFrame per update)."""

MAX_TRACE_POINTS = 20_000
"""Samples per trace kept before min/max decimation (peaks are kept)."""

MAX_RASTER_POINTS = 20_000
"""Spikes drawn as individual marks; above this the raster is a 2-D histogram image."""

MAX_TRACES = 8
"""Neurons whose traces are drawn (the first ones)."""

_TRACE_COLOR = "#1f77b4"
_SPIKE_COLOR = "#d62728"


_STYLE_CACHE: dict[tuple[str, str], hv.core.Dimensioned] = {}


def styled(element, **opts):
    """`element.opts(**opts)`, but applying a given style only once per process.

    `.opts` creates a new custom-option tree each call (several ms); a live view makes a
    new element per update, so the first styled element is kept and later ones share its
    option id (cheap). Use for styles that take few distinct values.
    """
    key = (type(element).__name__, repr(sorted(opts.items())))
    template = _STYLE_CACHE.get(key)
    if template is None:
        template = _STYLE_CACHE[key] = element.opts(**opts)
        return template
    element.id = template.id
    return element


def state_dimension(name: str, unit: str = "") -> hv.Dimension:
    """A HoloViews dimension `name (unit)` for a state variable."""
    return hv.Dimension(name, label=name, unit=unit or None)


def decimate(t: np.ndarray, v: np.ndarray, max_points: int = MAX_TRACE_POINTS):
    """Min/max decimation of one trace to at most about `max_points` samples.

    Each bin keeps its minimum and its maximum, in time order, so spikes and troughs
    survive. Returns `(t, v)` unchanged when already short enough.
    """
    n = len(t)
    if n <= max_points:
        return t, v
    width = int(np.ceil(n / max(max_points // 2, 1)))
    n_bins = int(np.ceil(n / width))
    block = np.full(n_bins * width, np.nan)
    block[:n] = v
    block = block.reshape(n_bins, width)
    finite = np.isfinite(block)
    lo = np.where(finite, block, np.inf).argmin(axis=1)
    hi = np.where(finite, block, -np.inf).argmax(axis=1)
    starts = np.arange(n_bins) * width
    keep = np.stack([starts + np.minimum(lo, hi), starts + np.maximum(lo, hi)], axis=1)
    keep = np.minimum(keep.reshape(-1), n - 1)
    return t[keep], v[keep]


def _joined(t: np.ndarray, traces: np.ndarray, max_points: int):
    """Several traces as one NaN-separated line (one glyph however many neurons)."""
    ts, vs = [], []
    for k in range(traces.shape[1]):
        tk, vk = decimate(t, traces[:, k], max_points)
        ts += [tk, [np.nan]]
        vs += [vk, [np.nan]]
    if not ts:
        return np.zeros(0), np.zeros(0)
    return np.concatenate(ts[:-1]), np.concatenate(vs[:-1])


def voltage(
    res: Result,
    state: str = "V",
    *,
    threshold: float | None = None,
    neurons=None,
    max_points: int = MAX_TRACE_POINTS,
    height: int = 300,
) -> hv.Overlay:
    """A state trace over time with the threshold and the spikes marked.

    **Arguments:**

    - `res`: a `snnlab.Result`.
    - `state`: the recorded state to plot (default "V", mV for the built-in models).
    - `threshold`: draw a dashed line at this value (same unit as the state); spikes are
      marked on it (at the trace's maximum when None).
    - `neurons`: indices to plot (default: the first `MAX_TRACES`).
    - `max_points`: samples per trace before min/max decimation.
    - `height`: plot height in pixels.

    **Returns:**

    `hv.Overlay` of a `Curve` (the trace(s), time in ms), an `HLine` (threshold) and a
    `Scatter` (spike markers). The structure is the same for any data, so it can be the
    output of a `DynamicMap` fed by a `Pipe`.
    """
    names = res.state_names
    if state not in names:
        state = names[0] if names else state
    ydim = state_dimension(state, res.units.get(state, ""))
    if neurons is None:
        neurons = np.arange(min(res.n_neurons, MAX_TRACES))
    neurons = np.asarray(neurons, dtype=int)
    traces = res[state][:, neurons] if state in names else np.zeros((len(res.t), 0))
    t, v = _joined(res.t, np.asarray(traces, dtype=float), max_points)
    curve = styled(
        hv.Curve({TIME.name: t, ydim.name: v}, TIME, ydim, datatype=COLUMNS),
        color=_TRACE_COLOR,
        line_width=1.5,
        responsive=True,
        height=height,
        framewise=True,
        tools=["hover"],
        title=f"{state} trace",
        show_grid=True,
    )
    sel = np.isin(res.spike_ids, neurons)
    st = res.spike_times[sel]
    level = threshold
    if level is None:
        level = float(np.nanmax(v)) if len(v) and np.isfinite(v).any() else 0.0
    marks = styled(
        hv.Scatter(
            {TIME.name: st, ydim.name: np.full(len(st), level)}, TIME, ydim, datatype=COLUMNS
        ),
        color=_SPIKE_COLOR,
        marker="triangle",
        size=7,
        framewise=True,
    )
    line = styled(
        hv.HLine(np.nan if threshold is None else float(threshold)),
        color=_SPIKE_COLOR,
        line_dash="dashed",
        line_width=1,
    )
    return curve * line * marks


def raster(
    res: Result,
    *,
    max_points: int = MAX_RASTER_POINTS,
    time_bins: int = 1000,
    neuron_bins: int = 500,
    height: int = 300,
) -> hv.Overlay:
    """Spike raster: one mark per spike, or a 2-D histogram image for many spikes.

    Up to `max_points` spikes are drawn as individual marks (`hv.Points`); above that the
    spikes are counted into a `time_bins` x `neuron_bins` grid and shown as an
    `hv.Image` (spikes per bin), which stays fast for 10^5 to 10^7 spikes without
    datashader. Both layers are always present (one of them empty), so the output has
    a fixed structure for `DynamicMap`.

    **Returns:**

    `hv.Overlay` of `Points` (t in ms, neuron) and `Image` (spike counts).
    """
    times = np.asarray(res.spike_times, dtype=float)
    ids = np.asarray(res.spike_ids, dtype=float)
    n = max(res.n_neurons, 1)
    t_end = float(res.duration) if res.duration else 1.0
    if len(times) <= max_points:
        pts = (times, ids)
        img = np.full((1, 1), np.nan)
    else:
        pts = (np.zeros(0), np.zeros(0))
        nb = min(neuron_bins, n)
        counts, _, _ = np.histogram2d(
            ids, times, bins=(nb, time_bins), range=((-0.5, n - 0.5), (0, t_end))
        )
        img = np.where(counts > 0, counts, np.nan)
    title = "spike raster"
    points = styled(
        hv.Points({TIME.name: pts[0], NEURON.name: pts[1]}, [TIME, NEURON], datatype=COLUMNS),
        marker="dash",
        angle=90,
        size=6,
        color="black",
        framewise=True,
        tools=["hover"],
        responsive=True,
        height=height,
        title=title,
        show_grid=True,
    )
    image = styled(
        hv.Image(
            img, kdims=[TIME, NEURON], vdims=["spikes per bin"], bounds=(0, -0.5, t_end, n - 0.5)
        ),
        cmap="Greys",
        clim=(0, None),
        framewise=True,
        responsive=True,
        height=height,
        title=title,
        colorbar=False,
    )
    return image * points


def rate_histogram(res: Result, *, bins: int = 30, height: int = 250) -> hv.Histogram:
    """Histogram of the neurons' mean firing rates (Hz) over the run."""
    rates = np.asarray(res.rates(), dtype=float)
    hi = float(rates.max()) if rates.size and rates.max() > 0 else 1.0
    counts, edges = np.histogram(rates, bins=bins, range=(0.0, hi * 1.0001))
    return styled(
        hv.Histogram((edges, counts), kdims=[hv.Dimension("rate", unit="Hz")], vdims=["neurons"]),
        responsive=True,
        height=height,
        framewise=True,
        title="firing rates",
        color="#4c72b0",
    )


def inter_spike_intervals(res: Result) -> np.ndarray:
    """Every inter-spike interval of every neuron, in ms."""
    times = np.asarray(res.spike_times, dtype=float)
    ids = np.asarray(res.spike_ids)
    if len(times) < 2:
        return np.zeros(0)
    order = np.lexsort((times, ids))
    t, i = times[order], ids[order]
    same = i[1:] == i[:-1]
    return np.diff(t)[same]


def isi_histogram(res: Result, *, bins: int = 50, height: int = 250) -> hv.Histogram:
    """Histogram of the inter-spike intervals (ms) of all neurons."""
    isi = inter_spike_intervals(res)
    hi = float(isi.max()) if isi.size else 1.0
    counts, edges = np.histogram(isi, bins=bins, range=(0.0, hi * 1.0001 if hi > 0 else 1.0))
    return styled(
        hv.Histogram((edges, counts), kdims=[hv.Dimension("ISI", unit="ms")], vdims=["intervals"]),
        responsive=True,
        height=height,
        framewise=True,
        title="inter-spike intervals",
        color="#55a868",
    )


# ---- plain columns of the same views, for live updates of existing Bokeh sources --------


def trace_columns(
    res: Result,
    state: str = "V",
    *,
    threshold: float | None = None,
    neurons=None,
    max_points: int = MAX_TRACE_POINTS,
) -> dict:
    """The data of `voltage` as plain columns, without building HoloViews elements.

    **Returns:** a dict with `state` and `unit` (the state shown, its unit) and three
    column dicts keyed by the time column `"t"` and the state's name: `"trace"` (the
    NaN-separated traces of `neurons`, min/max decimated), `"threshold"` (two points
    spanning the run at `threshold`, empty when None) and `"spikes"` (one mark per spike of
    `neurons`, at `threshold`, else at the traces' maximum). Times in ms.
    """
    names = res.state_names
    if state not in names:
        state = names[0] if names else state
    if neurons is None:
        neurons = np.arange(min(res.n_neurons, MAX_TRACES))
    neurons = np.asarray(neurons, dtype=int)
    traces = res[state][:, neurons] if state in names else np.zeros((len(res.t), 0))
    t, v = _joined(np.asarray(res.t, float), np.asarray(traces, dtype=float), max_points)
    sel = np.isin(res.spike_ids, neurons)
    st = np.asarray(res.spike_times, float)[sel]
    level = threshold
    if level is None:
        level = float(np.nanmax(v)) if len(v) and np.isfinite(v).any() else 0.0
    if threshold is not None and len(t):
        th_t = np.array([float(np.nanmin(t)), float(np.nanmax(t))])
        th_v = np.full(2, float(threshold))
    else:
        th_t, th_v = np.zeros(0), np.zeros(0)
    return {
        "state": state,
        "unit": res.units.get(state, ""),
        "trace": {"t": t, state: v},
        "threshold": {"t": th_t, state: th_v},
        "spikes": {"t": st, state: np.full(len(st), level)},
    }


def raster_columns(
    res: Result,
    *,
    max_points: int = MAX_RASTER_POINTS,
    time_bins: int = 1000,
    neuron_bins: int = 500,
) -> dict:
    """The data of `raster` as plain columns: `"points"` (`t` in ms, `neuron`) for up to
    `max_points` spikes, else `"image"` (spike counts per bin, NaN where none, with its
    placement `x`, `y`, `dw`, `dh`); the other one is empty. `"high"`: the largest count."""
    times = np.asarray(res.spike_times, dtype=float)
    ids = np.asarray(res.spike_ids, dtype=float)
    n = max(res.n_neurons, 1)
    t_end = float(res.duration) if res.duration else 1.0
    empty_image = {"image": [], "x": [], "y": [], "dw": [], "dh": []}
    if len(times) <= max_points:
        return {"points": {"t": times, "neuron": ids}, "image": empty_image, "high": 1.0}
    nb = min(neuron_bins, n)
    counts, _, _ = np.histogram2d(
        ids, times, bins=(nb, time_bins), range=((-0.5, n - 0.5), (0, t_end))
    )
    image = {"image": [np.where(counts > 0, counts, np.nan)]}
    image.update(x=[0.0], y=[-0.5], dw=[t_end], dh=[float(n)])
    return {
        "points": {"t": np.zeros(0), "neuron": np.zeros(0)},
        "image": image,
        "high": float(counts.max()),
    }


def _histogram_columns(values: np.ndarray, bins: int) -> dict:
    hi = float(values.max()) if values.size and values.max() > 0 else 1.0
    counts, edges = np.histogram(values, bins=bins, range=(0.0, hi * 1.0001))
    return {
        "left": edges[:-1],
        "right": edges[1:],
        "top": counts.astype(float),
        "bottom": np.zeros(len(counts)),
    }


def rate_columns(res: Result, *, bins: int = 30) -> dict:
    """The bars of `rate_histogram` as columns `left`, `right` (Hz), `top` (neurons),
    `bottom`."""
    return _histogram_columns(np.asarray(res.rates(), dtype=float), bins)


def isi_columns(res: Result, *, bins: int = 50) -> dict:
    """The bars of `isi_histogram` as columns `left`, `right` (ms), `top` (intervals),
    `bottom`."""
    return _histogram_columns(inter_spike_intervals(res), bins)
