"""The inputs lab's plots: figures built once, new columns on each run (`_live.LiveView`s
that send only the sources whose columns changed, `always=`).

- `input_raster_view`: what a spike source sent, one mark per step and channel with a
  spike (a 2-D histogram image past `viz.MAX_RASTER_POINTS` marks);
- `input_current_view`: what a current source sent to the chosen channel (pA);
- `voltage_view`: the chosen neuron's membrane potential with its threshold and spikes;
- `output_raster_view`: the population's spikes.

`InputsViews` holds the four and the readout line and shows one run in them
(`show`): only the data of the sources change, the figures stay, and the input plots
are left alone when the run's input is the very array shown already.
"""

from __future__ import annotations

import math

import numpy as np
import panel as pn
from bokeh.models import ColumnDataSource, HoverTool, LinearColorMapper

from .. import viz
from ..core import Result
from ._live import LiveText, LiveView, live_figure

INPUT_COLOR = "#1f77b4"
CURRENT_COLOR = "#2ca02c"
SPIKE_COLOR = "#d62728"
_GREYS = [f"#{v:02x}{v:02x}{v:02x}" for v in np.linspace(200, 0, 64).astype(int)]
_BLUES = [f"#{int(31 + (255 - 31) * f):02x}{int(119 + (255 - 119) * f):02x}ff"
          for f in np.linspace(0.85, 0.0, 64)]  # fmt: skip


def _figure(title: str, y_label: str, height: int):
    """Time (ms) on x; ranges follow the data until the user zooms."""
    return live_figure(title, "t (ms)", y_label, height)


def input_spikes(t, out) -> Result:
    """The spikes a source sent as a `Result` of its channels (no traces).

    **Arguments:** `t`: step times `(T,)` in ms; `out`: spike counts `(T, channels)`.
    A step with any count is one mark of its channel.
    """
    t = np.asarray(t, float)
    sent = np.asarray(out) > 0
    steps, ids = np.nonzero(sent)
    dt = float(t[1] - t[0]) if len(t) > 1 else 1.0
    return Result(t=t, spikes=sent, spike_times=t[steps], spike_ids=ids, traces={}, units={},
                  dt=dt, duration=float(t[-1]) if len(t) else 1.0)  # fmt: skip


def _raster(title: str, y_label: str, y_name: str, color: str, palette, height: int):
    """A raster of marks (`viz.raster_columns`, its neuron column named `y_name`), or an
    image of counts per bin past `viz.MAX_RASTER_POINTS` marks. `show` takes a `Result`."""
    fig = _figure(title, y_label, height)
    sources = {
        "points": ColumnDataSource({"t": [], y_name: []}),
        "image": ColumnDataSource({"image": [], "x": [], "y": [], "dw": [], "dh": []}),
    }
    mapper = LinearColorMapper(palette=palette, low=0, high=1, nan_color=(0, 0, 0, 0))
    fig.image("image", x="x", y="y", dw="dw", dh="dh", source=sources["image"], color_mapper=mapper)
    marks = fig.scatter("t", y_name, source=sources["points"], marker="dash",
                        angle=math.pi / 2, size=7, color=color)  # fmt: skip
    tips = [("t (ms)", "@t"), (y_name, "@" + y_name)]
    fig.add_tools(HoverTool(renderers=[marks], tooltips=tips))

    def columns(res):
        cols = viz.raster_columns(res)
        points = cols["points"]
        return {**cols, "points": {"t": points["t"], y_name: points["neuron"]}}

    def relabel(fig, cols):
        mapper.high = max(1.0, cols["high"])

    return LiveView(fig, sources, columns, relabel, always=())


def input_raster_view(height: int = 220) -> LiveView:
    """What a spike source sent: a mark per step and channel with a spike (time in ms,
    channel index). `show` takes `input_spikes(t, out)` (or any `Result`)."""
    return _raster("input: spikes per channel", "input channel (index)", "channel",
                   INPUT_COLOR, _BLUES, height)  # fmt: skip


def output_raster_view(height: int = 220) -> LiveView:
    """The population's spikes: a mark per spike (time in ms, neuron index). `show` takes
    the `Result`."""
    return _raster("spike raster", "neuron (index)", "neuron", "black", _GREYS, height)


def input_current_view(height: int = 220) -> LiveView:
    """What a current source sent to the chosen channel (pA) over time (ms). `show` takes
    `(t, current)`."""
    fig = _figure("input current of the chosen channel", "input current (pA)", height)
    source = ColumnDataSource({"t": [], "I": []})
    line = fig.line("t", "I", source=source, color=CURRENT_COLOR, line_width=1.5)
    fig.add_tools(HoverTool(renderers=[line], tooltips=[("t (ms)", "@t"), ("I (pA)", "@I")]))

    def columns(data):
        t, current = data
        return {"current": {"t": np.asarray(t, float), "I": np.asarray(current, float)}}

    return LiveView(fig, {"current": source}, columns, always=())


def voltage_view(height: int = 240) -> LiveView:
    """The chosen neuron's membrane potential V (mV) over time (ms), its threshold
    (dashed) and its spikes (triangles on the threshold), as `viz.trace_columns` gives
    them. `show` takes `{"res": ..., "neurons": [k], "threshold": mV}`."""
    fig = _figure("V trace", "V (mV)", height)
    sources = {k: ColumnDataSource({"t": [], "V": []}) for k in ("trace", "threshold", "spikes")}
    line = fig.line("t", "V", source=sources["trace"], color=INPUT_COLOR, line_width=1.5)
    fig.line("t", "V", source=sources["threshold"], color=SPIKE_COLOR, line_dash="dashed")
    fig.scatter("t", "V", source=sources["spikes"], marker="triangle", size=7, color=SPIKE_COLOR)
    fig.add_tools(HoverTool(renderers=[line], tooltips=[("t (ms)", "@t"), ("V (mV)", "@V")]))

    def columns(data):
        return viz.trace_columns(state="V", **data)

    def relabel(fig, cols):
        fig.yaxis.axis_label = f"V ({cols['unit']})" if cols["unit"] else "V"

    # the trace goes to the page on every run, changed or not (a weight past the
    # threshold jump gives the same trace): each move is seen to be done
    return LiveView(fig, sources, columns, relabel, always=("trace",))


def _visible(view: LiveView, flag: bool) -> None:
    if view.pane.visible == flag:
        return
    # the figure first: a Bokeh pane made visible again takes the figure's `visible`
    view.figure.visible = flag
    view.pane.visible = flag


def _same_input(a: tuple, b: tuple) -> bool:
    """The same output object of the same kind (and channel, for a current): a run that
    left the source alone (see `_lab_inputs_sources.SourceOutputs`) sends no input data."""
    return a[0] is b[0] and a[1:] == b[1:]


_EMPTY_SPIKES = input_spikes(np.zeros(0), np.zeros((0, 1)))


class InputsViews:
    """The lab's plots and readout, built once.

    **Attributes:** `in_raster`, `in_current`, `voltage`, `raster` (`LiveView`s; `.pane`
    goes in the page), `readout` (a `LiveText`). Of the two input plots only the one for
    the source's kind ("spike" or "current") is visible.
    """

    def __init__(self):
        self.in_raster = input_raster_view()
        self.in_current = input_current_view()
        self.voltage = voltage_view()
        self.raster = output_raster_view()
        self.readout = LiveText()
        self.kind = "spike"
        self._input = None  # what the input plots show: (out, kind, neuron or None)
        _visible(self.in_current, False)

    def show(self, *, t, out, kind: str, res: Result, neuron: int, threshold: float) -> None:
        """Show one run: the source's output `out` on its step times `t` (ms), of `kind`
        ("spike": counts, "current": pA per channel), and the population's `res`, with
        `neuron`'s potential and the `threshold` (mV)."""
        shown = (out, kind, neuron if kind == "current" else None)
        if self._input is None or not _same_input(self._input, shown):
            self._show_input(t, out, kind, neuron)
        self._input = shown
        _visible(self.in_raster, kind == "spike")
        _visible(self.in_current, kind != "spike")
        self.voltage.show({"res": res, "neurons": [neuron], "threshold": threshold})
        self.raster.show(res)

    def _show_input(self, t, out, kind: str, neuron: int) -> None:
        if kind == "spike":
            self.in_raster.show(input_spikes(t, out))
            if self.kind != kind:  # the hidden plot keeps no stale data
                self.in_current.show((np.zeros(0), np.zeros(0)))
        else:
            self.in_current.show((t, out[:, neuron]))
            if self.kind != kind:
                self.in_raster.show(_EMPTY_SPIKES)
        self.kind = kind

    @property
    def panes(self) -> list:
        """The four plots' panes, in page order."""
        return [v.pane for v in (self.in_raster, self.in_current, self.voltage, self.raster)]

    def layout(self) -> pn.Column:
        """The readout and the plots."""
        return pn.Column(self.readout.pane, *self.panes, sizing_mode="stretch_width")


def readout_text(run: dict, k: int) -> str:
    """The line over the plots: what the source sent and how the population answered.

    **Arguments:** `run` (what `InputsLab.work` returns), `k` (the neuron shown).
    """
    source, res, out = run["source"], run["res"], run["out"]
    channels, duration = source.size, run["duration"]
    rates = res.rates()
    if source.output_kind() == "spike":
        sent = f"{int(out.sum())} input spikes ({out.sum() / channels / duration * 1e3:.1f} Hz"
        sent += " per channel)"
    else:
        sent = f"input current of channel {k}: mean {out[:, k].mean():.1f} pA"
    return (
        f"**{run['source_name']}** -> {channels} {run['neuron_model']} neurons: {sent}; "
        f"output {len(res.spike_times)} spikes, mean rate {rates.mean():.1f} Hz "
        f"(neuron {k}: {rates[k]:.1f} Hz)"
    )


__all__ = [
    "InputsViews",
    "input_current_view",
    "input_raster_view",
    "input_spikes",
    "output_raster_view",
    "readout_text",
    "voltage_view",
]
