"""A first app: one LIF neuron's voltage trace under a DC current you choose."""

import holoviews as hv
import panel as pn

import snnlab
from snnlab.generators import DCGenerator
from snnlab.neurons import LIF

pn.extension()
hv.extension("bokeh")

current = pn.widgets.FloatSlider(name="DC current (pA)", start=0, end=1500, step=10, value=500)


def trace(amplitude):
    res = snnlab.simulate(LIF(), DCGenerator(amplitude=amplitude), duration=200.0, dt=0.1)
    curve = hv.Curve((res.t, res["V"][:, 0]), "t (ms)", "V (mV)").opts(
        responsive=True, height=350, title=f"LIF, {len(res.spike_times)} spikes"
    )
    threshold = hv.HLine(-55.0).opts(color="red", line_dash="dashed")
    return curve * threshold


pn.Column(
    "# LIF voltage trace",
    current,
    pn.panel(hv.DynamicMap(pn.bind(trace, current)), sizing_mode="stretch_width"),
    sizing_mode="stretch_width",
).servable(title="LIF trace")
