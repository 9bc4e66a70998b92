"""Neuron models (equinox Modules) with neurai's names, defaults and units.

Continuous-time models implement the event-model interface of
`snnlab.core.AbstractNeuronModel` and run on both engines; the discrete-time SNN*
family (`STEPWISE_MODELS`) runs on the stepped engine (one step = dt) and as plain
functions (`multi_step`) inside a training loop, with surrogate gradients. Initializers
(`Constant`, `Normal`, `Uniform`, `FromArray`, via `resolve_initializers`) make
heterogeneous populations reproducibly from a seed.
"""

from ._adex import ADEX_PATTERNS, EIF, AdEx
from ._differentiable import surrogate_run
from ._fhn import FitzHughNagumo
from ._glif import GLIF3, GLIF3PSC
from ._hh import HH, HHPSC, gate_steady_states
from ._initializers import (
    AbstractInitializer,
    Constant,
    FromArray,
    Normal,
    Uniform,
    is_initializer,
    resolve_initializers,
)
from ._izhikevich import PATTERNS as IZHIKEVICH_PATTERNS
from ._izhikevich import Izhikevich
from ._lif import LIF, ExpLIF
from ._morris_lecar import MORRIS_LECAR_PRESETS, MorrisLecar
from ._qif import QIF
from ._reduced_hh import ReducedHH
from ._stepwise import (
    SNNALIF,
    SNNEIF,
    SNNIF,
    SNNKLIF,
    SNNLIF,
    SNNQIF,
    SNNSRM,
    STEPWISE_MODELS,
    AbstractStepwiseNeuron,
    NormalIniter,
    SNNParamtricLIF,
    SparseLIF,
    multi_step,
    single_step,
)
from ._surrogate import (
    SURROGATES,
    AbstractSurrogate,
    Arctan,
    GatedSurrogate,
    MultiGaussian,
    Rectangular,
    Sigmoid,
    SuperSpike,
    spike_fn,
)

NEURAI_MODELS = (LIF, ExpLIF, GLIF3, GLIF3PSC, HH, HHPSC, Izhikevich)
"""The continuous-time models of the neurai package."""

TEACHING_MODELS = (AdEx, EIF, QIF, FitzHughNagumo, MorrisLecar, ReducedHH)
"""Classic low-dimensional models for teaching (phase planes, bifurcations)."""

CONTINUOUS_MODELS = NEURAI_MODELS + TEACHING_MODELS
"""Every continuous-time model class."""

__all__ = [
    "ADEX_PATTERNS",
    "AbstractInitializer",
    "Constant",
    "FromArray",
    "Normal",
    "Uniform",
    "is_initializer",
    "resolve_initializers",
    "surrogate_run",
    "AdEx",
    "EIF",
    "FitzHughNagumo",
    "MORRIS_LECAR_PRESETS",
    "MorrisLecar",
    "NEURAI_MODELS",
    "QIF",
    "ReducedHH",
    "TEACHING_MODELS",
    "AbstractStepwiseNeuron",
    "AbstractSurrogate",
    "Arctan",
    "GatedSurrogate",
    "MultiGaussian",
    "NormalIniter",
    "Rectangular",
    "SNNALIF",
    "SNNEIF",
    "SNNIF",
    "SNNKLIF",
    "SNNLIF",
    "SNNParamtricLIF",
    "SNNQIF",
    "SNNSRM",
    "STEPWISE_MODELS",
    "SURROGATES",
    "Sigmoid",
    "SparseLIF",
    "SuperSpike",
    "multi_step",
    "single_step",
    "spike_fn",
    "CONTINUOUS_MODELS",
    "ExpLIF",
    "GLIF3",
    "GLIF3PSC",
    "HH",
    "HHPSC",
    "IZHIKEVICH_PATTERNS",
    "Izhikevich",
    "LIF",
    "gate_steady_states",
]
