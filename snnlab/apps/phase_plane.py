"""Phase-plane lab: nullclines, fixed points and trajectories of the classic neuron models."""

from snnlab.app._page import AppPage, framed
from snnlab.app._phase_plane import PhasePlaneApp
from snnlab.apps._script import run_as_script, servable

TITLE = "snnlab phase plane"
"""The browser tab's title."""

INTRO = r"""
A two-variable neuron lives in a plane: its state is a point that the vector field moves.
Where the nullclines cross sits a fixed point, coloured by its kind (greens: stable node and
focus, reds: unstable node and focus, orange: saddle, purple: center, grey: non-hyperbolic;
the legend beside the plane names them, and so does hovering a point).
Click the plane to start a trajectory there, drag the current `I_e` and watch a fixed
point lose stability as the neuron starts to fire. The model's equations are beside
the plane.
"""


def page() -> AppPage:
    """A fresh page: the `PhasePlaneApp` in the shared frame with its introduction."""
    return framed(PhasePlaneApp(), "Phase plane", INTRO)


if run_as_script(__name__):
    servable(page, TITLE)
