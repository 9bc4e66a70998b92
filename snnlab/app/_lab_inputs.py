"""Inputs lab: every generator and every jaxsnn encoder, its output and a population's response.

Pick a source, move its sliders, and see what it sends (a raster of spike counts or a
current trace, time in ms) and how a population of LIF or ExpLIF neurons, one per
channel, responds (the chosen neuron's membrane potential and the output raster).

- **generators** (`snnlab.generators`): sliders from `snnlab.params`; the neurons get
  them through a one-to-one `Connection` (spike sources with the lab's `weight`,
  current sources with gain 1).
- **encoders** (`snnlab.encode`, jaxsnn's, times in s, values dimensionless): their
  spike output, one row per step of the lab's `dt`, is replayed by an
  `InputTransmitter` into the neurons.
- **CustomGenerator** (cyclic replay) and **InputTransmitter** (one replay) use data
  uploaded as a `.dat`/`.txt` (whitespace-separated),
  `.csv` or `.npy` file. The upload is refused above `max_upload_bytes` before anything
  is parsed or written; accepted bytes go to a temporary file whose name the server
  chooses (the client's name only picks a suffix from `UPLOAD_SUFFIXES`), are parsed as
  numbers with `snnlab.generators.load_numeric_file` (no pickle), and the file is
  deleted at once. A refused upload leaves a message in the page and changes nothing
  else: the previous data and plots stay. Both replay the data as spike counts or as a
  current (pA), as `transmit_as` says; an upload that cannot be spike counts (negative,
  fractional, or more than `MAX_COUNT_PER_STEP` per step: a current waveform, say) is
  read as a current, and the page says so.

The lab is split by job: `_lab_inputs_sources` (what each source sends, uploads),
`_lab_inputs_views` (the plots, built once, fed new columns per run),
`_lab_inputs_widgets` (the controls); this module holds the settings and the runs.
"""

from __future__ import annotations

import tempfile  # noqa: F401 - `_lab_inputs.tempfile`: the uploads' temporary files
from pathlib import Path

import numpy as np
import panel as pn
import param

from .. import encode
from .. import params as sp
from ..core import Connection, simulate
from ..generators import CustomGenerator, InputTransmitter, StepCurrentGenerator
from . import _lab_inputs_widgets as widgets
from ._lab_common import Lab
from ._lab_inputs_sources import (
    DEFAULT_WEIGHTS,
    ENCODERS,
    FILE_GENERATORS,
    GENERATOR_DEFAULTS,
    LAB_GENERATORS,
    MAX_COUNT_PER_STEP,
    MAX_UPLOAD_BYTES,
    NEURONS,
    PARAM_GENERATORS,
    SOURCES,
    UPLOAD_SUFFIXES,
    SourceOutputs,
    default_pattern,
    encoder_output,
    file_source,
    read_upload,
    source_output,
    spike_count_problem,
)
from ._lab_inputs_views import InputsViews, readout_text

RUN_PARAMS = ("size", "neuron", "weight", "duration", "dt", "seed", "pulse_amplitude",
              "pulse_on", "pulse_off", "value_max", "t_late", "label", "transmit_as")  # fmt: skip
"""The lab's parameters whose change starts a run (`source` and `neuron_model` also
rebuild their boxes first)."""


class InputsLab(Lab):
    """Generators and encoders: their output and a population's response.

    **Parameters:** `source` (one of `SOURCES`), `neuron_model` (LIF or ExpLIF), `size`
    (channels, and neurons, one per channel, for generators; encoders and uploaded
    data decide their own), `neuron` (the one whose potential is drawn), `weight` (per
    input spike: mV for LIF, pA for ExpLIF), `duration` and `dt` (ms), `seed`. For the
    pulse of `StepCurrentGenerator`: `pulse_amplitude` (pA), `pulse_on`, `pulse_off`
    (ms). For the encoders: `value_max` (dimensionless), `t_late` (s), `label`. For
    the uploaded data (`CustomGenerator`, `InputTransmitter`): `transmit_as` ("spike":
    counts per step, or "current": pA).

    Sliders of the generators live in `generator_params`, of the neurons in
    `neuron_params`, of the LIF encoder in `encoder_params`. After a run: `result` (the
    population's `Result`), `input_t`, `input_values` (what the source sent) and
    `input_kind` ("spike" or "current"). `custom_data` holds the uploaded (or default)
    array and `custom_name` its file name; `upload_note` says how the latest upload is
    read when it could not be spike counts.

    The plots are `_live.LiveView`s built once (`views`: `in_raster`, `in_current`,
    `voltage`, `raster`, see `_lab_inputs_views`); a run sends them new columns only.

    **Arguments:** `upload_dir` (folder of the temporary upload files; default the
    system's), `max_upload_bytes`.
    """

    source = param.Selector(default="PoissonGenerator", objects=list(SOURCES), doc="input")
    neuron_model = param.Selector(default="LIF", objects=list(NEURONS), doc="neuron model")
    size = param.Integer(10, bounds=(1, 50), label="channels (count)", doc="channels = neurons")
    neuron = param.Integer(
        0, bounds=(0, 49), label="neuron shown (index)", doc="index of the neuron"
    )
    weight = param.Number(
        DEFAULT_WEIGHTS["LIF"],
        bounds=(0.0, 500.0),
        step=0.5,
        label="weight (mV or pA)",
        doc="per input spike: jump of V (mV) for LIF, of I_syn (pA) for ExpLIF",
    )
    duration = param.Number(
        200.0, bounds=(20.0, 1000.0), step=10.0, label="duration (ms)", doc="simulated time"
    )
    dt = param.Selector(default=0.1, objects=[0.05, 0.1, 0.5, 1.0], label="dt (ms)", doc="step")
    seed = param.Integer(
        0, bounds=(0, 1000), label="seed (integer)", doc="seed of the random inputs"
    )
    pulse_amplitude = param.Number(
        500.0, bounds=(-1000.0, 3000.0), step=10.0, label="pulse amplitude (pA)", doc="current"
    )
    pulse_on = param.Number(20.0, bounds=(0.0, 1000.0), step=1.0, label="pulse on (ms)")
    pulse_off = param.Number(120.0, bounds=(0.0, 1000.0), step=1.0, label="pulse off (ms)")
    value_max = param.Number(
        3.0,
        bounds=(0.0, 10.0),
        step=0.1,
        label="largest value (dimensionless)",
        doc="input of the last channel",
    )
    t_late = param.Number(
        0.015,
        bounds=(0.0, 1.0),
        softbounds=(0.001, 0.1),
        step=0.001,
        label="t_late (s)",
        doc="spike time of the value 1 (s); value 0 spikes at 0 s",
    )
    label = param.Integer(2, bounds=(0, 49), label="label (class index)", doc="class of one_hot")
    transmit_as = param.Selector(
        default="spike",
        objects=["spike", "current"],
        label="read the data as",
        doc="uploaded data: spike counts per step, or a current (pA)",
    )

    def __init__(self, *, upload_dir=None, max_upload_bytes: int = MAX_UPLOAD_BYTES, **params):
        super().__init__(**params)
        self._suspended += 1
        self.upload_dir = upload_dir
        self.max_upload_bytes = int(max_upload_bytes)
        self.result = None
        self.input_t = self.input_values = None
        self.input_kind = "spike"
        self.custom_data = default_pattern()
        self.custom_name = "built-in pattern (4 channels)"
        self.upload_note = ""
        reg = sp.registry()
        self.generator_params = {n: reg[n]() for n in PARAM_GENERATORS}
        for name, values in GENERATOR_DEFAULTS.items():
            self.generator_params[name].param.update(**values)
        self.neuron_params = {n: reg[n]() for n in NEURONS}
        self.encoder_params = sp.parameterized_class(encode.LIFParameters)()
        self.views = InputsViews()
        self._outputs = SourceOutputs()  # a move that leaves the source alone: no new scan
        self.readout = self.views.readout
        self.in_raster_pane, self.in_current_pane = self.views.panes[:2]
        self.voltage_pane, self.raster_pane = self.views.panes[2:]
        self.upload = pn.widgets.FileInput(
            accept=",".join(UPLOAD_SUFFIXES), multiple=False, sizing_mode="stretch_width"
        )
        self.upload.param.watch(self._on_upload, "value")
        self.source_box = pn.Column(sizing_mode="stretch_width")
        self.neuron_box = pn.Column(sizing_mode="stretch_width")
        self.sliders: dict[str, pn.widgets.Widget] = {}
        for obj in (*self.generator_params.values(), *self.neuron_params.values()):
            names = [n for n in obj.param if n not in ("name", "size", "method")]
            obj.param.watch(self.request_run, names)
        self.encoder_params.param.watch(self.request_run, list(self.encoder_params.slider_names()))
        self.param.watch(self._source_changed, ["source"])
        self.param.watch(self._neuron_changed, ["neuron_model"])
        self.param.watch(self.request_run, list(RUN_PARAMS))
        self._fill_source_box()
        self._fill_neuron_box()
        self._suspended -= 1
        self.request_run()

    # ---- uploads -----------------------------------------------------------------------

    def _on_upload(self, event):
        if event.new is not None:
            self.load_upload(event.new, self.upload.filename)

    def load_upload(self, data: bytes, filename: str) -> bool:
        """Take an uploaded file for CustomGenerator and InputTransmitter.

        A refused file (too large, a suffix outside `UPLOAD_SUFFIXES`, a pickle, text
        that is not numbers, data of the wrong shape) leaves a message in the page and
        changes nothing else. An accepted one replaces `custom_data`, switches the source
        to `CustomGenerator` unless a file source is chosen, and runs.

        **Returns:** True when the file was accepted.
        """
        try:
            arr = read_upload(
                data, filename, max_bytes=self.max_upload_bytes, folder=self.upload_dir
            )
            CustomGenerator(size=arr.shape[1] if arr.ndim == 2 else self.size, data=arr)
            if arr.ndim == 2 and arr.shape[1] > self.param.size.bounds[1]:
                raise ValueError(
                    f"The file has {arr.shape[1]} columns (channels); at most "
                    f"{self.param.size.bounds[1]} are shown."
                )
        except ValueError as err:
            self.show(f"Upload refused: {err}", "danger")
            return False
        self.custom_data = np.asarray(arr, dtype=float)
        self.custom_name = Path(str(filename)).name
        problem = spike_count_problem(self.custom_data)
        self.upload_note = (
            f"{self.custom_name} has {problem}: these are not spike counts, so the data "
            "are read as a current (pA). Choose 'spike' above to read them as spike counts."
            if problem
            else ""
        )
        self._suspended += 1
        try:
            self.transmit_as = "current" if problem else "spike"
        finally:
            self._suspended -= 1
        if self.source in FILE_GENERATORS:
            self._fill_source_box()
            self.request_run()
        else:
            self.source = "CustomGenerator"
        return True

    # ---- the controls of the chosen source and neurons --------------------------------

    def _fill_source_box(self):
        items, self.sliders = widgets.source_controls(self)
        self.source_box.objects = items

    def _fill_neuron_box(self):
        items, self.neuron_sliders = widgets.neuron_controls(self)
        self.neuron_box.objects = items

    def _source_changed(self, event):
        self._fill_source_box()
        self.request_run()

    def _neuron_changed(self, event):
        self._suspended += 1
        try:
            self.weight = DEFAULT_WEIGHTS[self.neuron_model]
        finally:
            self._suspended -= 1
        self._fill_neuron_box()
        self.request_run()

    # ---- building the source --------------------------------------------------------

    def build_source(self):
        """The generator for the current values (encoders inside an `InputTransmitter`).

        **Returns:** the generator; its `size` is the number of channels.
        """
        return self._build_source()[0]

    def _build_source(self) -> tuple:
        """`(generator, note)`: the note says why a source sends nothing, else ""."""
        name, n, dt = self.source, int(self.size), float(self.dt)
        n_steps = int(round(self.duration / dt))
        if name in PARAM_GENERATORS:
            obj = self.generator_params[name]
            obj.size = n
            start, stop = getattr(obj, "start", None), getattr(obj, "stop", None)
            if start is not None and stop is not None and stop <= start:
                # both sliders at one end: an empty window, a silent source (said so)
                note = (
                    f"{name}: stop ({stop:g} ms) is not after start ({start:g} ms), so the "
                    "source sends nothing."
                )
                return obj.to_model(start=1e9, stop=2e9), note
            return obj.to_model(), ""
        if name == "StepCurrentGenerator":
            pulse = StepCurrentGenerator(
                size=n,
                times=(self.pulse_on, self.pulse_off),
                amplitudes=(self.pulse_amplitude, 0.0),
            )
            return pulse, ""
        if name in FILE_GENERATORS:
            data = self.custom_data
            return file_source(name, data, self.transmit_as, n, n_steps, self.custom_name), ""
        lif = self.encoder_params.to_model()
        kw = dict(lif=lif, value_max=self.value_max, t_late=self.t_late, label=self.label)
        out = encoder_output(name, n, n_steps, dt, **kw)
        return InputTransmitter(size=n, inputs_type="spike", data=out), ""

    # ---- running -----------------------------------------------------------------------

    def run_key(self):
        """Shapes and compiled variants: the source, the neuron model, sizes, steps."""
        return ("InputsLab", self.source, self.neuron_model, int(self.size),
                float(self.duration), float(self.dt), self.transmit_as)  # fmt: skip

    def sync_settings(self) -> None:
        """The source's and the neurons' sizes follow the lab's."""
        if self.source in PARAM_GENERATORS:
            self.generator_params[self.source].size = int(self.size)

    def work(self) -> dict:
        """Build the source and the neurons and simulate (no pane).

        **Returns:** what `present` shows: `source`, `neurons` (the neuron model), `res`
        (its `Result`), `t` and `out` (the source's output on its time grid, ms), and the
        settings of the run (`neuron_model`, `neuron`, `duration`, `note`).
        """
        dt, duration, seed = float(self.dt), float(self.duration), int(self.seed)
        source, note = self._build_source()
        model = self.neuron_params[self.neuron_model]
        kwargs = model.model_kwargs()
        if "method" in model.param:
            kwargs["method"] = model.method
        neurons = sp.construct(model.model_class, source.size, kwargs)
        weight = self.weight if source.output_kind() == "spike" else 1.0
        res = simulate(
            neurons, Connection(source, weight=weight), duration=duration, dt=dt, seed=seed
        )
        t, out = self._outputs(source, duration, dt, seed)
        return dict(source=source, neurons=neurons, res=res, t=t, out=out, note=note,
                    source_name=self.source, neuron_model=self.neuron_model,
                    neuron=int(self.neuron), duration=duration)  # fmt: skip

    def present(self, run: dict) -> str:
        """Send `work`'s result to the plots and the readout."""
        source, res, t, out = run["source"], run["res"], run["t"], run["out"]
        channels, kind = source.size, source.output_kind()
        self.neuron_params[run["neuron_model"]].size = channels
        k = min(run["neuron"], channels - 1)
        self.result, self.input_t, self.input_values, self.input_kind = res, t, out, kind
        vth = float(np.ravel(run["neurons"].V_th)[0])
        self.views.show(t=t, out=out, kind=kind, res=res, neuron=k, threshold=vth)
        self.readout.object = readout_text(run, k)
        notes = []
        if k != run["neuron"]:
            notes.append(f"There are {channels} channels: showing neuron {k}.")
        if res.diverged:
            notes.append(f"The run diverged at t = {res.first_bad_time} ms.")
        if run["note"]:
            notes.append(run["note"])
        if self.source in FILE_GENERATORS and self.transmit_as == "current" and self.upload_note:
            notes.append(self.upload_note)
        return " ".join(notes)

    # ---- layout ------------------------------------------------------------------------

    def __panel__(self):
        main = pn.Column(
            self.alert,
            self.views.layout(),
            pn.pane.Markdown(widgets.NOTE),
            sizing_mode="stretch_width",
        )
        return pn.Row(widgets.sidebar(self), main, sizing_mode="stretch_width")


__all__ = [
    "DEFAULT_WEIGHTS",
    "ENCODERS",
    "FILE_GENERATORS",
    "InputsLab",
    "LAB_GENERATORS",
    "MAX_COUNT_PER_STEP",
    "MAX_UPLOAD_BYTES",
    "NEURONS",
    "PARAM_GENERATORS",
    "SOURCES",
    "UPLOAD_SUFFIXES",
    "default_pattern",
    "encoder_output",
    "read_upload",
    "source_output",
    "spike_count_problem",
]
