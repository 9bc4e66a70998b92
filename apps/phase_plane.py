"""Phase-plane lab: nullclines, fixed points and trajectories of the classic neuron models."""

import snnlab
from snnlab.app._page import framed
from snnlab.app._phase_plane import PhasePlaneApp

snnlab.extension(warn=False, sizing_mode="stretch_width")

INTRO = r"""
A two-variable neuron lives in a plane: its state is a point that the vector field moves.
Where the nullclines cross sits a fixed point, coloured by its stability (green: stable, orange:
saddle, red: unstable).
Click the plane to start a trajectory there, drag the current `I_e` and watch a fixed
point lose stability as the neuron starts to fire. The model's equations are beside
the plane.
"""

framed(PhasePlaneApp(), "Phase plane", INTRO).servable(title="snnlab phase plane")
