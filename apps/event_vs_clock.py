"""Event vs clock: exact spike times of the event engine against the stepped engine's grid."""

import snnlab
from snnlab.app._lab_event_clock import EventClockLab

snnlab.extension(warn=False, sizing_mode="stretch_width")

EventClockLab().servable(title="snnlab: event vs clock")
