"""Dynap-SE lab: bias currents and their times, the four synapses, mismatch in a population."""

from snnlab.app._lab_dynapse import DynapseLab
from snnlab.app._page import AppPage, framed
from snnlab.apps._script import run_as_script, servable

TITLE = "snnlab: Dynap-SE emulator"
"""The browser tab's title."""

INTRO = r"""
The Dynap-SE chip computes with subthreshold currents, not voltages. Its neurons and its
four synapse types (AMPA, GABA, NMDA, SHUNT) are DPI circuits whose time constants are set
by bias currents,

$$\tau = \frac{C\,U_T}{\kappa\,I_\tau}$$

so a bias ten times larger makes a synapse ten times faster. Drag a bias and watch the
membrane current `imem`, the synaptic currents and the spikes of a population whose
transistors differ by the mismatch you choose. Currents in A, times in ms.
"""


def page() -> AppPage:
    """A fresh page: the `DynapseLab` in the shared frame with its introduction."""
    return framed(DynapseLab(), "Dynap-SE emulator", INTRO)


if run_as_script(__name__):
    servable(page, TITLE)
