"""The apps' widgets for any `snnlab.params` object in Jupyter: log sliders, units, docs.

    import snnlab.app.jupyter      # registers the sliders with panel
    import snnlab.params as sp
    pn.Param(sp.DynapSim())        # Idc (A) on a log slider 1e-15..1e-8, doc as tooltip
    pn.panel(sp.DynapSim())        # the same
    snnlab.app.jupyter.sliders(sp.LIF())   # exactly the rows the apps build

Importing this module maps `snnlab.params.ModelNumber` (every model parameter) to
`DocFloatSlider` and `snnlab.params.LogNumber` (those whose metadata says `log=True`) to
`LogFloatSlider` in `pn.Param.mapping`; `install()` does it again (idempotent). Labels
carry the unit (`"Idc (A)"`), the doc is a tooltip icon beside the slider, as in the apps.
"""

from __future__ import annotations

import math

import panel as pn
import param
from bokeh.models import CustomJSTickFormatter

from ..params import LogNumber, ModelNumber, ModelParameters
from ._widgets import LOG_STEPS, LogSlider, fast, number_widget


class _DocumentedSlider(pn.widgets.CompositeWidget):
    """A slider and a tooltip icon; `value` is the parameter's value."""

    value = param.Number(default=None, allow_None=True, doc="the value (parameter's unit)")
    start = param.Number(default=0.0, doc="left end")
    end = param.Number(default=1.0, doc="right end")
    step = param.Number(default=None, allow_None=True, doc="slider step")
    description = param.String(default=None, allow_None=True, doc="tooltip text")

    _composite_type = pn.Row

    def __init__(self, **params):
        name = params.pop("name", None)  # pn.Param passes the parameter's name as `name`
        if name and not params.get("label"):
            params["label"] = name
        super().__init__(**params)
        self._slider = fast(self._make_slider())
        items = [self._slider]
        if self.description:
            items.append(pn.widgets.TooltipIcon(value=self.description, margin=(25, 0, 0, 0)))
        self._composite[:] = items
        self._busy = False
        self._slider.param.watch(self._from_slider, "value")
        self.param.watch(self._from_value, "value")

    def _make_slider(self) -> pn.widgets.FloatSlider:
        kw = dict(start=self.start, end=self.end, label=self.label, disabled=self.disabled)
        if self.step:
            kw["step"] = self.step
        value = self.start if self.value is None else min(max(self.value, self.start), self.end)
        return pn.widgets.FloatSlider(value=value, sizing_mode="stretch_width", **kw)

    def _to_slider(self, value):
        return value

    def _from_slider_value(self, pos):
        return pos

    def _from_slider(self, event):
        if self._busy:
            return
        self._busy = True
        try:
            self.value = self._from_slider_value(event.new)
        finally:
            self._busy = False

    def _from_value(self, event):
        if self._busy:
            return
        self._busy = True
        try:
            s = self._slider
            if event.new is not None:
                s.value = min(max(self._to_slider(event.new), s.start), s.end)
        finally:
            self._busy = False


class DocFloatSlider(_DocumentedSlider):
    """A linear slider with the parameter's doc as a tooltip (the apps' linear rows)."""


class LogFloatSlider(_DocumentedSlider):
    """A slider on log10 of a positive `value` (the apps' `LogSlider`), with a tooltip.

    `start`, `end` are the value's ends (> 0); `step` is unused: the slider moves in
    `LOG_STEPS` equal ratios between them.
    """

    def _make_slider(self) -> pn.widgets.FloatSlider:
        lo, hi = math.log10(self.start), math.log10(self.end)
        return pn.widgets.FloatSlider(
            label=f"{self.label} (log)",
            start=lo,
            end=hi,
            step=(hi - lo) / LOG_STEPS,
            value=LogSlider._to_pos(self.value, lo, hi),
            format=CustomJSTickFormatter(code="return (10 ** tick).toPrecision(3)"),
            sizing_mode="stretch_width",
            disabled=self.disabled,
        )

    def _to_slider(self, value):
        return LogSlider._to_pos(value, self._slider.start, self._slider.end)

    def _from_slider_value(self, pos):
        return float(f"{10**pos:.4g}")


def install() -> None:
    """Map the model number types to the apps' sliders in `pn.Param` (idempotent)."""
    pn.Param.mapping[ModelNumber] = DocFloatSlider
    pn.Param.mapping[LogNumber] = LogFloatSlider


def sliders(obj: ModelParameters) -> pn.Column:
    """The apps' own rows for `obj`: one `number_widget` per slider (logarithmic where
    the model says so), then `pn.Param` for the other settings (e.g. `method`).

    **Returns:** a `pn.Column`.
    """
    names = obj.slider_names()
    rows = [number_widget(obj, n, log=obj.spec_of(n).log)[0] for n in names]
    others = [
        n
        for n, p in obj.param.objects("existing").items()
        if n not in names and n != "name" and (p.precedence is None or p.precedence >= 0)
    ]
    if others:
        rows.append(pn.Param(obj, parameters=others, show_name=False))
    return pn.Column(*rows, sizing_mode="stretch_width")


install()
