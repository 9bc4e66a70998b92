"""Sensitivities: which knob matters here? d(rate or first spike time)/d(parameter) by autodiff.

The lab (`SensitivityLab`): a neuron model's sliders, each with its sensitivity written
beside it, and bars of d quantity / d parameter by every gradient method that applies.
The mathematics is in `_lab_sensitivity_compute` (one compiled function per model, in
forward mode: a slider move never recompiles), the plots in `_lab_sensitivity_views`
(Bokeh figures built once, new columns on each move), and the EventProp demo shown
under the bars in `_lab_sensitivity_eventprop`.
"""

from __future__ import annotations

import math

import numpy as np
import panel as pn
import param

from .. import params as sp
from ..core import AbstractStepwiseModel
from ._lab_common import DIMENSIONLESS, Lab, lab_slider
from ._lab_sensitivity_compute import (
    CURRENT,
    QUANTITIES,
    T_MAX,
    all_sensitivities,
    gradient_methods,
    sensitivities,
)
from ._lab_sensitivity_eventprop import EventPropDemo, eventprop_available, ttfs_first_spike_times
from ._lab_sensitivity_views import bars_view
from ._live import LiveText
from ._widgets import fast

MODELS = ("LIF", "ExpLIF", "Izhikevich", "HH", "GLIF3", "SNNLIF", "SNNIF", "SNNALIF")
"""Models offered by the sensitivity lab."""


def _slider_label() -> LiveText:
    """A short line of text beside a slider (its sensitivity), 120 px wide."""
    text = LiveText()
    text.div.sizing_mode = text.pane.sizing_mode = "fixed"
    text.div.width = text.pane.width = 120
    text.pane.margin = (20, 0, 0, 5)
    return text


class SensitivityLab(Lab):
    """Which knob matters here: d(rate or first spike time)/d(parameter) by JAX autodiff.

    **Parameters:** `model` (one of `MODELS`), `current` (constant input, pA; for SNN*
    models the dimensionless input per step), `quantity` ("rate", Hz, or "first spike",
    ms), `scale` ("per unit" of each parameter, or "per 10% of slider range", which makes
    the bars comparable), `dt` (grid step of the stepped and surrogate methods, ms).
    The model's sliders live in `neuron_params[model]`; beside each slider its
    sensitivity is written out. After a run, `value` is the quantity and `grads[method]`
    the gradients by parameter name. The EventProp demo is `demo`.
    """

    model = param.Selector(default="LIF", objects=list(MODELS), doc="neuron model")
    current = param.Number(
        500.0, softbounds=(-100.0, 2000.0), step=10.0, label="I (pA)", doc="input current (pA)"
    )
    quantity = param.Selector(default="rate", objects=list(QUANTITIES), doc="what to differentiate")
    scale = param.Selector(
        default="per 10% of slider range",
        objects=["per 10% of slider range", "per unit"],
        doc="bar heights: the change for a tenth of each slider's range, or per unit",
    )
    dt = param.Number(0.05, bounds=(0.005, 1.0), step=0.005, label="dt (ms)", doc="grid step (ms)")

    _DEFAULT_CURRENT = {"Izhikevich": 10.0, "HH": 800.0, "SNNIF": 0.2}
    _CURRENT_RANGE = {"Izhikevich": (-10.0, 40.0), "HH": (0.0, 2000.0), "SNN": (-1.0, 5.0)}
    """Range of the current slider by model (pA; dimensionless for the SNN* family)."""

    def current_range(self) -> tuple[float, float]:
        """The current slider's range for the chosen model (pA, or dimensionless)."""
        key = "SNN" if self.model.startswith("SNN") else self.model
        return self._CURRENT_RANGE.get(key, (-100.0, 2000.0))

    def __init__(self, **params):
        super().__init__(**params)
        reg = sp.registry()
        self.neuron_params = {m: reg[m]() for m in MODELS if m in reg}
        self.param.model.objects = list(self.neuron_params)
        self.value = math.nan
        self.grads: dict[str, dict[str, float]] = {}
        self.bars_view = bars_view()
        self.bars_pane = self.bars_view.pane
        self.readout = LiveText()
        self.model_box = pn.Column(sizing_mode="stretch_width")
        self.labels: dict[str, LiveText] = {}
        self.sliders: dict[str, pn.widgets.Widget] = {}
        self._current_sliders: list[pn.widgets.Widget] = []
        for obj in self.neuron_params.values():
            names = [n for n in obj.param if n not in ("name", "size", "method")]
            obj.param.watch(self.request_run, names)
        self._fill_model_box()
        self.param.watch(self._model_changed, ["model"])
        self.param.watch(self.request_run, ["current", "quantity", "scale", "dt"])
        self.demo = EventPropDemo()
        self.request_run()

    def _names(self) -> list[str]:
        obj = self.neuron_params[self.model]
        return [
            n
            for n in obj.slider_names()
            if n not in obj.channels and getattr(obj, n) is not None and n in obj.specs
        ]

    def _fill_model_box(self):
        obj = self.neuron_params[self.model]
        rows, self.labels, self.sliders = [], {}, {}
        for name in self._names():
            row, slider = lab_slider(obj, name)
            label = _slider_label()
            self.labels[name] = label
            self.sliders[name] = slider
            rows.append(pn.Row(row, label.pane, sizing_mode="stretch_width"))
        self.model_box.objects = [pn.pane.Markdown(f"#### {self.model}"), *rows]

    def _model_changed(self, event):
        lo, hi = self.current_range()
        step = 10.0 if hi - lo > 100 else 0.05
        default = self._DEFAULT_CURRENT.get(
            event.new, 1.5 if event.new.startswith("SNN") else 500.0
        )
        self._suspended += 1
        try:
            self.param.current.softbounds = (lo, hi)
            self.param.current.step = step
            for slider in self._current_sliders:  # range, title and value in one change
                slider.param.update(
                    start=lo, end=hi, step=step, value=default, label=self.current_label()
                )
            self.current = default
        finally:
            self._suspended -= 1
        self._fill_model_box()
        self.request_run()

    def _span(self, name) -> float:
        if name == CURRENT:
            lo, hi = self.current_range()
            return hi - lo
        p = self.neuron_params[self.model].param[name]
        lo, hi = p.softbounds or p.bounds
        return float(hi - lo)

    def _unit(self, name) -> str:
        """The unit of parameter `name` (`CURRENT` included), "dimensionless" if none."""
        if name == CURRENT:
            return DIMENSIONLESS if self.model.startswith("SNN") else "pA"
        return self.neuron_params[self.model].spec_of(name).unit or DIMENSIONLESS

    def current_label(self) -> str:
        """Title of the input-current slider: pA, or dimensionless for the SNN* models."""
        if self.model.startswith("SNN"):
            return f"I ({DIMENSIONLESS}, input per step)"
        return "I (pA)"

    def per_unit(self, name) -> str:
        """The unit of d quantity / d `name`: e.g. Hz/pA, or Hz for a dimensionless one."""
        unit, of = QUANTITIES[self.quantity], self._unit(name)
        return unit if of == DIMENSIONLESS else f"{unit}/{of}"

    def sync_settings(self) -> None:
        """A discrete-time model has no first spike time: its quantity becomes the rate."""
        self._note = ""
        obj = self.neuron_params[self.model]
        if issubclass(obj.model_class, AbstractStepwiseModel) and self.quantity != "rate":
            self._suspended += 1
            try:
                self.quantity = "rate"
            finally:
                self._suspended -= 1
            self._note = (
                f"{self.model} is a discrete-time model: only its rate has a (surrogate) "
                "gradient, so the rate is shown."
            )

    def run_key(self):
        """What names a run's cost: the model (its compiled function) and the octave of
        dt (the stepped search takes up to T_MAX / dt steps). The quantity and dt are
        data of the compiled function: changing them does not compile."""
        return ("SensitivityLab", self.model, round(math.log2(float(self.dt))))

    def work(self):
        """Gradients for the current values by every applicable method (no pane).

        **Returns:** `(value, grads)`: the quantity (by the first method: the exact one
        where it applies) and, by method, its gradients.
        """
        model = self.neuron_params[self.model].to_model()
        methods = gradient_methods(model)
        if self.quantity != "rate":
            methods = tuple(m for m in methods if m != "surrogate")
        if not methods:
            raise ValueError(
                f"{self.model} is a discrete-time model: only the rate has a (surrogate) "
                "gradient; choose quantity = rate."
            )
        out = all_sensitivities(
            model, self._names(), current=float(self.current), methods=methods, dt=float(self.dt)
        )
        grads = {m: out[m][self.quantity][1] for m in methods}
        return out[methods[0]][self.quantity][0], grads

    def present(self, result) -> str:
        """Show `work`'s gradients: bars, labels beside the sliders, readout."""
        self.value, self.grads = result
        self._send()
        note = getattr(self, "_note", "")
        if note:
            return note
        if not np.isfinite(self.value) or (self.quantity == "rate" and self.value == 0):
            return (
                f"The neuron does not fire in {T_MAX:g} ms at I = {self.current:g}: every "
                "sensitivity is 0 or undefined; raise the current."
            )
        return ""

    def _bar_height(self, name, g) -> float:
        return g * 0.1 * self._span(name) if self.scale != "per unit" else g

    def _send(self):
        unit = QUANTITIES[self.quantity]
        method = next(iter(self.grads))
        rows = []
        for m, grads in self.grads.items():
            for name, g in grads.items():
                rows.append((f"{name} ({self._unit(name)})", m, self._bar_height(name, g)))
        self.bars_view.show({"rows": rows, "y_label": self.y_label()})
        for name, label in self.labels.items():
            g = self.grads[method].get(name, math.nan)
            label.object = f"{g:+.3g} {self.per_unit(name)}"
        g_i = self.grads[method][CURRENT]
        self.readout.object = (
            f"**{self.quantity} = {self.value:.4g} {unit}** ({self.model}, I = "
            f"{self.current:g} {self._unit(CURRENT)}); d {self.quantity} / dI = {g_i:.4g} "
            f"{self.per_unit(CURRENT)}; methods: {', '.join(self.grads)}"
        )

    def y_label(self) -> str:
        """The bars' y axis: what a bar's height means, with its unit."""
        unit = QUANTITIES[self.quantity]
        if self.scale != "per unit":
            return f"change of {self.quantity} per 10% of slider range ({unit})"
        # each bar in its own unit: the quantity's per unit of its parameter
        return f"d {self.quantity} / d parameter ({unit} per parameter unit)"

    def __panel__(self):
        lo, hi = self.current_range()
        self.current_slider = fast(
            pn.widgets.FloatSlider.from_param(
                self.param.current,
                label=self.current_label(),
                start=lo,
                end=hi,
                sizing_mode="stretch_width",
            )
        )
        self._current_sliders.append(self.current_slider)
        sidebar = pn.Column(
            pn.pane.Markdown("### Sensitivities"),
            pn.widgets.Select.from_param(self.param.model, sizing_mode="stretch_width"),
            pn.widgets.RadioButtonGroup.from_param(self.param.quantity),
            pn.widgets.Select.from_param(self.param.scale, sizing_mode="stretch_width"),
            self.current_slider,
            fast(pn.widgets.FloatSlider.from_param(self.param.dt, sizing_mode="stretch_width")),
            self.model_box,
            width=420,
            scroll=True,
        )
        main = pn.Column(
            self.alert,
            self.readout,
            self.bars_pane,
            pn.pane.Markdown(
                "**exact**: the event engine's closed-form crossing, differentiated (LIF, "
                "ExpLIF). **stepped**: the model's integrator on a grid, the crossing "
                "interpolated (any continuous model; error of order dt). **surrogate**: "
                "the spike count through the surrogate spike function (SNN* models)."
            ),
            pn.layout.Divider(),
            self.demo,
            sizing_mode="stretch_width",
        )
        return pn.Row(sidebar, main, sizing_mode="stretch_width")


__all__ = [
    "CURRENT",
    "EventPropDemo",
    "MODELS",
    "QUANTITIES",
    "SensitivityLab",
    "all_sensitivities",
    "eventprop_available",
    "gradient_methods",
    "sensitivities",
    "ttfs_first_spike_times",
]
