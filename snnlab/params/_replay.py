"""Hand-written Parameterized classes for the data-driven generators.

`CustomGenerator` and `InputTransmitter` replay an array and `StepCurrentGenerator`
follows a list of times and amplitudes, which no slider can hold: the arrays are
`param.Array` / `param.List` (set from code or a JSON list), the start time a slider.
Files (`datapath`) are not offered here: a served app must not read the server's files;
build `snnlab.generators.CustomGenerator(datapath=...)` in code instead.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import param

from ..core import ParamSpec
from ._build import GeneratorParameters

_START = ParamSpec(
    name="start",
    default=0.0,
    unit="ms",
    bounds=(0.0, None),
    inclusive=(True, True),
    slider=(0.0, 1000.0),
    log=False,
    doc="time the generator switches on (inclusive)",
)


class _ReplayParameters(GeneratorParameters):
    """Shared: the replayed `data` (rows = steps) and the start time."""

    data = param.Array(
        default=np.array([1.0, 0.0, 0.0, 0.0]),
        doc="replayed values, one row per step: (steps,) or (steps, size) [spike counts or pA]",
    )
    start = param.Number(
        default=0.0,
        bounds=(0.0, None),
        softbounds=(0.0, 1000.0),
        step=5.0,
        label="start (ms)",
        doc="time the generator switches on (inclusive) [ms; allowed >= 0]",
    )

    def values(self) -> dict[str, Any]:
        """`size`, the window and `data` as nested lists (JSON-ready)."""
        out = {"size": int(self.size), "start": float(self.start)}
        out["data"] = np.asarray(self.data, dtype=float).tolist()
        return out

    def set_values(self, values: dict[str, Any]) -> None:
        """Set `size`, `start` and `data` (a nested list or array of numbers)."""
        values = dict(values)
        if "data" in values:
            arr = np.asarray(values.pop("data"), dtype=float)
            if arr.ndim not in (1, 2) or arr.size == 0 or not np.all(np.isfinite(arr)):
                raise ValueError(f"{type(self).__name__}: data must be a finite 1-D or 2-D array.")
            self.data = arr
        super().set_values(values)

    @classmethod
    def from_model(cls, model):
        """A Parameterized holding `model`'s data, size and start time."""
        obj = cls()
        obj.size = int(model.size)
        obj.data = np.asarray(model.data, dtype=float)
        obj.start = float(np.asarray(model.start).reshape(-1)[0])
        return obj

    def changed_kwargs(self) -> dict[str, Any]:
        """Always the data (there is no default worth omitting)."""
        return self.model_kwargs()

    @classmethod
    def slider_names(cls) -> list[str]:
        """The one slider: `start`."""
        return ["start"]

    @classmethod
    def spec_of(cls, pname: str) -> ParamSpec:
        """The spec of `start`."""
        return _START


class CustomGeneratorParameters(_ReplayParameters):
    """A replayed spike pattern, cyclic: the sliders of
    `snnlab.generators.CustomGenerator` (data given as an array, not a file)."""

    stop = param.Number(
        default=float("inf"),
        bounds=(0.0, float("inf")),
        label="stop (ms)",
        precedence=-1,
        doc="time the generator switches off (exclusive); inf for never [ms]",
    )

    def model_kwargs(self) -> dict[str, Any]:
        """Constructor arguments: `data`, `start`, `stop` (ms)."""
        return {
            "data": np.asarray(self.data, dtype=float),
            "start": float(self.start),
            "stop": float(self.stop),
        }

    def values(self) -> dict[str, Any]:
        """As the base class, plus `stop` (ms)."""
        return {**super().values(), "stop": float(self.stop)}


class InputTransmitterParameters(_ReplayParameters):
    """External data forwarded step by step: the settings of
    `snnlab.generators.InputTransmitter` (spikes or a current in pA)."""

    inputs_type = param.Selector(
        default="spike",
        objects=["spike", "current"],
        doc="deliver the data as spike counts or as a current (pA)",
    )

    def model_kwargs(self) -> dict[str, Any]:
        """Constructor arguments: `data` and `inputs_type` (the window is always open;
        `start` shifts the data by that many ms of leading zeros when built)."""
        return {"data": np.asarray(self.data, dtype=float), "inputs_type": self.inputs_type}

    def to_model(self, **overrides):
        """The `InputTransmitter`. 1-D `data` is one value per step for every channel;
        `start` > 0 prepends zero rows (one per `dt` = 0.1 ms unless `dt=` is given)."""
        dt = float(overrides.pop("dt", 0.1))
        kwargs = {**self.model_kwargs(), **overrides}
        rows = np.asarray(kwargs["data"], dtype=float)
        if rows.ndim == 1:  # one value per step, the same for every channel
            rows = np.repeat(rows[:, None], self.size, axis=1)
        lead = int(round(float(self.start) / dt))
        if lead:
            rows = np.concatenate([np.zeros((lead, rows.shape[1])), rows])
        kwargs["data"] = rows
        return self.model_class(size=self.size, **kwargs)

    def values(self) -> dict[str, Any]:
        """As the base class, plus `inputs_type`."""
        return {**super().values(), "inputs_type": self.inputs_type}

    def set_values(self, values: dict[str, Any]) -> None:
        """Set values, including `inputs_type`."""
        values = dict(values)
        if "inputs_type" in values:
            self.inputs_type = values.pop("inputs_type")
        super().set_values(values)


class StepCurrentGeneratorParameters(GeneratorParameters):
    """A piecewise-constant current: the settings of
    `snnlab.generators.StepCurrentGenerator` (times in ms, amplitudes in pA)."""

    times = param.List(default=[10.0, 60.0], item_type=(int, float), doc="switch times (ms)")
    amplitudes = param.List(
        default=[500.0, 0.0], item_type=(int, float), doc="current from each time on (pA)"
    )
    start = param.Number(
        default=0.0,
        bounds=(0.0, None),
        softbounds=(0.0, 1000.0),
        step=5.0,
        label="start (ms)",
        doc="time the generator switches on (inclusive) [ms; allowed >= 0]",
    )

    def model_kwargs(self) -> dict[str, Any]:
        """Constructor arguments: `times` (ms), `amplitudes` (pA), `start` (ms)."""
        return {
            "times": [float(t) for t in self.times],
            "amplitudes": [float(a) for a in self.amplitudes],
            "start": float(self.start),
        }

    def changed_kwargs(self) -> dict[str, Any]:
        """Always the times and amplitudes."""
        return self.model_kwargs()

    def values(self) -> dict[str, Any]:
        """`size` and the constructor arguments (JSON-ready)."""
        return {"size": int(self.size), **self.model_kwargs()}

    def set_values(self, values: dict[str, Any]) -> None:
        """Set `size`, `start`, `times` (ms) and `amplitudes` (pA)."""
        values = dict(values)
        for key in ("times", "amplitudes"):
            if key in values:
                seq = [float(v) for v in values.pop(key)]
                if not all(np.isfinite(seq)):
                    raise ValueError(f"StepCurrentGenerator: {key} must be finite numbers.")
                setattr(self, key, seq)
        super().set_values(values)

    @classmethod
    def from_model(cls, model):
        """A Parameterized holding `model`'s times, amplitudes (first channel) and start."""
        obj = cls()
        obj.size = int(model.size)
        obj.times = [float(t) for t in np.asarray(model.times).reshape(-1)]
        amps = np.asarray(model.amplitudes)
        obj.amplitudes = [float(a) for a in (amps if amps.ndim == 1 else amps[:, 0])]
        obj.start = float(np.asarray(model.start).reshape(-1)[0])
        return obj

    @classmethod
    def slider_names(cls) -> list[str]:
        """The one slider: `start`."""
        return ["start"]

    @classmethod
    def spec_of(cls, pname: str) -> ParamSpec:
        """The spec of `start`."""
        return _START


def register(special: dict) -> None:
    """Add the replay generators' classes to `special` (name -> Parameterized)."""
    from ..generators import CustomGenerator, InputTransmitter, StepCurrentGenerator

    for model_class, base in (
        (CustomGenerator, CustomGeneratorParameters),
        (InputTransmitter, InputTransmitterParameters),
        (StepCurrentGenerator, StepCurrentGeneratorParameters),
    ):
        cls = param.parameterized_class(model_class.__name__, {}, bases=base)
        cls.__doc__ = base.__doc__
        cls.model_class = model_class
        cls.specs = {}
        cls.channels = {}
        cls.__module__ = "snnlab.params"
        special[model_class.__name__] = cls
