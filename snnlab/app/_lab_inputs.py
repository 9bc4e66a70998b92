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
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import equinox as eqx
import holoviews as hv
import jax
import jax.numpy as jnp
import numpy as np
import panel as pn
import param

from .. import encode
from .. import params as sp
from .. import viz as sv
from ..core import Connection, simulate
from ..generators import (
    CustomGenerator,
    InputTransmitter,
    StepCurrentGenerator,
    load_numeric_file,
)
from ._lab_common import (
    Lab,
    TextField,
    format_number_list,
    live_plot,
    parse_number_list,
    raster_view,
    slider_box,
)
from ._widgets import fast

PARAM_GENERATORS = (
    "DCGenerator",
    "PoissonGenerator",
    "BernoulliGenerator",
    "SpikeGenerator",
    "RampGenerator",
    "SineGenerator",
    "OUGenerator",
)
"""Generators whose sliders come from `snnlab.params`."""

FILE_GENERATORS = ("CustomGenerator", "InputTransmitter")
"""Generators that replay uploaded data."""

LAB_GENERATORS = ("StepCurrentGenerator",)
"""Generators with sliders of the lab (a single current pulse)."""

ENCODERS = ("constant_current_lif_encode", "spatio_temporal_encode", "one_hot")
"""The jaxsnn encoders offered (`lif_current_encoder` is the step that
`constant_current_lif_encode` repeats)."""

SOURCES = PARAM_GENERATORS + LAB_GENERATORS + FILE_GENERATORS + ENCODERS
"""Everything the lab can show."""

NEURONS = ("LIF", "ExpLIF")
"""Neuron models of the responding population."""

UPLOAD_SUFFIXES = (".dat", ".txt", ".csv", ".npy")
"""File suffixes accepted by the upload (lower case); any other is refused."""

MAX_UPLOAD_BYTES = 1024 * 1024
"""Default size limit of an uploaded file (bytes)."""

MAX_COUNT_PER_STEP = 10
"""More spikes than this in one step of one channel is not a spike train: such data are
taken for a current (pA)."""

DEFAULT_WEIGHTS = {"LIF": 4.0, "ExpLIF": 400.0}
"""Default weight per input spike: mV for LIF (a jump of V), pA for ExpLIF (of I_syn)."""

_GENERATOR_DEFAULTS = {
    "DCGenerator": {"amplitude": 500.0},
    "PoissonGenerator": {"rate": 400.0},
    "BernoulliGenerator": {"prob": 0.01},
    "SpikeGenerator": {"spike_times": [10.0, 30.0, 32.0, 34.0, 60.0]},
    "RampGenerator": {"stop": 200.0, "amplitude_stop": 1000.0},
    "SineGenerator": {"offset": 300.0},
    "OUGenerator": {"mean": 300.0},
}

TIME = hv.Dimension("t", label="t", unit="ms")
CHANNEL = hv.Dimension("channel", label="input channel", unit="index")
CURRENT = hv.Dimension("I", label="input current", unit="pA")


def spike_count_problem(data) -> str:
    """Why `data` cannot be spike counts per step, or "" when it can.

    Spike counts are whole numbers from 0 to `MAX_COUNT_PER_STEP`; a current waveform (pA)
    usually has negative or fractional values, or hundreds per step.

    **Returns:** a short reason for the page ("negative values (down to -3.2)", ...), or "".
    """
    v = np.asarray(data, dtype=float).ravel()
    v = v[np.isfinite(v)]
    if v.size == 0:
        return ""
    if v.min() < 0:
        return f"negative values (down to {v.min():.4g})"
    frac = v[v != np.round(v)]
    if frac.size:
        return f"non-integer values (such as {frac[0]:.6g})"
    if v.max() > MAX_COUNT_PER_STEP:
        return f"values up to {v.max():.4g} per step (spike counts stay <= {MAX_COUNT_PER_STEP})"
    return ""


def default_pattern(channels: int = 4, steps: int = 200, period: int = 50) -> np.ndarray:
    """A small spike pattern `(steps, channels)`: channel c spikes at steps 3c mod `period`."""
    return (np.arange(steps)[:, None] % period == np.arange(channels) * 3).astype(float)


@eqx.filter_jit
def _scan_source(source, n_steps: int, dt, seed):
    key = jax.random.PRNGKey(seed)
    keys = jax.random.split(key, 3)
    carry = source.init_carry(keys[2], dt)

    def body(c, k):
        kk = jax.random.fold_in(keys[0], k) if source.random else keys[0]
        return source.advance(c, kk, k, dt)

    _, out = jax.lax.scan(body, carry, jnp.arange(n_steps + 1))
    return out


def source_output(source, duration: float, dt: float, seed: int = 0) -> tuple:
    """What a generator sends at each step, as the stepped engine draws it.

    The keys are derived as `snnlab.simulate` derives them for a single connection, so
    a random source shows the very spikes the neurons received.

    **Arguments:**

    - `source`: a generator.
    - `duration`, `dt`: in ms.
    - `seed`: the run's seed.

    **Returns:** `(t, out)`: step times `(T + 1,)` in ms and the output `(T + 1, size)`
    (spike counts, or pA for a current source).
    """
    n_steps = int(round(duration / dt))
    dtv = jnp.asarray(dt, jnp.result_type(float))
    out = _scan_source(source, n_steps, dtv, np.asarray(seed, np.uint32))
    return np.arange(n_steps + 1) * dt, np.asarray(out)


def encoder_output(name: str, channels: int, n_steps: int, dt: float, **kw) -> np.ndarray:
    """The output of a jaxsnn encoder for `channels` inputs, `(n_steps, channels)` or
    `(channels,)` for `one_hot` (delivered at the first step).

    **Arguments:**

    - `name`: one of `ENCODERS`.
    - `channels`: number of encoded values (and of output channels).
    - `n_steps`: number of steps; `dt`: the step in ms (the encoders take s).
    - `kw`: `lif` (an `encode.LIFParameters`) and `value_max` (dimensionless) for
      `constant_current_lif_encode`: channel c gets the constant input
      `c / (channels - 1) * value_max`; `t_late` (s) for `spatio_temporal_encode`:
      channel c gets the value `c / (channels - 1)` in [0, 1]; `label` for `one_hot`.
    """
    frac = np.linspace(0.0, 1.0, channels) if channels > 1 else np.zeros(1)
    if name == "constant_current_lif_encode":
        values = jnp.asarray(frac * kw["value_max"])
        _, z = encode.constant_current_lif_encode(values, n_steps, params=kw["lif"], dt=dt / 1000.0)
        return np.asarray(z)
    if name == "spatio_temporal_encode":
        z = encode.spatio_temporal_encode(
            jnp.asarray(frac), n_steps, t_late=kw["t_late"], dt=dt / 1000.0
        )
        return np.asarray(z)
    if name == "one_hot":
        label = int(kw["label"])
        if not 0 <= label < channels:
            raise ValueError(f"label={label} must lie in [0, {channels}) (the channels).")
        return np.asarray(encode.one_hot(jnp.asarray([label]), channels))[0]
    raise ValueError(f"unknown encoder {name!r}; use one of {ENCODERS}.")


def read_upload(
    data: bytes, filename: str, *, max_bytes: int = MAX_UPLOAD_BYTES, folder=None
) -> np.ndarray:
    """Parse uploaded bytes as a numeric array, safely.

    The size is checked first; the suffix of `filename` must be in `UPLOAD_SUFFIXES`
    (the rest of the client's name is ignored). The bytes are written to a temporary file
    named by the server in `folder` (default: the system's temporary folder), read with
    `load_numeric_file` (numbers only, no pickle) and deleted, also on error.

    **Returns:** the array (1-D or 2-D).

    **Raises:** `ValueError` with a message for the page.
    """
    if data is None or len(data) == 0:
        raise ValueError("The uploaded file is empty.")
    if len(data) > max_bytes:
        raise ValueError(
            f"The uploaded file is {len(data)} bytes; the limit is {max_bytes} bytes. "
            "Nothing was read."
        )
    suffix = Path(str(filename or "")).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        raise ValueError(
            f"Files ending in {suffix or '(no suffix)'!r} are not accepted; use "
            f"{', '.join(UPLOAD_SUFFIXES)}."
        )
    fd, path = tempfile.mkstemp(prefix="snnlab-upload-", suffix=suffix, dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        try:
            arr = load_numeric_file(path, max_bytes)
        except ValueError as err:
            # the message names the server's temporary file; say the client's name instead
            raise ValueError(
                str(err).replace(Path(path).name, Path(str(filename)).name or "the file")
            ) from None
    finally:
        os.unlink(path)
    return arr


def _input_raster(data):
    if data is None:
        data = (np.zeros(0), np.zeros(0))
    return hv.Points(data, [TIME, CHANNEL]).opts(
        marker="dash",
        angle=90,
        size=7,
        color="#1f77b4",
        framewise=True,
        responsive=True,
        height=220,
        title="input: spikes per channel",
        show_grid=True,
    )


def _input_current(data):
    if data is None:
        data = (np.zeros(0), np.zeros(0))
    return hv.Curve(data, TIME, CURRENT).opts(
        color="#2ca02c",
        line_width=1.5,
        framewise=True,
        responsive=True,
        height=220,
        title="input current of the chosen channel",
        show_grid=True,
    )


def _voltage(data):
    if data is None:
        return sv.voltage(sv.empty_result(("V",), {"V": "mV"}), threshold=np.nan, height=240)
    res, k, vth = data
    return sv.voltage(res, neurons=[k], threshold=vth, height=240)


def _raster(data):
    return raster_view(
        data if data is not None else sv.empty_result(("V",), {"V": "mV"}), height=220
    )


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
        for name, values in _GENERATOR_DEFAULTS.items():
            self.generator_params[name].param.update(**values)
        self.neuron_params = {n: reg[n]() for n in NEURONS}
        self.encoder_params = sp.parameterized_class(encode.LIFParameters)()
        self.in_raster_pane, self.in_raster_pipe = live_plot(_input_raster)
        self.in_current_pane, self.in_current_pipe = live_plot(_input_current)
        self.voltage_pane, self.voltage_pipe = live_plot(_voltage)
        self.raster_pane, self.raster_pipe = live_plot(_raster)
        self.readout = pn.pane.Markdown("", sizing_mode="stretch_width")
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
        self.param.watch(
            self.request_run,
            [
                "size",
                "neuron",
                "weight",
                "duration",
                "dt",
                "seed",
                "pulse_amplitude",
                "pulse_on",
                "pulse_off",
                "value_max",
                "t_late",
                "label",
                "transmit_as",
            ],
        )
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

    # ---- building the source --------------------------------------------------------

    def _fill_source_box(self):
        name = self.source
        items: list = [pn.pane.Markdown(f"#### {name}")]
        self.sliders = {}
        if name in PARAM_GENERATORS:
            obj = self.generator_params[name]
            box, sliders = slider_box(obj)
            self.sliders.update(sliders)
            items.append(box)
            if "spike_times" in obj.param:
                self.spike_times_field = TextField(
                    obj,
                    "spike_times",
                    lambda text: parse_number_list(text, lo=0.0, hi=1e5, what="spike times"),
                    format_number_list,
                    label="spike times (ms, comma-separated)",
                )
                items.append(self.spike_times_field)
        elif name == "StepCurrentGenerator":
            items += [self._slider(n) for n in ("pulse_amplitude", "pulse_on", "pulse_off")]
        elif name in FILE_GENERATORS:
            how = "cyclically" if name == "CustomGenerator" else "once"
            items.append(pn.pane.Markdown(f"data: **{self.custom_name}**, replayed {how}, as"))
            items.append(pn.widgets.RadioButtonGroup.from_param(self.param.transmit_as))
        elif name == "constant_current_lif_encode":
            box, sliders = slider_box(
                self.encoder_params, names=["tau_mem", "v_th", "v_leak", "v_reset"]
            )
            self.sliders.update(sliders)
            items += [self._slider("value_max"), box]
        elif name == "spatio_temporal_encode":
            items.append(self._slider("t_late"))
        elif name == "one_hot":
            items.append(self._slider("label", pn.widgets.IntSlider))
        self.source_box.objects = items

    def _slider(self, name, cls=pn.widgets.FloatSlider):
        w = fast(cls.from_param(self.param[name], sizing_mode="stretch_width"))
        self.sliders[name] = w
        return w

    def _fill_neuron_box(self):
        box, sliders = slider_box(self.neuron_params[self.neuron_model])
        self.neuron_sliders = sliders
        self.neuron_box.objects = [pn.pane.Markdown(f"#### {self.neuron_model}"), box]

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

    def build_source(self):
        """The generator for the current values (encoders inside an `InputTransmitter`).

        **Returns:** the generator; its `size` is the number of channels.
        """
        name, n, dt = self.source, int(self.size), float(self.dt)
        n_steps = int(round(self.duration / dt))
        self._window_note = ""
        if name in PARAM_GENERATORS:
            obj = self.generator_params[name]
            obj.size = n
            start, stop = getattr(obj, "start", None), getattr(obj, "stop", None)
            if start is not None and stop is not None and stop <= start:
                # both sliders at one end: an empty window, a silent source (said so)
                self._window_note = (
                    f"{name}: stop ({stop:g} ms) is not after start ({start:g} ms), so the "
                    "source sends nothing."
                )
                return obj.to_model(start=1e9, stop=2e9)
            return obj.to_model()
        if name == "StepCurrentGenerator":
            return StepCurrentGenerator(
                size=n,
                times=(self.pulse_on, self.pulse_off),
                amplitudes=(self.pulse_amplitude, 0.0),
            )
        if name in FILE_GENERATORS:
            return self._file_source(name, n, n_steps)
        lif = self.encoder_params.to_model()
        kw = dict(lif=lif, value_max=self.value_max, t_late=self.t_late, label=self.label)
        out = encoder_output(name, n, n_steps, dt, **kw)
        return InputTransmitter(size=n, inputs_type="spike", data=out)

    def _file_source(self, name: str, n: int, n_steps: int):
        """The replay of the uploaded data as spike counts or as a current (pA).

        **Raises:** `ValueError` when the data are read as spike counts but cannot be.
        """
        data = self.custom_data
        if self.transmit_as == "spike":
            problem = spike_count_problem(data)
            if problem:
                raise ValueError(
                    f"The data of {self.custom_name} are not spike counts ({problem}): "
                    "read them as a current."
                )
            channels = data.shape[1] if data.ndim == 2 else n
            if name == "CustomGenerator":
                return CustomGenerator(size=channels, data=data)
            return InputTransmitter(size=channels, inputs_type="spike", data=data)
        # a current: a 1-D waveform drives every channel alike, a 2-D one channel per column
        rows = data[:, None].repeat(n, axis=1) if data.ndim == 1 else data
        if name == "CustomGenerator":  # cyclic: repeat the rows over the run
            rows = np.resize(rows, (n_steps + 1, rows.shape[1]))
        return InputTransmitter(size=rows.shape[1], inputs_type="current", data=rows)

    # ---- running -----------------------------------------------------------------------

    def run_key(self):
        """Shapes and compiled variants: the source, the neuron model, sizes, steps."""
        return ("InputsLab", self.source, self.neuron_model, int(self.size),
                float(self.duration), float(self.dt), self.transmit_as)  # fmt: skip

    def sync_settings(self) -> None:
        """The source's and the neurons' sizes follow the lab's."""
        if self.source in PARAM_GENERATORS:
            self.generator_params[self.source].size = int(self.size)

    def work(self):
        """Build the source and the neurons and simulate (no pane).

        **Returns:** `(source, neurons, res, t, out)`: the generator, the neuron model,
        the `Result`, and the source's output on its time grid.
        """
        dt, duration = float(self.dt), float(self.duration)
        source = self.build_source()
        model = self.neuron_params[self.neuron_model]
        kwargs = model.model_kwargs()
        if "method" in model.param:
            kwargs["method"] = model.method
        neurons = sp.construct(model.model_class, source.size, kwargs)
        weight = self.weight if source.output_kind() == "spike" else 1.0
        res = simulate(
            neurons, Connection(source, weight=weight), duration=duration, dt=dt, seed=self.seed
        )
        t, out = source_output(source, duration, dt, self.seed)
        return source, neurons, res, t, out

    def present(self, result) -> str:
        """Update the four plots and the readout from `work`'s result."""
        source, neurons, res, t, out = result
        channels, kind = source.size, source.output_kind()
        self.neuron_params[self.neuron_model].size = channels
        duration = float(self.duration)
        k = min(int(self.neuron), channels - 1)
        self.result, self.input_t, self.input_values, self.input_kind = res, t, out, kind
        if kind == "spike":
            steps, ids = np.nonzero(out)
            self.in_raster_pipe.send((t[steps], ids.astype(float)))
            self.in_current_pipe.send((np.zeros(0), np.zeros(0)))
        else:
            self.in_raster_pipe.send((np.zeros(0), np.zeros(0)))
            self.in_current_pipe.send((t, out[:, k]))
        self.in_raster_pane.visible = kind == "spike"
        self.in_current_pane.visible = kind != "spike"
        vth = float(np.ravel(neurons.V_th)[0])
        self.voltage_pipe.send((res, k, vth))
        self.raster_pipe.send(res)
        rates = res.rates()
        if kind == "spike":
            sent = f"{int(out.sum())} input spikes ({out.sum() / channels / duration * 1e3:.1f} Hz"
            sent += " per channel)"
        else:
            sent = f"input current of channel {k}: mean {out[:, k].mean():.1f} pA"
        self.readout.object = (
            f"**{self.source}** -> {channels} {self.neuron_model} neurons: {sent}; "
            f"output {len(res.spike_times)} spikes, mean rate {rates.mean():.1f} Hz "
            f"(neuron {k}: {rates[k]:.1f} Hz)"
        )
        notes = []
        if k != int(self.neuron):
            notes.append(f"There are {channels} channels: showing neuron {k}.")
        if res.diverged:
            notes.append(f"The run diverged at t = {res.first_bad_time} ms.")
        if getattr(self, "_window_note", ""):
            notes.append(self._window_note)
        if self.source in FILE_GENERATORS and self.transmit_as == "current" and self.upload_note:
            notes.append(self.upload_note)
        return " ".join(notes)

    # ---- layout ------------------------------------------------------------------------

    def __panel__(self):
        def w(name, cls=pn.widgets.FloatSlider):
            return fast(cls.from_param(self.param[name], sizing_mode="stretch_width"))

        self.weight_slider = w("weight")
        sidebar = pn.Column(
            pn.pane.Markdown("### Generators and encoders"),
            pn.widgets.Select.from_param(self.param.source, sizing_mode="stretch_width"),
            self.source_box,
            pn.pane.Markdown(
                "Upload data for CustomGenerator / InputTransmitter "
                f"({', '.join(UPLOAD_SUFFIXES)}, at most {self.max_upload_bytes} bytes; "
                "rows are steps, columns channels):"
            ),
            self.upload,
            pn.pane.Markdown("### Neurons"),
            pn.widgets.Select.from_param(self.param.neuron_model, sizing_mode="stretch_width"),
            w("size", pn.widgets.IntSlider),
            w("neuron", pn.widgets.IntSlider),
            self.weight_slider,
            w("duration"),
            pn.widgets.DiscreteSlider.from_param(self.param.dt, sizing_mode="stretch_width"),
            w("seed", pn.widgets.IntSlider),
            self.neuron_box,
            width=340,
            scroll=True,
        )
        main = pn.Column(
            self.alert,
            self.readout,
            self.in_raster_pane,
            self.in_current_pane,
            self.voltage_pane,
            self.raster_pane,
            pn.pane.Markdown(
                "Encoders (jaxsnn's, times in s) run at the lab's dt; their spikes reach the "
                "neurons through an InputTransmitter. Current sources are added to the "
                "neurons' input current (pA) with gain 1; spike sources with the weight."
            ),
            sizing_mode="stretch_width",
        )
        return pn.Row(sidebar, main, sizing_mode="stretch_width")


__all__ = [
    "ENCODERS",
    "InputsLab",
    "MAX_UPLOAD_BYTES",
    "SOURCES",
    "UPLOAD_SUFFIXES",
    "default_pattern",
    "encoder_output",
    "read_upload",
    "source_output",
]
