"""The Explorer: pick any model, inputs and engine, drag a slider, see the run change."""

from snnlab.apps import servable

servable("explorer")
