"""Event vs clock: exact spike times of the event engine against the stepped engine's grid."""

import snnlab
from snnlab.app._lab_event_clock import EventClockLab
from snnlab.app._page import framed

snnlab.extension(warn=False, sizing_mode="stretch_width")

INTRO = r"""
The same leaky integrate-and-fire neuron,

$$\tau \frac{dV}{dt} = V_{rest} - V + R\,I$$

simulated twice: by the event engine, which finds each threshold crossing by root
finding (exact to solver tolerance), and by the stepped engine, which can only see a
spike on its grid of step `dt`. Change `dt` and the current and compare the spike times;
the last plot shows how the stepped engine's error shrinks with `dt`.
"""

framed(EventClockLab(), "Event vs clock", INTRO).servable(title="snnlab: event vs clock")
