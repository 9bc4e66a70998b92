"""Dynap-SE emulator: rockpool's DynapSim with four DPI synapse types, in SI units.

`DynapSim` simulates a population of mixed-signal Dynap-SE neurons from their bias
currents (A), capacitances (F) and transistor constants; the helpers convert between
bias currents and the time constants and pulse widths they set (s).
"""

from ._convert import (
    current_from_pulse_width,
    current_from_tau,
    mean_kappa,
    pulse_width_from_current,
    tau_from_current,
)
from ._dynapsim import RECORD_KEYS, SYNAPSES, DynapSim, trace_count

__all__ = [
    "DynapSim",
    "RECORD_KEYS",
    "SYNAPSES",
    "current_from_pulse_width",
    "current_from_tau",
    "mean_kappa",
    "pulse_width_from_current",
    "tau_from_current",
    "trace_count",
]
