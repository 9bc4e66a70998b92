"""Neuron models (equinox Modules) with neurai's names, defaults and units.

Continuous-time models implement the event-model interface of
`snnlab.core.AbstractNeuronModel` and run on both engines.
"""

from ._glif import GLIF3, GLIF3PSC
from ._hh import HH, HHPSC, gate_steady_states
from ._izhikevich import PATTERNS as IZHIKEVICH_PATTERNS
from ._izhikevich import Izhikevich
from ._lif import LIF, ExpLIF

CONTINUOUS_MODELS = (LIF, ExpLIF, GLIF3, GLIF3PSC, HH, HHPSC, Izhikevich)
"""Every continuous-time model class."""

__all__ = [
    "CONTINUOUS_MODELS",
    "ExpLIF",
    "GLIF3",
    "GLIF3PSC",
    "HH",
    "HHPSC",
    "IZHIKEVICH_PATTERNS",
    "Izhikevich",
    "LIF",
    "gate_steady_states",
]
