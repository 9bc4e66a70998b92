"""Phase-plane lab: nullclines, fixed points and trajectories of the classic neuron models."""

from snnlab.apps import servable

servable("phase_plane")
