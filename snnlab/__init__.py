"""snnlab: see spiking neuron models work.

A jitted JAX simulator (time-stepped and event-based engines) with the neurai model
zoo, input generators, the jaxsnn encoders and EventProp gradients and a Dynap-SE
emulator, under a param model layer and live HoloViews/Panel apps.

    import snnlab
    res = snnlab.simulate(snnlab.neurons.LIF(I_e=500.0), duration=100.0, dt=0.1)
"""

from . import core, generators, neurons
from .core import Connection, Result, simulate

__version__ = "0.1.0"

__all__ = ["Connection", "Result", "core", "generators", "neurons", "simulate"]
