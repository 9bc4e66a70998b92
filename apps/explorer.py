"""The Explorer: pick any model, inputs and engine, drag a slider, see the run change."""

import snnlab
from snnlab.app import Explorer

snnlab.extension(warn=False, sizing_mode="stretch_width")

Explorer().servable(title="snnlab Explorer")
