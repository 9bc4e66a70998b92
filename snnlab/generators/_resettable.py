"""neurai's generator interface shared by every snnlab generator: `reset()`."""

from __future__ import annotations


class Resettable:
    """Mixin giving neurai's `reset()` to a generator.

    Every generator also has neurai's class attribute `is_spike_binary`: True where neurai
    says so (DC, Bernoulli, Spike), False for sources of counts or real values (Poisson,
    Custom, InputTransmitter and the teaching currents).
    """

    def reset(self):
        """neurai's `reset()`: this generator at its start. snnlab's generators hold no
        state between runs (every run starts from its seed; a stateful source such as
        `OUGenerator` keeps its memory in the run's loop), so it returns `self`."""
        return self
