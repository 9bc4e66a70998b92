"""Generators and encoders: every input source, its output and a population's response."""

import snnlab
from snnlab.app._lab_inputs import InputsLab

snnlab.extension(warn=False, sizing_mode="stretch_width")

InputsLab().servable(title="snnlab: generators and encoders")
