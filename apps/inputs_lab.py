"""Generators and encoders: every input source, its output and a population's response."""

import snnlab
from snnlab.app._lab_inputs import InputsLab
from snnlab.app._page import framed

snnlab.extension(warn=False, sizing_mode="stretch_width")

INTRO = r"""
Where a neuron's input comes from: constant and step currents, Poisson and Bernoulli
spike trains, recorded spikes or waveforms you upload, and the jaxsnn encoders that turn
numbers into spike times. Pick a source, shape it with its sliders, and see both the
input and the response of a population of neurons. A Poisson source of rate r gives
on average r·dt spikes per step of dt.
"""

framed(InputsLab(), "Generators and encoders", INTRO).servable(
    title="snnlab: generators and encoders"
)
