"""Input generators: currents and spike trains made inside the jitted loop.

`DCGenerator` (pA), `PoissonGenerator` (Hz), `BernoulliGenerator` (per-step
probability), `SpikeGenerator` (given times, ms), `CustomGenerator` (replayed data or
file) and `InputTransmitter` (external data as spikes or current). All are active on
the half-open window [start, stop) ms.
"""

from ._replay import CustomGenerator, InputTransmitter, SpikeGenerator, load_numeric_file
from ._simple import BernoulliGenerator, DCGenerator, PoissonGenerator

__all__ = [
    "BernoulliGenerator",
    "CustomGenerator",
    "DCGenerator",
    "InputTransmitter",
    "PoissonGenerator",
    "SpikeGenerator",
    "load_numeric_file",
]
