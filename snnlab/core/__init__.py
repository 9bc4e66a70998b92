"""The simulation core: engines, integrators, `Result`, `Connection`, model base classes.

Imports only jax, equinox, diffrax, optimistix and numpy, so it runs from a plain
script, a test or a GPU job.
"""

from ._cache import default_cache_dir, enable_compilation_cache, enable_from_environment
from ._connection import Connection
from ._event import (
    MaxSpikesWarning,
    PrecisionWarning,
    event_trace_count,
    lif_crossing,
    lif_u,
    simulate_event,
)
from ._generator import AbstractGenerator, GridPlan
from ._grid import NEVER, as_decimal_float64, grid_index
from ._integrators import (
    INTEGRATORS,
    RKF45,
    RKF45_ATOL,
    RKF45_MAX_SUBSTEPS,
    RKF45_RTOL,
    STEPPERS,
)
from ._interface import InterfaceModel, as_neuron_model, missing_interface
from ._model import METHODS, AbstractNeuronModel, AbstractStepwiseModel, LeakyClosedForm, phi1
from ._param import ParamSpec, check_parameters, float_array, param_specs, parameter
from ._precision import PRECISIONS, precision, precision_scope, set_precision
from ._result import Result, SimState
from ._simulate import (
    ENGINES,
    CoarseStepWarning,
    DivergenceWarning,
    SolverFailureWarning,
    make_result,
    normalise_inputs,
    simulate,
)
from ._stepped import bucket_steps, trace_count

__all__ = [
    "AbstractGenerator",
    "AbstractNeuronModel",
    "AbstractStepwiseModel",
    "Connection",
    "CoarseStepWarning",
    "DivergenceWarning",
    "ENGINES",
    "GridPlan",
    "NEVER",
    "grid_index",
    "INTEGRATORS",
    "InterfaceModel",
    "LeakyClosedForm",
    "MaxSpikesWarning",
    "METHODS",
    "PRECISIONS",
    "PrecisionWarning",
    "ParamSpec",
    "RKF45",
    "RKF45_ATOL",
    "RKF45_MAX_SUBSTEPS",
    "RKF45_RTOL",
    "STEPPERS",
    "SolverFailureWarning",
    "Result",
    "SimState",
    "as_decimal_float64",
    "as_neuron_model",
    "bucket_steps",
    "check_parameters",
    "event_trace_count",
    "float_array",
    "lif_crossing",
    "lif_u",
    "make_result",
    "enable_compilation_cache",
    "default_cache_dir",
    "missing_interface",
    "normalise_inputs",
    "param_specs",
    "parameter",
    "phi1",
    "precision",
    "precision_scope",
    "set_precision",
    "simulate",
    "simulate_event",
    "trace_count",
]

enable_from_environment()  # the persistent compilation cache, when $SNNLAB_COMPILATION_CACHE asks
