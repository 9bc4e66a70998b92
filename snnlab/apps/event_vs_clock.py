"""Event vs clock: exact spike times of the event engine against the stepped engine's grid."""

from snnlab.app._lab_event_clock import EventClockLab
from snnlab.app._page import AppPage, framed
from snnlab.apps._script import run_as_script, servable

TITLE = "snnlab: event vs clock"
"""The browser tab's title."""

INTRO = r"""
The same leaky integrate-and-fire neuron,

$$\tau \frac{dV}{dt} = V_{rest} - V + R\,I$$

simulated twice: by the event engine, which finds each threshold crossing by root
finding (exact to solver tolerance), and by the stepped engine, which can only see a
spike on its grid of step `dt`. Change `dt` and the current and compare the spike times;
the last plot shows how the stepped engine's error shrinks with `dt`.
"""


def page() -> AppPage:
    """A fresh page: the `EventClockLab` in the shared frame with its introduction."""
    return framed(EventClockLab(), "Event vs clock", INTRO)


if run_as_script(__name__):
    servable(page, TITLE)
