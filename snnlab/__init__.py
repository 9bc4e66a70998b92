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

__all__ = [
    "Connection",
    "Result",
    "app",
    "core",
    "extension",
    "generators",
    "neurons",
    "params",
    "simulate",
    "viz",
]

_LAZY = ("params", "viz", "app")


def __getattr__(name: str):
    # The UI layers load param, holoviews and panel; import them only when asked for,
    # so that `import snnlab` stays free of UI libraries.
    if name in _LAZY:
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'snnlab' has no attribute {name!r}")


def extension(*args, **kwargs) -> None:
    """Load Panel and HoloViews (Bokeh) for notebooks; warns when jupyter_bokeh is missing.

    See `snnlab.app.extension`; arguments go to `panel.extension`.
    """
    from .app import extension as _extension

    _extension(*args, **kwargs)
