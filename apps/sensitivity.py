"""Sensitivities: which knob matters here (JAX autodiff), and EventProp training live."""

from snnlab.apps import servable

servable("sensitivity")
