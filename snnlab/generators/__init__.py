"""Input generators: currents and spike trains made inside the jitted loop.

`DCGenerator` (pA), `PoissonGenerator` (Hz), `BernoulliGenerator` (per-step
probability), `SpikeGenerator` (given times, ms), `CustomGenerator` (replayed data or
file) and `InputTransmitter` (external data as spikes or current). All are active on
the half-open window [start, stop) ms. For teaching, beyond neurai:
`StepCurrentGenerator`, `RampGenerator`, `SineGenerator` and `OUGenerator`
(Ornstein-Uhlenbeck noise), all currents in pA.
"""

from ._replay import CustomGenerator, InputTransmitter, SpikeGenerator, load_numeric_file
from ._shapes import OUGenerator, RampGenerator, SineGenerator, StepCurrentGenerator
from ._simple import BernoulliGenerator, DCGenerator, PoissonGenerator

GENERATORS = (
    DCGenerator,
    PoissonGenerator,
    BernoulliGenerator,
    SpikeGenerator,
    CustomGenerator,
    InputTransmitter,
    StepCurrentGenerator,
    RampGenerator,
    SineGenerator,
    OUGenerator,
)
"""Every generator class."""

__all__ = [
    "GENERATORS",
    "OUGenerator",
    "RampGenerator",
    "SineGenerator",
    "StepCurrentGenerator",
    "BernoulliGenerator",
    "CustomGenerator",
    "DCGenerator",
    "InputTransmitter",
    "PoissonGenerator",
    "SpikeGenerator",
    "load_numeric_file",
]
