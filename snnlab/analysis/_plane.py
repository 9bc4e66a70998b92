"""The phase-plane pipeline in one place: re-exports of its parts, and the names the sweeps
(`_sweep.py`) build on.

    projection -> field (padded batches) -> vector_field, nullclines (contourpy, refined)
               -> fixed_points (optimistix Newton) -> classify (one vocabulary)
               -> trajectory, reset_map
"""

from ._field import (
    Nullclines,
    PhaseLine,
    VectorField,
    nullclines,
    phase_line,
    vector_field,
    zero_lines,
)
from ._fixed import KINDS, FixedPoints, classify, fixed_points
from ._fixed import dedupe as _dedupe
from ._fixed import finish as _finish
from ._fixed import solve_from as _solve_from
from ._fixed import starts as _starts
from ._projection import Projection, bucket, projection
from ._projection import check_model as _check_model
from ._projection import field_on as _field_on
from ._projection import limits as _limits
from ._reset import ResetMap, reset_map
from ._trajectory import Trajectory, step_fn, trajectory

__all__ = [
    "KINDS",
    "FixedPoints",
    "Nullclines",
    "PhaseLine",
    "Projection",
    "ResetMap",
    "Trajectory",
    "VectorField",
    "_check_model",
    "bucket",
    "_dedupe",
    "_field_on",
    "_finish",
    "_limits",
    "_solve_from",
    "_starts",
    "classify",
    "fixed_points",
    "nullclines",
    "phase_line",
    "projection",
    "reset_map",
    "step_fn",
    "trajectory",
    "vector_field",
    "zero_lines",
]
