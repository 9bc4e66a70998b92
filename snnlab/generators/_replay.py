"""Generators that replay given data: SpikeGenerator, CustomGenerator, InputTransmitter."""

from __future__ import annotations

import os
from pathlib import Path
from typing import ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from ..core import AbstractGenerator, GridPlan, as_decimal_float64, float_array, grid_index
from ._resettable import Resettable

MAX_FILE_BYTES = 50 * 1024 * 1024
"""Default size limit of a file read by CustomGenerator (bytes)."""


class SpikeGenerator(Resettable, AbstractGenerator):
    """Spikes at given times (ms).

    **Arguments:**

    - `size`: number of channels.
    - `spike_times`: a 1-D sequence of times (every channel spikes then), or a list of
      `size` sequences (one per channel). A spike at time s acts in the step that
      contains s, [k dt, (k + 1) dt), decided in exact arithmetic on the host (see
      `snnlab.core.grid_index`), the same in float32 and float64; with a connection delay
      d, the step whose window contains s + d.
    - `multiplicities`: spikes delivered at each time: an int, or one per time.
    - `start`, `stop`: window in ms: only spikes with start <= s < stop are delivered.

    The times are padded to a power of two so that a few more times do not recompile.
    They are kept in float64 on the host (`times`); `steps` holds their grid steps once
    `on_grid` has placed them (None before).
    """

    is_spike_binary: ClassVar[bool] = True
    size: int = eqx.field(static=True, default=1)
    times: jax.Array = eqx.field(default=None)
    ids: jax.Array = eqx.field(default=None)
    counts: jax.Array = eqx.field(default=None)
    start: jax.Array = eqx.field(default=None)
    stop: jax.Array = eqx.field(default=None)
    steps: jax.Array | None = eqx.field(default=None)

    def __init__(self, size=1, spike_times=(), multiplicities=1, start=0.0, stop=float("inf")):
        self.size = size
        times, ids = _parse_spike_times(spike_times, size)
        mult = np.asarray(multiplicities, dtype=float)
        if mult.ndim == 0:
            mult = np.full(len(times), float(mult))
        elif mult.shape != (len(times),):
            raise ValueError(
                f"SpikeGenerator: multiplicities has shape {mult.shape}; expected a scalar or "
                f"({len(times)},), one per spike time."
            )
        if np.any(mult < 0) or not np.all(np.isfinite(mult)):
            raise ValueError("SpikeGenerator: multiplicities must be finite and >= 0.")
        padded = 1 << max(int(np.ceil(np.log2(max(len(times), 1)))), 0)
        pad = padded - len(times)
        self.times = np.concatenate([times, np.full(pad, -1.0)])
        self.ids = jnp.asarray(np.concatenate([ids, np.zeros(pad, int)]), dtype=jnp.int32)
        self.counts = float_array(np.concatenate([mult, np.zeros(pad)]))
        self.start = float_array(start)
        self.stop = float_array(stop)
        self.steps = None

    @property
    def spike_times(self) -> np.ndarray:
        """The given spike times (ms), without padding."""
        return np.asarray(self.times)[np.asarray(self.counts) > 0]

    def on_grid(self, dt: float, delay: float = 0.0) -> GridPlan:
        """Bin every spike time plus `delay` into its step, exactly (see `AbstractGenerator`);
        the delay and the [start, stop) window are then part of `steps`."""
        times = np.asarray(self.times, dtype=np.float64)
        start = as_decimal_float64(self.start)
        stop = as_decimal_float64(self.stop)
        inside = (times >= 0) & (times >= start) & (times < stop)
        steps = np.where(inside, grid_index(times, dt, offset=delay), -1)
        steps = np.clip(steps, -1, np.iinfo(np.int32).max).astype(np.int32)
        binned = eqx.tree_at(lambda g: g.steps, self, steps, is_leaf=lambda x: x is None)
        always = np.broadcast_to(np.array([0, np.iinfo(np.int32).max], np.int32), (self.size, 2))
        return GridPlan(binned, 0, always[:, 0], always[:, 1])

    def values(self, key, step, t, dt):
        if self.steps is not None:
            hit = self.steps == step
        else:  # not placed by on_grid (a direct call): floating-point binning
            k = jnp.floor(self.times / dt + 1e-6)
            hit = (k == step) & (self.times >= 0)
        return (
            jnp.zeros(self.size, self.counts.dtype)
            .at[self.ids]
            .add(jnp.where(hit, self.counts, 0.0))
        )


def _parse_spike_times(spike_times, size):
    seq = list(spike_times) if not isinstance(spike_times, np.ndarray) else spike_times
    nested = len(seq) > 0 and all(np.ndim(s) == 1 for s in seq)
    if nested:
        if len(seq) != size:
            raise ValueError(
                f"SpikeGenerator: spike_times has {len(seq)} lists; expected size={size}."
            )
        times = np.concatenate([np.asarray(s, float) for s in seq]) if seq else np.zeros(0)
        ids = np.concatenate([np.full(len(s), i) for i, s in enumerate(seq)]).astype(int)
    else:
        times1 = np.asarray(seq, dtype=float).reshape(-1)
        times = np.tile(times1, size)
        ids = np.repeat(np.arange(size), len(times1))
    if not np.all(np.isfinite(times)) or np.any(times < 0):
        raise ValueError("SpikeGenerator: spike_times must be finite and >= 0 ms.")
    return times, ids


class _ReplayBase(Resettable, AbstractGenerator):
    """Replays `data` (steps, size) one row per step."""

    size: int = eqx.field(static=True, default=1)
    data: jax.Array = eqx.field(default=None)
    start: jax.Array = eqx.field(default=None)
    stop: jax.Array = eqx.field(default=None)
    cyclic: bool = eqx.field(static=True, default=True)
    is_spike_binary: ClassVar[bool] = False

    def values(self, key, step, t, dt):
        n_rows = self.data.shape[0]
        row = jnp.mod(step, n_rows) if self.cyclic else jnp.clip(step, 0, n_rows - 1)
        out = jnp.asarray(self.data)[row]
        if not self.cyclic:
            out = jnp.where(step < n_rows, out, jnp.zeros_like(out))
        return out


class CustomGenerator(_ReplayBase):
    """Replays a spike pattern given as an array or read from a file, cyclically.

    Row k of the data is the output at step k (mod the number of rows): a 1-D array of
    length `stride` drives every channel alike, a 2-D array `(stride, size)` one per
    channel.

    **Arguments:**

    - `size`: number of channels.
    - `datapath`: a `.dat` / `.txt` (whitespace-separated numbers), `.csv`
      (comma-separated) or `.npy` file. It is parsed as numbers only: no pickle, no code
      execution; files above `max_bytes` are refused.
    - `data`: the array itself (instead of `datapath`).
    - `start`, `stop`: window in ms.
    - `max_bytes`: size limit of the file (default 50 MiB).
    """

    def __init__(
        self,
        size=1,
        datapath=None,
        data=None,
        start=0.0,
        stop=float("inf"),
        max_bytes=MAX_FILE_BYTES,
    ):
        if (datapath is None) == (data is None):
            raise ValueError("CustomGenerator: give exactly one of datapath or data.")
        arr = load_numeric_file(datapath, max_bytes) if datapath is not None else data
        self.size = size
        self.data = _as_rows(np.asarray(arr), size, "CustomGenerator")
        self.start = float_array(start)
        self.stop = float_array(stop)
        self.cyclic = True


class InputTransmitter(_ReplayBase):
    """Forwards external data step by step as spikes or as a current.

    **Arguments:**

    - `size`: number of channels (features).
    - `inputs_type`: "spike" (counts delivered through the neuron's input_spike) or
      "current" (pA added to the neuron's input).
    - `data`: `(T, size)` replayed one row per step (zero after T), or `(size,)` delivered
      at the first step only; `(B, T, size)` with B = 1 (or `(T, B, size)` when
      `batch_first=False` and the array is 3-D) is accepted.
    - `batch_first`: layout of 3-D data.
    """

    inputs_type: str = eqx.field(static=True, default="spike")
    is_spike_binary: ClassVar[bool] = False

    def __init__(self, size=1, inputs_type="spike", data=None, batch_first=False):
        if inputs_type not in ("spike", "current"):
            raise ValueError(
                f"InputTransmitter: inputs_type={inputs_type!r}; use 'spike' or 'current'."
            )
        if data is None:
            raise ValueError("InputTransmitter: data must be given, shape (T, size).")
        arr = np.asarray(data, dtype=float)
        if arr.ndim == 3:
            arr = arr if batch_first else np.swapaxes(arr, 0, 1)
            if arr.shape[0] != 1:
                raise ValueError(
                    f"InputTransmitter: batched data of shape {np.shape(data)}; simulate runs "
                    "one sample, so the batch size must be 1 (use jax.vmap for batches)."
                )
            arr = arr[0]
        elif arr.ndim == 1:
            arr = arr[None, :]
        self.size = size
        self.inputs_type = inputs_type
        self.data = _as_rows(arr, size, "InputTransmitter")
        self.start = float_array(0.0)
        self.stop = float_array(float("inf"))
        self.cyclic = False

    def output_kind(self) -> str:
        return "current" if self.inputs_type == "current" else "spike"


def _as_rows(arr: np.ndarray, size: int, who: str) -> jax.Array:
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"{who}: data must be numeric, got dtype {arr.dtype}.")
    if arr.ndim == 1:
        arr = np.repeat(arr[:, None], size, axis=1)
    if arr.ndim != 2 or arr.shape[1] != size or arr.shape[0] == 0:
        raise ValueError(
            f"{who}: data has shape {arr.shape}; expected (steps,) or (steps, {size}) "
            "with at least one step."
        )
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{who}: data contains NaN or inf.")
    return float_array(arr)


def load_numeric_file(path, max_bytes: int = MAX_FILE_BYTES) -> np.ndarray:
    """Read a numeric array from `.dat`/`.txt`/`.csv`/`.npy` without pickle or eval.

    **Raises:** `ValueError` for a missing, too large, unknown-format or malformed file.
    """
    path = Path(os.fspath(path))
    if not path.is_file():
        raise ValueError(f"data file {str(path)!r} does not exist.")
    n_bytes = path.stat().st_size
    if n_bytes > max_bytes:
        raise ValueError(f"data file is {n_bytes} bytes; the limit is {max_bytes} bytes.")
    suffix = path.suffix.lower()
    try:
        if suffix == ".npy":
            arr = np.load(path, allow_pickle=False)
        elif suffix in (".dat", ".txt"):
            arr = np.loadtxt(path, dtype=float, ndmin=1)
        elif suffix == ".csv":
            arr = np.loadtxt(path, dtype=float, delimiter=",", ndmin=1)
        else:
            raise ValueError(
                f"data file suffix {suffix!r} is not supported; use .dat, .txt, .csv or .npy."
            )
    except ValueError as err:
        raise ValueError(f"could not read {path.name} as numbers: {err}") from None
    arr = np.asarray(arr)
    if arr.dtype.kind not in "biuf" or arr.ndim > 2:
        raise ValueError(f"{path.name}: expected a 1-D or 2-D numeric array, got {arr.shape}.")
    return arr


__all__ = ["CustomGenerator", "InputTransmitter", "SpikeGenerator", "load_numeric_file"]
