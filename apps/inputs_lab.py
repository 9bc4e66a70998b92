"""Generators and encoders: every input source, its output and a population's response."""

from snnlab.apps import servable

servable("inputs_lab")
