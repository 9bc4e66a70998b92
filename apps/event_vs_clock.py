"""Event vs clock: exact spike times of the event engine against the stepped engine's grid."""

from snnlab.apps import servable

servable("event_vs_clock")
