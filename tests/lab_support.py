"""What the lab tests share: a lab drawn as when served, and what its Bokeh plots show.

`served_lab` builds a lab the way `snnlab serve` does: its first run is only scheduled
(as `Lab.request_run` does in a session), the page's Bokeh models are built with empty
plots, and then the queued runs execute and their results flow through the pipes into
those models. That is the path on which a plot can keep the axes of its empty first frame
(issue #15: data arrived, axes stayed at 0..1). `plot_report` then reads, for every Bokeh
plot, its axis ranges and the extent of the finite data of its glyphs, as the browser
matrix does in the page.
"""

from __future__ import annotations

import contextlib
import math
from concurrent.futures import Future

import numpy as np
import panel as pn
from bokeh.document import Document
from bokeh.models import DataRange1d, FactorRange, GlyphRenderer, LogScale, Plot

from snnlab.app import _guard as guard
from snnlab.app import _lab_common

_X = ("x", "xs", "x0", "x1", "left", "right")
_Y = ("y", "ys", "y0", "y1", "top", "bottom")


class _FakeDoc:
    """Stands for a served session's document (only its identity is used)."""


LATER_MS = 1000
"""The fake loop's clock: a delayed callback due within this (the busy sign after 0.3 s)
joins the queue; one due later (a run's deadline, seconds away) never comes."""


def later(queue: list):
    """A fake `_guard.call_later_in_session` queueing callbacks due within `LATER_MS`."""

    def call_later(doc, ms, fn, *args):
        if ms <= LATER_MS:
            queue.append((fn, args))

    return call_later


@contextlib.contextmanager
def served(monkeypatch):
    """Labs behave as in a served session: runs are queued for the loop; `flush()` runs the
    queue (and work submitted to the pool, at once, on this thread). Yields `flush`."""
    queue: list = []

    def submit(fn, *args):
        future: Future = Future()
        try:
            future.set_result(fn(*args))
        except Exception as err:  # noqa: BLE001 - delivered through the future
            future.set_exception(err)
        return future

    doc = _FakeDoc()
    monkeypatch.setattr(guard, "call_soon_in_session", lambda d, fn, *a: queue.append((fn, a)))
    monkeypatch.setattr(guard, "call_later_in_session", later(queue))
    monkeypatch.setattr(guard, "submit", submit)
    monkeypatch.setattr(_lab_common.Lab, "_session_doc", staticmethod(lambda: doc))

    def flush():
        while queue:
            fn, args = queue.pop(0)
            fn(*args)

    yield flush


def draw(viewable) -> Document:
    """The Bokeh document of a Panel object (as a page would receive it)."""
    doc = Document()
    doc.add_root(pn.panel(viewable).get_root(doc))
    return doc


def _finite(values, positive: bool) -> list[float]:
    out: list[float] = []
    for v in values:
        if isinstance(v, (list, tuple, np.ndarray)):
            out.extend(_finite(np.ravel(np.asarray(v, dtype=object)), positive))
            continue
        try:
            f = float(v)
        except (TypeError, ValueError):
            continue
        if math.isfinite(f) and (f > 0 or not positive):
            out.append(f)
    return out


def _extent(renderers, names, positive):
    values: list[float] = []
    for r in renderers:
        data, glyph = r.data_source.data, r.glyph
        for name in names:
            spec = getattr(glyph, name, None) if name in glyph.properties() else None
            field = getattr(spec, "field", spec)
            if isinstance(field, str) and field in data:
                values.extend(_finite(data[field], positive))
    return (min(values), max(values)) if values else None


def _number(v) -> bool:
    return isinstance(v, (int, float)) and math.isfinite(v)


def plot_report(doc: Document) -> list[dict]:
    """For every plot of `doc`: its title, x and y ranges, the extents of its glyphs' finite
    data (only values > 0 on a log axis) and whether each range overlaps its extent.
    A categorical axis counts as covering, and so does an unset `DataRange1d` (BokehJS fits
    it to the data in the page; tests/test_labs_browser.py checks it there)."""
    out = []
    for plot in doc.select({"type": Plot}):
        if not plot.visible:
            continue
        renderers = [r for r in plot.renderers if isinstance(r, GlyphRenderer) and r.visible]
        row = {"title": plot.title.text if plot.title is not None else ""}
        for axis, names, rng, scale in (
            ("x", _X, plot.x_range, plot.x_scale),
            ("y", _Y, plot.y_range, plot.y_scale),
        ):
            if isinstance(rng, FactorRange):
                row[axis], row[f"d{axis}"], row[f"{axis}_ok"] = "factors", None, True
                continue
            lo, hi = rng.start, rng.end
            if isinstance(rng, DataRange1d) and not all(map(_number, (lo, hi))):
                lo = hi = None  # fitted to the data in the browser (a live view's axis)
            ext = _extent(renderers, names, isinstance(scale, LogScale))
            row[axis], row[f"d{axis}"] = (lo, hi), ext
            row[f"{axis}_ok"] = (
                ext is None
                or lo is None
                or hi is None
                or (min(lo, hi) <= ext[1] and max(lo, hi) >= ext[0])
            )
        row["has_data"] = row["dx"] is not None and row["dy"] is not None
        out.append(row)
    return out


def covers(rng, extent, slack: float = 1e-9) -> bool:
    """True when the axis range `rng` contains the whole data `extent` (both `(lo, hi)`)."""
    lo, hi = min(rng), max(rng)
    span = max(abs(hi - lo), 1e-300)
    return lo <= extent[0] + slack * span and hi >= extent[1] - slack * span


def bad_plots(doc: Document) -> list[dict]:
    """The plots whose axis ranges miss the finite data of their glyphs."""
    return [r for r in plot_report(doc) if r["has_data"] and not (r["x_ok"] and r["y_ok"])]


def axis_labels(doc: Document) -> list[tuple[str, str, str]]:
    """`(plot title, axis, label)` of every visible, numeric axis of every visible plot."""
    out = []
    for plot in doc.select({"type": Plot}):
        if not plot.visible:
            continue
        for axis, rng, axes in (("x", plot.x_range, plot.xaxis), ("y", plot.y_range, plot.yaxis)):
            if isinstance(rng, FactorRange):
                continue
            for a in axes:
                if a.visible:
                    out.append((plot.title.text if plot.title else "", axis, str(a.axis_label)))
    return out


def unitless_axes(doc: Document) -> list[tuple[str, str, str]]:
    """The numeric axes whose label states no unit: no "(unit)" in it."""
    return [a for a in axis_labels(doc) if "(" not in a[2] or "()" in a[2]]


def widget_titles(viewable) -> list[str]:
    """Titles of every slider and numeric input inside a Panel object."""
    kinds = (pn.widgets.FloatSlider, pn.widgets.IntSlider, pn.widgets.DiscreteSlider)
    kinds += (pn.widgets.FloatInput, pn.widgets.IntInput, pn.widgets.LiteralInput)
    # a DiscreteSlider holds an untitled IntSlider: its own title is the one shown
    return [w.label for w in pn.panel(viewable).select(pn.widgets.Widget)
            if isinstance(w, kinds) and w.label]  # fmt: skip


def range_ends(p) -> list:
    """The two ends a user can reach with the control of parameter `p`: its softbounds
    (else bounds) for a number, the first and last option of a selector, both states of a
    boolean. An open lower bound of 0 becomes a small positive value."""
    import param

    if isinstance(p, param.ListSelector):
        return []
    if isinstance(p, param.Selector):
        objs = list(p.objects)
        return [objs[0], objs[-1]] if objs else []
    if isinstance(p, param.Boolean):
        return [False, True]
    if isinstance(p, param.Number):
        soft = p.softbounds or (None, None)
        hard = p.bounds or (None, None)
        ends = [s if s is not None else h for s, h in zip(soft, hard, strict=True)]
        ends = [e for e in ends if e is not None]
        if ends and p.inclusive_bounds and not p.inclusive_bounds[0] and ends[0] == hard[0]:
            ends[0] = hard[0] + 1e-6
        return [int(e) for e in ends] if isinstance(p, param.Integer) else ends
    return []


def sweep_ends(lab, doc, obj, flush, skip=()) -> list[tuple]:
    """Set every numeric or selector parameter of `obj` to each end of its range in turn
    (then back), run the lab, and collect what went wrong: an error in the page, a plot
    whose axes miss its data. **Returns:** `(name, value, problem)` rows."""
    problems = []
    for name, p in obj.param.objects("existing").items():
        if name in ("name", "message", *skip) or p.constant or p.readonly:
            continue
        default = getattr(obj, name)
        for value in range_ends(p):
            setattr(obj, name, value)
            flush()
            if lab.message and lab.alert.alert_type == "danger":
                problems.append((name, value, lab.message[:200]))
            for row in bad_plots(doc):
                problems.append((name, value, f"axes miss the data of {row['title']!r}"))
        setattr(obj, name, default)
        flush()
    return problems
