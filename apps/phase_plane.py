"""Phase-plane lab: nullclines, fixed points and trajectories of the classic neuron models."""

import snnlab
from snnlab.app._phase_plane import PhasePlaneApp

snnlab.extension("katex", warn=False, sizing_mode="stretch_width")  # the equations

PhasePlaneApp().servable(title="snnlab phase plane")
