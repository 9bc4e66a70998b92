"""Sensitivities: which knob matters here (jax.grad), and EventProp training live."""

import snnlab
from snnlab.app._lab_sensitivity import SensitivityLab
from snnlab.app._page import framed

snnlab.extension(warn=False, sizing_mode="stretch_width")

INTRO = r"""
Which parameter matters at this operating point? `jax.grad` differentiates the firing
rate with respect to every parameter at once (dr/dθ), and the
bars rank them. Below, EventProp computes exact gradients of spike *times* of an
event-based layer (dt_k/dw), and trains it live towards target times.
"""

framed(SensitivityLab(), "Sensitivities", INTRO).servable(title="snnlab: sensitivities")
