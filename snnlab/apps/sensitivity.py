"""Sensitivities: which knob matters here (JAX autodiff), and EventProp training live."""

from snnlab.app._lab_sensitivity import SensitivityLab
from snnlab.app._page import AppPage, framed
from snnlab.apps._script import run_as_script, servable

TITLE = "snnlab: sensitivities"
"""The browser tab's title."""

INTRO = r"""
Which parameter matters at this operating point? JAX's automatic differentiation
(forward mode) differentiates the firing rate with respect to every parameter at once
(dr/dθ), and the bars rank them. Below, EventProp computes exact gradients of spike *times* of an
event-based layer (dt_k/dw), and trains it live towards target times.
"""


def page() -> AppPage:
    """A fresh page: the `SensitivityLab` in the shared frame with its introduction."""
    return framed(SensitivityLab(), "Sensitivities", INTRO)


if run_as_script(__name__):
    servable(page, TITLE)
