"""Sensitivities: which knob matters here (jax.grad), and EventProp training live."""

from snnlab.apps import servable

servable("sensitivity")
