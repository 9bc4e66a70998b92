"""Dynap-SE lab: bias currents and their times, the four synapses, mismatch in a population."""

import snnlab
from snnlab.app._lab_dynapse import DynapseLab

snnlab.extension(warn=False, sizing_mode="stretch_width")

DynapseLab().servable(title="snnlab: Dynap-SE emulator")
