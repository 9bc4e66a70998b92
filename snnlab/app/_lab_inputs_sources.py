"""What the inputs lab can show, and what each source sends (no page, no widgets).

The names of the sources (`SOURCES` and its groups), the upload rules (`read_upload`,
`spike_count_problem`), the output of a generator on the stepped engine's grid
(`source_output`), the jaxsnn encoders' output (`encoder_output`) and the replay of
uploaded data (`file_source`). `snnlab.app._lab_inputs` re-exports the public names.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .. import encode
from ..generators import CustomGenerator, InputTransmitter, load_numeric_file

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

GENERATOR_DEFAULTS = {
    "DCGenerator": {"amplitude": 500.0},
    "PoissonGenerator": {"rate": 400.0},
    "BernoulliGenerator": {"prob": 0.01},
    "SpikeGenerator": {"spike_times": [10.0, 30.0, 32.0, 34.0, 60.0]},
    "RampGenerator": {"stop": 200.0, "amplitude_stop": 1000.0},
    "SineGenerator": {"offset": 300.0},
    "OUGenerator": {"mean": 300.0},
}
"""The lab's starting values of the generators' sliders (units of `snnlab.params`)."""


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


class SourceOutputs:
    """`source_output` that remembers its latest answer: a run whose source, duration,
    step and seed are those of the previous run (a move of the weight or of a neuron's
    slider) gets the same `(t, out)` objects back without a new scan.

    Sources are compared by value (`equinox.tree_equal`: same class, same structure, equal
    arrays), since the lab builds a new generator object for every run.
    """

    def __init__(self):
        self._last: tuple | None = None

    def __call__(self, source, duration: float, dt: float, seed: int = 0) -> tuple:
        """`source_output(source, duration, dt, seed)`, reused when unchanged."""
        last, key = self._last, (float(duration), float(dt), int(seed))
        if last is not None and last[1] == key and _same_source(last[0], source):
            return last[2]
        out = source_output(source, duration, dt, seed)
        self._last = (source, key, out)
        return out


def _same_source(a, b) -> bool:
    if type(a) is not type(b):
        return False
    try:
        return bool(eqx.tree_equal(a, b))
    except (TypeError, ValueError):  # leaves that cannot be compared: not the same
        return False


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


def file_source(name: str, data: np.ndarray, transmit_as: str, n: int, n_steps: int,
                data_name: str = "the data"):  # fmt: skip
    """The replay of uploaded data as spike counts or as a current (pA).

    **Arguments:**

    - `name`: "CustomGenerator" (cyclic replay) or "InputTransmitter" (one replay).
    - `data`: the uploaded array, rows are steps; a 2-D array has a column per channel.
    - `transmit_as`: "spike" (counts per step) or "current" (pA).
    - `n`: channels when `data` is 1-D (the same values drive every channel);
      `n_steps`: steps of the run (a cyclic current is repeated over them).
    - `data_name`: what the message calls the data (the file's name).

    **Returns:** the generator (its `size` is the number of channels).

    **Raises:** `ValueError` when the data are read as spike counts but cannot be.
    """
    if transmit_as == "spike":
        problem = spike_count_problem(data)
        if problem:
            raise ValueError(
                f"The data of {data_name} are not spike counts ({problem}): read them as a current."
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


__all__ = [
    "DEFAULT_WEIGHTS",
    "ENCODERS",
    "FILE_GENERATORS",
    "GENERATOR_DEFAULTS",
    "LAB_GENERATORS",
    "MAX_COUNT_PER_STEP",
    "MAX_UPLOAD_BYTES",
    "NEURONS",
    "PARAM_GENERATORS",
    "SOURCES",
    "SourceOutputs",
    "UPLOAD_SUFFIXES",
    "default_pattern",
    "encoder_output",
    "file_source",
    "read_upload",
    "source_output",
    "spike_count_problem",
]
