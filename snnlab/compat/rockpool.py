"""rockpool's `rockpool.devices.dynapse` names on snnlab's Dynap-SE emulator.

    # from rockpool.devices.dynapse import DynapSim
    from snnlab.compat.rockpool import DynapSim

`DynapSim` is `snnlab.dynapse.DynapSim`: rockpool's constructor (positional order
included), defaults and SI units, its module interface (`parameters`, `state`,
`simulation_parameters`, `set_attributes`, `reset_state`, `reset_parameters`, `timed`,
`as_graph`, `from_graph`) and both input layouts: `(T, N)` (rockpool's one synapse, AMPA
here) and `(T, N, 4)` (the seed's AMPA, GABA, NMDA, SHUNT).
"""

from ..dynapse import (
    DynapSim,
    DynapSimGraph,
    TimedDynapSim,
    current_from_pulse_width,
    current_from_tau,
    pulse_width_from_current,
    tau_from_current,
)

__all__ = [
    "DynapSim",
    "DynapSimGraph",
    "TimedDynapSim",
    "current_from_pulse_width",
    "current_from_tau",
    "pulse_width_from_current",
    "tau_from_current",
]
