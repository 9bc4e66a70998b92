"""Widgets for the sliders of a `snnlab.params` object: units in labels, docs as tooltips."""

from __future__ import annotations

import math

import panel as pn
import param
from bokeh.models import CustomJSTickFormatter

LOG_STEPS = 200
"""Positions of a logarithmic slider between its ends."""


def fast(widget: pn.widgets.Widget) -> pn.widgets.Widget:
    """Handle changes from the browser at once instead of after Panel's 50 ms debounce.

    Dragging stays cheap because the Explorer keeps only the newest request while a run
    is in flight (see `Explorer.request_run`).
    """
    widget._debounce = 0
    return widget


class LogSlider(pn.viewable.Viewer):
    """A slider moving on log10 of a positive `param.Number`, showing the value itself.

    **Arguments:**

    - `obj`, `name`: the Parameterized and the name of its parameter.
    - `start`, `end`: the slider's ends (> 0, in the parameter's unit).
    """

    def __init__(self, obj: param.Parameterized, name: str, start: float, end: float, **kw):
        super().__init__()
        self._obj, self._name = obj, name
        p = obj.param[name]
        lo, hi = math.log10(start), math.log10(end)
        value = getattr(obj, name)
        self.slider = fast(
            pn.widgets.FloatSlider(
                name=f"{p.label} (log)",
                start=lo,
                end=hi,
                step=(hi - lo) / LOG_STEPS,
                value=self._to_pos(value, lo, hi),
                format=CustomJSTickFormatter(code="return (10 ** tick).toPrecision(3)"),
                sizing_mode="stretch_width",
                **kw,
            )
        )
        self._busy = False
        self.slider.param.watch(self._from_widget, "value")
        obj.param.watch(self._from_param, name)

    @staticmethod
    def _to_pos(value, lo, hi):
        if value is None or not value > 0:
            return lo
        return min(max(math.log10(value), lo), hi)

    def _from_widget(self, event):
        if self._busy:
            return
        self._busy = True
        try:
            setattr(self._obj, self._name, float(f"{10**event.new:.4g}"))
        finally:
            self._busy = False

    def _from_param(self, event):
        if self._busy:
            return
        self._busy = True
        try:
            self.slider.value = self._to_pos(event.new, self.slider.start, self.slider.end)
        finally:
            self._busy = False

    def __panel__(self):
        return self.slider


def number_widget(obj: param.Parameterized, name: str, *, log: bool = False):
    """A slider bound to `obj.param[name]`: linear or logarithmic, label with unit.

    **Returns:**

    `(row, slider)`: a Row with the slider and a tooltip icon showing the doc, and the
    underlying `FloatSlider` (whose `value` is log10 of the parameter for log sliders).
    """
    p = obj.param[name]
    lo, hi = p.softbounds if p.softbounds else (p.bounds or (0.0, 1.0))
    lo = lo if lo is not None else 0.0
    hi = hi if hi is not None else lo + 1.0
    doc = p.doc or p.label
    if log and lo > 0 and hi > lo:
        w = LogSlider(obj, name, lo, hi)
        slider = w.slider
    else:
        kwargs = dict(start=lo, end=hi, name=p.label, sizing_mode="stretch_width")
        if p.step:
            kwargs["step"] = p.step
        w = slider = fast(pn.widgets.FloatSlider.from_param(p, **kwargs))
    tip = pn.widgets.TooltipIcon(value=doc, margin=(25, 0, 0, 0), width=20)
    return pn.Row(w, tip, sizing_mode="stretch_width"), slider
