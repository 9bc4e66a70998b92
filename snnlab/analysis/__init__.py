"""Phase planes, fixed points, f-I curves and bifurcation sweeps of neuron models.

The phase-plane mathematics lives here once: contourpy nullclines, one Newton solver
(optimistix) for fixed points, one `classify` with one vocabulary (`KINDS`); `snnlab.viz` and
the apps draw what these functions return.

Imports only jax, equinox, optimistix, numpy (pandas lazily for DataFrames) and the models:
usable from a notebook, a script or a GPU job, and plottable by `snnlab.viz`.

    from snnlab import analysis
    fp = analysis.fixed_points(model, xlim=(-80, 20), ylim=(0, 1), current=90.0)
    nc = analysis.nullclines(model, xlim=(-80, 20), ylim=(0, 1))
    fi = analysis.fi_curve(model, np.linspace(0, 500, 256))
"""

from ._plane import (
    KINDS,
    FixedPoints,
    Nullclines,
    PhaseLine,
    Projection,
    ResetMap,
    Trajectory,
    VectorField,
    bucket,
    classify,
    fixed_points,
    nullclines,
    phase_line,
    projection,
    reset_map,
    trajectory,
    vector_field,
)
from ._sweep import Bifurcation, FICurve, bifurcation, fi_curve, lif_fi_curve

__all__ = [
    "KINDS",
    "Bifurcation",
    "FICurve",
    "FixedPoints",
    "Nullclines",
    "PhaseLine",
    "Projection",
    "ResetMap",
    "Trajectory",
    "VectorField",
    "bifurcation",
    "bucket",
    "classify",
    "fi_curve",
    "fixed_points",
    "lif_fi_curve",
    "nullclines",
    "phase_line",
    "projection",
    "reset_map",
    "trajectory",
    "vector_field",
]
