"""Generators and encoders: every input source, its output and a population's response."""

from snnlab.app._lab_inputs import InputsLab
from snnlab.app._page import AppPage, framed
from snnlab.apps._script import run_as_script, servable

TITLE = "snnlab: generators and encoders"
"""The browser tab's title."""

INTRO = r"""
Where a neuron's input comes from: constant and step currents, Poisson and Bernoulli
spike trains, recorded spikes or waveforms you upload, and the jaxsnn encoders that turn
numbers into spike times. Pick a source, shape it with its sliders, and see both the
input and the response of a population of neurons. A Poisson source of rate r gives
on average r·dt spikes per step of dt.
"""


def page() -> AppPage:
    """A fresh page: the `InputsLab` in the shared frame with its introduction."""
    return framed(InputsLab(), "Generators and encoders", INTRO)


if run_as_script(__name__):
    servable(page, TITLE)
