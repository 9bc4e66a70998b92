"""Sensitivities: which knob matters here (jax.grad), and EventProp training live."""

import snnlab
from snnlab.app._lab_sensitivity import SensitivityLab

snnlab.extension(warn=False, sizing_mode="stretch_width")

SensitivityLab().servable(title="snnlab: sensitivities")
