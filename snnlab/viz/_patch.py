"""Served live views: new data of an unchanged structure go straight into Bokeh sources.

HoloViews redraws a `DynamicMap` fed by a `Pipe` through its generic update path, and
every redraw ends in a recomputation of the whole document's model graph (its
`hold_render` freezes the document's models). In a served Explorer page (about 220
Bokeh models) that costs 25-30 ms per plot and slider move, which is what limits a
class of thirty students on one machine. A slider move that changes only the numbers
(the same elements, dimensions and labels as the frame on screen) needs none of it:
`SourcePipe.send` writes the new columns into the plot's existing data sources, moves
the span and colour-mapper limits and sets the axis ranges the way HoloViews would
(framewise, with the elements' padding), in about a millisecond. Anything else (another
state variable, a new unit, a raster switching between marks and image, a view not
yet on screen, a notebook) takes HoloViews' own path.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import holoviews as hv
import numpy as np
from holoviews.core.util import dimension_sanitizer

_COLUMN_ELEMENTS = (hv.Curve, hv.Scatter, hv.Points)


class SourcePipe(hv.streams.Pipe):
    """A `hv.streams.Pipe` that patches served Bokeh plots directly when it can.

    `send(data)` renders the view with the new data; when every plot showing the view
    is part of a served document and shows a frame of the same structure, the new
    columns go into the plots' data sources and the ranges are updated in place (the
    `DynamicMap` is not re-run); otherwise it is an ordinary `Pipe.send`. The stream's
    `data` is the newest data either way, so a view drawn later shows it.
    """

    def __init__(self, data=None, **params):
        super().__init__(data=data, **params)
        self._view: Callable[[Any], Any] | None = None
        self.direct_updates = 0
        """How many sends were written straight into the Bokeh sources (for tests)."""

    def bind_view(self, view: Callable[[Any], Any]) -> None:
        """Use `view(data)` (the `DynamicMap`'s callback) to render the data of a send."""
        self._view = view

    def send(self, data) -> None:
        """Show `data`: patched into the served plots when possible, else redrawn."""
        plots = served_plots(self)
        if plots and self._view is not None:
            element = self._view(data)
            updates = [plan_update(plot, element) for plot in plots]
            if all(u is not None for u in updates):
                for update in updates:
                    update()
                self.update(data=data)
                self.direct_updates += 1
                return
        super().send(data)


def served_plots(stream: hv.streams.Stream) -> list:
    """The HoloViews plots that redraw on `stream` and live in a served Bokeh document.

    **Returns:** the plots, or `[]` when any of them is not served (a notebook view needs
    HoloViews' own push of the changes), none is drawn yet, something other than a plot
    subscribes to the stream, or the caller is not the server's loop thread (which holds
    the document lock).
    """
    if threading.current_thread() is not threading.main_thread():
        return []  # off the server's loop: HoloViews schedules the redraw on it
    plots = []
    for subscriber in stream.subscribers:
        plot = getattr(subscriber, "__self__", None)
        if plot is None or getattr(subscriber, "__name__", "") != "refresh":
            return []  # someone else listens too: they get the event through HoloViews
        doc = getattr(plot, "document", None)
        if doc is None or doc.session_context is None or plot.current_frame is None:
            return []
        plots.append(plot)
    return plots


def structure(obj) -> tuple:
    """What must be equal for a frame to be patched with another's data: the element
    types, groups, labels and dimensions (names, labels, units), in overlay order."""
    elements = obj.values() if isinstance(obj, hv.Overlay) else [obj]
    return tuple(
        (
            type(el).__name__,
            el.group,
            el.label,
            tuple((d.name, d.label, d.unit) for d in el.dimensions()),
        )
        for el in elements
    )


def plan_update(plot, frame) -> Callable[[], None] | None:
    """The changes that put `frame` into `plot` without a redraw, as one callable.

    **Returns:** a function applying them, or None when `frame` differs in structure from
    the frame on screen or holds an element this module does not patch.
    """
    if structure(plot.current_frame) != structure(frame):
        return None
    if isinstance(frame, hv.Overlay):
        pairs = [(plot.subplots.get(key), el) for key, el in frame.items()]
    else:
        pairs = [(plot, frame)]
    changes: list[Callable[[], None]] = []
    for subplot, el in pairs:
        change = _element_change(subplot, el) if subplot is not None else None
        if change is None:
            return None
        changes.append(change)
    ranges = _ranges_change(plot, frame)
    if ranges is None:
        return None
    changes.append(ranges)

    def apply() -> None:
        for change in changes:
            change()
        plot.current_frame = frame

    return apply


def _element_change(subplot, el) -> Callable[[], None] | None:
    handles = subplot.handles
    if isinstance(el, _COLUMN_ELEMENTS):
        source = handles.get("source")
        dims = el.kdims + el.vdims
        data = {dimension_sanitizer(d.name): el.dimension_values(d) for d in dims}
        if source is None or set(data) != set(source.data):
            return None
        return lambda: setattr(source, "data", data)
    if isinstance(el, hv.HLine | hv.VLine):
        glyph = handles.get("glyph")
        if glyph is None or getattr(subplot, "invert_axes", False):
            return None
        loc = float(el.data) if el.data is not None else np.nan
        return lambda: setattr(glyph, "location", loc)
    if isinstance(el, hv.Image) and len(el.vdims) == 1:
        source, mapper = handles.get("source"), handles.get("color_mapper")
        if source is None or mapper is None or getattr(subplot, "invert_axes", False):
            return None
        left, bottom, right, top = el.bounds.lbrt()
        img = el.dimension_values(2, flat=False)
        if 0 in img.shape:
            img = np.array([[np.nan]])
        data = dict(x=[left], y=[bottom], dw=[right - left], dh=[top - bottom], image=[img])
        if set(data) != set(source.data):
            return None
        low, high = _color_limits(subplot, el, img)

        def change() -> None:
            source.data = data
            mapper.update(low=low, high=high)

        return change
    return None


def _color_limits(subplot, el, img) -> tuple[float, float]:
    clim = subplot.lookup_options(el, "plot").options.get("clim", (None, None))
    finite = img[np.isfinite(img)]
    lo = clim[0] if clim[0] is not None else (float(finite.min()) if finite.size else 0.0)
    hi = clim[1] if clim[1] is not None else (float(finite.max()) if finite.size else 1.0)
    if hi <= lo:
        hi = lo + 1.0
    return lo, hi


def _ranges_change(plot, frame) -> Callable[[], None] | None:
    """Framewise axis ranges of `frame`: the union of its elements' data ranges, padded
    by the first element's padding, as HoloViews computes an overlay's extents."""
    x_range, y_range = plot.handles.get("x_range"), plot.handles.get("y_range")
    if x_range is None or y_range is None or getattr(plot, "invert_axes", False):
        return None
    elements = list(frame.values()) if isinstance(frame, hv.Overlay) else [frame]
    xs: list[tuple[float, float]] = []
    ys: list[tuple[float, float]] = []
    for el in elements:
        if isinstance(el, hv.HLine):
            ys.append((float(el.data), float(el.data)))
        elif isinstance(el, hv.VLine):
            xs.append((float(el.data), float(el.data)))
        elif isinstance(el, hv.Image):
            left, bottom, right, top = el.bounds.lbrt()
            xs.append((left, right))
            ys.append((bottom, top))
        else:
            xd, yd = el.dimensions()[0], el.dimensions()[1]
            xs.append(_data_range(el.dimension_values(xd)))
            ys.append(_data_range(el.dimension_values(yd)))
    pad = _padding(plot, elements[0])
    x = _padded(_union(xs), pad[0])
    y = _padded(_union(ys), pad[1])
    if x is None or y is None:
        return None

    def change() -> None:
        x_range.update(start=x[0], end=x[1])
        y_range.update(start=y[0], end=y[1])

    return change


def _padding(plot, el) -> tuple[float, float]:
    """The element's (x, y) padding fractions: its option, else its plot class's default."""
    pad = plot.lookup_options(el, "plot").options.get("padding")
    if pad is None:
        from holoviews.plotting.bokeh import Store

        plot_class = Store.registry["bokeh"].get(type(el))
        pad = getattr(plot_class, "padding", 0.1)
    if not isinstance(pad, tuple):
        pad = (pad, pad)
    xp, yp = pad[0], pad[1]
    if isinstance(xp, tuple) or isinstance(yp, tuple):
        return (np.nan, np.nan)  # one-sided padding: leave it to HoloViews
    return float(xp), float(yp)


def _data_range(values: np.ndarray) -> tuple[float, float]:
    """Smallest and largest finite value (NaN, NaN when there is none)."""
    values = np.asarray(values, dtype=float)
    finite = values[np.isfinite(values)]
    return (float(finite.min()), float(finite.max())) if finite.size else (np.nan, np.nan)


def _union(ranges: list[tuple]) -> tuple[float, float] | None:
    """The smallest range holding every finite `(low, high)`; None if there is none."""
    los = [float(r[0]) for r in ranges if r[0] is not None and np.isfinite(float(r[0]))]
    his = [float(r[1]) for r in ranges if r[1] is not None and np.isfinite(float(r[1]))]
    if not los or not his:
        return None
    return min(los), max(his)


def _padded(span: tuple[float, float] | None, pad: float) -> tuple[float, float] | None:
    """`span` widened by `pad` times its width on each side; None when it has no width
    (HoloViews widens a degenerate range its own way) or the padding is unknown."""
    if span is None or not np.isfinite(pad):
        return None
    lo, hi = span
    if not hi > lo:
        return None
    return lo - pad * (hi - lo), hi + pad * (hi - lo)
