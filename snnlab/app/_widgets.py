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
                label=f"{p.label} (log)",
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

    A parameter that may be `None` ("off", e.g. no refractory period) gets a checkbox
    beside its slider: unticked, the parameter is `None` and the slider is disabled.

    **Returns:**

    `(row, slider)`: a Row with the slider and a tooltip icon showing the doc, and the
    underlying `FloatSlider` (whose `value` is log10 of the parameter for log sliders).
    """
    p = obj.param[name]
    if p.allow_None:
        return _optional_widget(obj, name, log=log)
    lo, hi = _slider_ends(p)
    doc = p.doc or p.label
    if log and lo > 0 and hi > lo:
        w = LogSlider(obj, name, lo, hi)
        slider = w.slider
    else:
        kwargs = dict(start=lo, end=hi, label=p.label, sizing_mode="stretch_width")
        if p.step:
            kwargs["step"] = p.step
        w = slider = fast(pn.widgets.FloatSlider.from_param(p, **kwargs))
    tip = pn.widgets.TooltipIcon(value=doc, margin=(25, 0, 0, 0), width=20)
    return pn.Row(w, tip, sizing_mode="stretch_width"), slider


def _slider_ends(p: param.Number) -> tuple[float, float]:
    lo, hi = p.softbounds if p.softbounds else (p.bounds or (0.0, 1.0))
    lo = lo if lo is not None else 0.0
    hi = hi if hi is not None else lo + 1.0
    return lo, hi


class _Value(param.Parameterized):
    value = param.Number(0.0)


def _optional_widget(obj: param.Parameterized, name: str, *, log: bool):
    """`number_widget` for a parameter that accepts `None`: a checkbox and a slider.

    The slider edits a stand-in number that never is `None` (a Bokeh slider must hold a
    value); the checkbox decides whether that number or `None` goes to the parameter.
    """
    p = obj.param[name]
    lo, hi = _slider_ends(p)
    current = getattr(obj, name)
    proxy = _Value()
    proxy.param.value.softbounds = (lo, hi)
    proxy.param.value.bounds = p.bounds
    proxy.param.value.step = p.step
    proxy.param.value.label = p.label
    proxy.param.value.doc = p.doc
    proxy.value = lo if current is None else current
    row, slider = number_widget(proxy, "value", log=log)
    toggle = pn.widgets.Checkbox(
        label="on", value=current is not None, width=45, margin=(28, 0, 0, 5)
    )
    slider.disabled = current is None
    busy = [False]

    def push(*_):
        if busy[0]:
            return
        busy[0] = True
        try:
            slider.disabled = not toggle.value
            setattr(obj, name, float(proxy.value) if toggle.value else None)
        finally:
            busy[0] = False

    def pull(event):
        if busy[0]:
            return
        busy[0] = True
        try:
            toggle.value = event.new is not None
            slider.disabled = event.new is None
            if event.new is not None:
                proxy.value = event.new
        finally:
            busy[0] = False

    toggle.param.watch(push, "value")
    proxy.param.watch(push, "value")
    obj.param.watch(pull, name)
    row.insert(0, toggle)
    return row, slider


def _parse(p: param.Parameter, text: str):
    """The value typed for `p`, or raise ValueError with a message for the user."""
    text = text.strip()
    if isinstance(p, param.List):
        parts = [x for x in text.strip("[]()").replace(",", " ").split() if x]
        try:
            values = [float(x) for x in parts]
        except ValueError:
            raise ValueError("enter numbers separated by commas, e.g. 10, 20.5, 30") from None
        if not all(math.isfinite(v) for v in values):
            raise ValueError("every value must be a finite number")
        if any(v < 0 for v in values):
            raise ValueError("times cannot be negative")
        return sorted(values)
    integer = isinstance(p, param.Integer)
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{text[:30]!r} is not a number") from None
    if not math.isfinite(value):
        raise ValueError("enter a finite number")
    if integer:
        if value != int(value):
            raise ValueError("enter a whole number")
        value = int(value)
    lo, hi = p.bounds or (None, None)
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        if hi is None:
            raise ValueError(f"enter {lo:g} or more")
        if lo is None:
            raise ValueError(f"enter {hi:g} or less")
        raise ValueError(f"enter a value from {lo:g} to {hi:g}")
    return value


def _show_value(value) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(f"{v:g}" for v in value)
    return f"{value:g}" if isinstance(value, float) else str(value)


def validated_input(obj: param.Parameterized, name: str, *, label: str | None = None, **kw):
    """A text field for `obj.param[name]` (a number, a whole number or a list of numbers)
    that checks what is typed: a bad value leaves the parameter unchanged and shows why
    right under the field; a good one clears the message.

    **Returns:** a Column of the field and its message line.
    """
    p = obj.param[name]
    field = pn.widgets.TextInput(
        label=label or p.label, value=_show_value(getattr(obj, name)), **kw
    )
    message = pn.pane.HTML("", styles={"color": "#b00020", "font-size": "0.85em"}, margin=(0, 10))
    message.visible = False

    def typed(event):
        try:
            value = _parse(p, event.new)
        except ValueError as err:
            message.object = f"{err}; kept {_show_value(getattr(obj, name))}"
            message.visible = True
            return
        message.visible = False
        message.object = ""
        setattr(obj, name, value)

    def changed(event):
        shown = _show_value(event.new)
        if field.value != shown:
            field.value = shown

    field.param.watch(typed, "value")
    obj.param.watch(changed, name)
    return pn.Column(field, message, margin=0, width=kw.get("width"))
