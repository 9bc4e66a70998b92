"""The outcome of a run: sample times, spikes and recorded states as numpy arrays."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np


@dataclasses.dataclass(frozen=True)
class SimState:
    """Where a run ended: everything needed to continue it.

    Pass it as `simulate(..., initial_state=res.final_state)` to continue the run; with the
    same model structure, inputs, `dt` and `seed`, runs cut into chunks equal one long run
    bit for bit. Parameter values may change between chunks (Live mode).

    **Attributes:**

    - `engine`: the engine that made it ("stepped").
    - `model`: the model's class name; `size` its number of neurons.
    - `dt`: the step in ms; `step`: the global index of the last sample, at `t` ms.
    - `carry`: the engine's full loop state as numpy arrays: for continuous-time models
      `(y, refractory, condition, current, generators, spiked)`; for discrete-time models
      `(state, generators, spiked)`.
    """

    engine: str
    model: str
    size: int
    dt: float
    step: int
    t: float
    carry: tuple

    @property
    def y(self):
        """The model state at `t`: `(N, S)` for continuous-time models (columns as
        `state_names`), the state pytree for discrete-time ones."""
        return self.carry[0]

    @property
    def refractory(self) -> np.ndarray | None:
        """Steps of refractory period left per neuron (continuous-time models), int."""
        return self.carry[1] if len(self.carry) == 6 else None


@dataclasses.dataclass
class Result:
    """What `snnlab.simulate` returns.

    **Attributes:**

    - `t`: sample times in ms, shape `(T,)`; the first is t = 0 (the initial state).
    - `spikes`: bool `(T, N)`; True where a neuron spiked in the step ending at `t`.
    - `spike_times`, `spike_ids`: every spike, sorted by time (ms; exact with the event
      engine, the end of the step with the stepped engine). Given as None, both are
      found in `spikes` when first read.
    - `traces`: recorded state variables by name, each `(T, N)`; also `res["V"]`.
    - `units`: unit of each recorded variable.
    - `dt`: sampling step in ms; `duration` in ms.
    - `diverged`: True when a state became NaN or inf; `first_bad_time` says when (ms).
    - `engine`, `method`: how it was computed.
    - `hit_max_spikes`: True when an event engine stopped at its spike bound.
    - `solver_failed`: True when an integrator could not complete a step (samples from
      `failure_time`, in ms, on are NaN).
    - `messages`: the text of every warning the run issued (for apps to show).
    - `precision`: "float32" or "float64", what the run computed in;
      `precision_fallback`: True when the event engine re-ran a failed float32 run in
      float64 by itself (it warns and says so in `messages`).
    - `final_state`: a `SimState` at the last sample, to continue from with
      `simulate(..., initial_state=res.final_state)` (stepped engine; None otherwise).
    - `spike_counts`, `first_spike_time`, `last_spike_time`: per neuron, the number of
      spikes and the times of the first and last (ms, NaN for none), when the run kept
      these instead of a raster (`simulate(..., raster=False)`; then `spikes` is None and
      `spike_times` / `spike_ids` raise). None otherwise.
    """

    t: np.ndarray
    spikes: np.ndarray
    spike_times: np.ndarray | None
    spike_ids: np.ndarray | None
    traces: dict[str, np.ndarray]
    units: dict[str, str]
    dt: float
    duration: float
    diverged: bool = False
    first_bad_time: float | None = None
    engine: str = "stepped"
    method: str | None = None
    hit_max_spikes: bool = False
    solver_failed: bool = False
    failure_time: float | None = None
    messages: list[str] = dataclasses.field(default_factory=list)
    final_state: SimState | None = None
    precision: str = "float32"
    precision_fallback: bool = False
    spike_counts: np.ndarray | None = None
    first_spike_time: np.ndarray | None = None
    last_spike_time: np.ndarray | None = None

    @property
    def ok(self) -> bool:
        """True when the run completed without divergence, solver failure or spike overflow."""
        return not (self.diverged or self.solver_failed or self.hit_max_spikes)

    @property
    def state_names(self) -> tuple[str, ...]:
        """Names that `res[name]` accepts."""
        return tuple(self.traces)

    @property
    def n_neurons(self) -> int:
        """Number of neurons N."""
        return len(self.spike_counts) if self.spikes is None else self.spikes.shape[1]

    def __getitem__(self, name: str) -> np.ndarray:
        if name not in self.traces:
            raise KeyError(
                f"{name!r} was not recorded; recorded: {self.state_names}. "
                "Pass record=[...] to simulate to keep other states."
            )
        return self.traces[name]

    def rates(self) -> np.ndarray:
        """Mean firing rate per neuron over the run, in Hz."""
        if self.spike_counts is not None:
            counts = self.spike_counts
        else:
            counts = np.bincount(self.spike_ids, minlength=self.n_neurons)
        return counts / (self.duration / 1000.0)

    def isi(self, neuron: int = 0) -> np.ndarray:
        """Inter-spike intervals of one neuron, in ms."""
        return np.diff(self.spike_times[self.spike_ids == neuron])

    def to_dataframe(self):
        """A long-format `pandas.DataFrame`: one row per (time, neuron) with every trace."""
        import pandas as pd

        n_t, n = self.spikes.shape
        data = {
            "t_ms": np.repeat(self.t, n),
            "neuron": np.tile(np.arange(n), n_t),
            "spike": self.spikes.reshape(-1),
        }
        for name, arr in self.traces.items():
            data[name] = arr.reshape(-1)
        return pd.DataFrame(data)

    def to_npz(self, path: str | Path) -> None:
        """Save every array to a compressed `.npz` (loadable with `np.load`, no pickle)."""
        np.savez_compressed(
            path,
            t=self.t,
            spikes=self.spikes,
            spike_times=self.spike_times,
            spike_ids=self.spike_ids,
            **{f"trace_{k}": v for k, v in self.traces.items()},
        )

    def to_netcdf(self, path: str | Path) -> None:
        """Save as NetCDF through xarray (install `xarray` and `netCDF4` or `scipy`)."""
        try:
            import xarray as xr
        except ImportError as err:
            raise ImportError("to_netcdf needs xarray: pip install xarray scipy") from err
        ds = xr.Dataset(
            {
                name: (("t", "neuron"), arr, {"units": self.units.get(name, "")})
                for name, arr in self.traces.items()
            }
            | {"spikes": (("t", "neuron"), self.spikes.astype(np.int8))},
            coords={"t": ("t", self.t, {"units": "ms"}), "neuron": np.arange(self.n_neurons)},
        )
        ds.to_netcdf(path)

    def __getstate__(self) -> dict:
        # pickling and copying see a deferred field made (see `Deferred`)
        self.final_state  # noqa: B018
        return self.__dict__

    def _find_spikes(self) -> None:
        if self.spikes is None:
            raise ValueError(
                "this run kept spike counts only (simulate(..., raster=False)): use "
                "spike_counts, first_spike_time and last_spike_time, or run with a raster."
            )
        # flatnonzero + divmod gives np.nonzero's (time-major) order ~15x faster on rasters
        steps, ids = np.divmod(np.flatnonzero(self.spikes), self.spikes.shape[1])
        self.__dict__["_spike_times"] = self.t[steps]
        self.__dict__["_spike_ids"] = ids.astype(np.int64)

    def _n_spikes(self) -> int:
        if self.spike_counts is not None:
            return int(np.sum(self.spike_counts))
        return len(self.spike_times)

    def __repr__(self) -> str:
        return (
            f"Result(engine={self.engine!r}, method={self.method!r}, T={len(self.t)}, "
            f"N={self.n_neurons}, spikes={self._n_spikes()}, recorded={self.state_names}, "
            f"diverged={self.diverged}, solver_failed={self.solver_failed})"
        )


class Deferred:
    """A `Result` field's value made when the field is first read: `Deferred(make)`
    given as `final_state` stands for `make()` (a run's final carry is rarely read, and
    unpacking it costs a few microseconds of a small run)."""

    __slots__ = ("make",)

    def __init__(self, make):
        self.make = make


def _deferred_field(name: str, doc: str) -> property:
    """A `Result` field that may be given as a `Deferred`, made on first read."""
    slot = "_" + name

    def get(self):
        value = self.__dict__.get(slot)
        if isinstance(value, Deferred):
            value = self.__dict__[slot] = value.make()
        return value

    def set(self, value):
        self.__dict__[slot] = value

    return property(get, set, doc=doc)


def _lazy_spike_field(name: str, doc: str) -> property:
    """A `Result` field that, when given as None, is computed from `spikes` on first use
    (finding the spikes of a long raster costs more than a small run itself)."""
    slot = "_" + name

    def get(self):
        if self.__dict__.get(slot) is None:
            self._find_spikes()
        return self.__dict__[slot]

    def set(self, value):
        self.__dict__[slot] = value

    return property(get, set, doc=doc)


Result.spike_times = _lazy_spike_field(
    "spike_times", "Every spike's time in ms, sorted by time (float `(S,)`)."
)
Result.spike_ids = _lazy_spike_field(
    "spike_ids", "Every spike's neuron index, in the order of `spike_times` (int64 `(S,)`)."
)
Result.final_state = _deferred_field(
    "final_state",
    "A `SimState` at the last sample, to continue from (stepped engine; None otherwise).",
)
