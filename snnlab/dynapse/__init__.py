"""Dynap-SE emulator: rockpool's DynapSim with four DPI synapse types, in SI units.

`DynapSim` simulates a population of mixed-signal Dynap-SE neurons from their bias
currents (A), capacitances (F) and transistor constants; the helpers convert between
bias currents and the time constants and pulse widths they set (s). `DynapSim` also has
rockpool's module interface (`parameters`, `state`, `simulation_parameters`,
`set_attributes`, `reset_state`, `timed`, `as_graph`).
"""

from ._convert import (
    current_from_pulse_width,
    current_from_tau,
    mean_kappa,
    pulse_width_from_current,
    tau_from_current,
)
from ._dynapsim import POSITIONAL, RECORD_KEYS, SYNAPSES, DynapSim, trace_count
from ._module_api import DynapSimGraph, TimedDynapSim, TimedOutput

__all__ = [
    "DynapSim",
    "DynapSimGraph",
    "POSITIONAL",
    "RECORD_KEYS",
    "SYNAPSES",
    "TimedDynapSim",
    "TimedOutput",
    "current_from_pulse_width",
    "current_from_tau",
    "mean_kappa",
    "pulse_width_from_current",
    "tau_from_current",
    "trace_count",
]
