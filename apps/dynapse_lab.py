"""Dynap-SE lab: bias currents and their times, the four synapses, mismatch in a population."""

from snnlab.apps import servable

servable("dynapse_lab")
