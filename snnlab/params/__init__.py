"""The param model layer: one `param.Parameterized` per model, derived from its metadata.

    import snnlab.params as sp
    lif = sp.LIF(tau=20.0)          # a Parameterized: bounds, units, docs, steps
    model = lif.to_model()          # the equinox snnlab.neurons.LIF
    pn.Param(lif)                   # its sliders (in an app)

Every concrete model in `snnlab.neurons`, `snnlab.generators` and `snnlab.dynapse`
(when importable) gets a class of the same name, built from the model's own
`ParamSpec`s; models added later appear here without changes. This package imports
param and the model packages only (no panel, no holoviews).
"""

from ._build import (
    MODEL_PACKAGES,
    GeneratorParameters,
    ModelParameters,
    NeuronParameters,
    add_special_source,
    construct,
    device_models,
    discover_model_classes,
    for_model,
    generator_models,
    neuron_models,
    parameterized_class,
    registry,
)
from ._json import dumps, loads
from ._log import LogNumber, ModelNumber
from ._replay import register as _register_replay
from ._resume import resume_from

add_special_source(_register_replay)

__all__ = [
    "MODEL_PACKAGES",
    "GeneratorParameters",
    "LogNumber",
    "ModelNumber",
    "ModelParameters",
    "NeuronParameters",
    "construct",
    "device_models",
    "discover_model_classes",
    "dumps",
    "for_model",
    "generator_models",
    "loads",
    "neuron_models",
    "parameterized_class",
    "registry",
    "resume_from",
]


def __getattr__(name: str):
    classes = registry()
    if name in classes:
        return classes[name]
    classes = registry(refresh=True)
    if name in classes:
        return classes[name]
    raise AttributeError(f"module 'snnlab.params' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(registry()))
