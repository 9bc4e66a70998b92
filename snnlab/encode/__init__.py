"""The jaxsnn discrete-time encoders (`jaxsnn.discrete.encode`), with jaxsnn's names,
signatures and defaults.

Units follow jaxsnn: times in seconds, voltages and currents dimensionless.
"""

from ._encode import (
    LIFParameters,
    constant_current_lif_encode,
    heaviside,
    lif_current_encoder,
    one_hot,
    spatio_temporal_encode,
    superspike,
)

__all__ = [
    "LIFParameters",
    "constant_current_lif_encode",
    "heaviside",
    "lif_current_encoder",
    "one_hot",
    "spatio_temporal_encode",
    "superspike",
]
