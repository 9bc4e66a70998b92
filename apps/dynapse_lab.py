"""Dynap-SE lab: bias currents and their times, the four synapses, mismatch in a population."""

import snnlab
from snnlab.app._lab_dynapse import DynapseLab
from snnlab.app._page import framed

snnlab.extension(warn=False, sizing_mode="stretch_width")

INTRO = r"""
The Dynap-SE chip computes with subthreshold currents, not voltages. Its neurons and its
four synapse types (AMPA, GABA, NMDA, SHUNT) are DPI circuits whose time constants are set
by bias currents,

$$\tau = \frac{C\,U_T}{\kappa\,I_\tau}$$

so a bias ten times larger makes a synapse ten times faster. Drag a bias and watch the
membrane current `imem`, the synaptic currents and the spikes of a population whose
transistors differ by the mismatch you choose. Currents in A, times in ms.
"""

framed(DynapseLab(), "Dynap-SE emulator", INTRO).servable(title="snnlab: Dynap-SE emulator")
