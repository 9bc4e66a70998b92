"""Build `param.Parameterized` classes from the models' own per-parameter metadata.

Each model declares its parameters once (`snnlab.core.parameter`: unit, bounds, slider
range, log flag, doc). This module turns those `ParamSpec`s into `param.Number`s:

- `bounds` are the physical bounds (values outside raise), `softbounds` the slider range;
- the label is `name (unit)`, the doc becomes the tooltip;
- a per-channel vector parameter (e.g. GLIF3's `asc_amps_init`) becomes one number per
  channel, `asc_amps_init_0`, `asc_amps_init_1`, ..., reassembled by `to_model()`;
- a parameter with a log flag becomes a `LogNumber` (a `param.Number`), which the widget
  layer shows as a logarithmic slider (`snnlab.app.jupyter`).

No model is named here: a new model class in `snnlab.neurons`, `snnlab.generators` or
`snnlab.dynapse` gets its Parameterized without changes to this file.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import math
from typing import Any, ClassVar

import equinox as eqx
import numpy as np
import param

from ..core import (
    METHODS,
    AbstractGenerator,
    AbstractNeuronModel,
    AbstractStepwiseModel,
    ParamSpec,
    param_specs,
)
from ._json import dumps
from ._log import LogNumber, ModelNumber

MODEL_PACKAGES = ("snnlab.neurons", "snnlab.generators", "snnlab.dynapse")
"""Packages scanned for model classes (one that fails to import raises ImportError)."""

MAX_SIZE = 100_000
"""Largest population size a `size` parameter allows."""

_SLIDER_STEPS = 200


class ModelParameters(param.Parameterized):
    """Base class of every derived Parameterized: the sliders of one model class.

    **Class attributes (set on each derived class):**

    - `model_class`: the equinox model class built by `to_model()`.
    - `specs`: the model's `ParamSpec`s by name (units, bounds, docs).
    - `channels`: for per-channel vector parameters, the names of their scalar params.
    - `kind`: "neuron", "generator" or "device".
    """

    model_class: ClassVar[type] = None
    specs: ClassVar[dict[str, ParamSpec]] = {}
    channels: ClassVar[dict[str, tuple[str, ...]]] = {}
    kind: ClassVar[str] = "device"

    size = param.Integer(
        default=1,
        bounds=(1, MAX_SIZE),
        precedence=-1,
        doc="number of neurons (or channels) of the model; a new size recompiles",
    )

    # ---- values ------------------------------------------------------------------------

    def model_kwargs(self) -> dict[str, Any]:
        """The keyword arguments `to_model()` passes for the declared parameters."""
        kwargs = {}
        for name, _spec in self.specs.items():
            if name in self.channels:
                kwargs[name] = tuple(float(getattr(self, c)) for c in self.channels[name])
            else:
                value = getattr(self, name)
                kwargs[name] = None if value is None else float(value)
        return kwargs

    def changed_kwargs(self) -> dict[str, Any]:
        """The parameters whose value differs from the model's default (for code snippets)."""
        out = {}
        for name, value in self.model_kwargs().items():
            default = self.specs[name].default
            if not _same(value, default):
                out[name] = value
        return out

    def to_model(self, **overrides):
        """Build the equinox model with the current values.

        **Arguments:**

        - `overrides`: extra constructor arguments (e.g. `method="rk4"`).

        **Returns:**

        An instance of `model_class`.

        **Raises:**

        `ValueError` with the model's message when a value or a combination of values is
        invalid (e.g. `V_reset must lie below V_th.`).
        """
        kwargs = self.model_kwargs()
        kwargs.update(overrides)
        return construct(self.model_class, self.size, kwargs)

    def problems(self) -> list[str]:
        """Messages explaining why the current values cannot build a model (empty if fine)."""
        try:
            self.to_model()
        except (ValueError, TypeError) as err:
            return [str(err)]
        return []

    # ---- state -------------------------------------------------------------------------

    def values(self) -> dict[str, Any]:
        """Every slider value by parameter name (channels as lists), plus `size`."""
        out: dict[str, Any] = {"size": int(self.size)}
        out.update(
            {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.model_kwargs().items()}
        )
        return out

    def set_values(self, values: dict[str, Any]) -> None:
        """Set parameters from `values()`-style data; unknown names raise `ValueError`."""
        update: dict[str, Any] = {}
        for name, value in values.items():
            if name in self.channels:
                value = list(np.atleast_1d(np.asarray(value, dtype=float)))
                names = self.channels[name]
                if len(value) != len(names):
                    raise ValueError(
                        f"{type(self).__name__}: {name} needs {len(names)} values, got "
                        f"{len(value)}."
                    )
                update.update(dict(zip(names, map(float, value), strict=True)))
            elif name == "size":
                update["size"] = int(value)
            elif name in self.param and name != "name":
                update[name] = None if value is None else float(value)
            else:
                raise ValueError(f"{type(self).__name__} has no parameter {name!r}.")
        self.param.update(**update)

    def to_json(self) -> str:
        """The model name and values as standard JSON text (`snnlab.params.dumps`: an
        infinite value such as a generator's `stop` is written as the string
        `"Infinity"`, which `snnlab.params.loads` reads back as a float)."""
        return dumps({"model": self.model_class.__name__, "values": self.values()}, indent=2)

    @classmethod
    def from_model(cls, model) -> ModelParameters:
        """A Parameterized holding the (scalar or first-element) values of `model`."""
        obj = cls()
        values: dict[str, Any] = {}
        for name in cls.specs:
            value = getattr(model, name)
            if value is None:
                values[name] = None
            elif name in cls.channels:
                flat = _shortest(value).reshape(-1, len(cls.channels[name]))[0]
                values[name] = [float(v) for v in flat]
            else:
                values[name] = float(_shortest(value).reshape(-1)[0])
        if isinstance(getattr(model, "size", None), int):
            values["size"] = model.size
        obj.set_values(values)
        return obj

    @classmethod
    def slider_names(cls) -> list[str]:
        """The names of the scalar params that get a slider, in declaration order."""
        names = []
        for name in cls.specs:
            names.extend(cls.channels.get(name, (name,)))
        return names

    @classmethod
    def spec_of(cls, pname: str) -> ParamSpec:
        """The `ParamSpec` behind a slider name (a channel maps to its vector's spec)."""
        for name, chans in cls.channels.items():
            if pname in chans:
                return cls.specs[name]
        return cls.specs[pname]


class NeuronParameters(ModelParameters):
    """Base class of the Parameterized of a neuron model: adds the default `method`."""

    kind: ClassVar[str] = "neuron"

    def to_model(self, **overrides):
        """Build the neuron model (see `ModelParameters.to_model`)."""
        if "method" in self.param and "method" not in overrides:
            overrides["method"] = self.method
        return super().to_model(**overrides)

    def values(self) -> dict[str, Any]:
        """Slider values plus `size` and `method` (where the model has one)."""
        out = super().values()
        if "method" in self.param:
            out["method"] = self.method
        return out

    def set_values(self, values: dict[str, Any]) -> None:
        """Set values, including `method`."""
        values = dict(values)
        if "method" in values and "method" in self.param:
            self.method = values.pop("method")
        super().set_values(values)


class GeneratorParameters(ModelParameters):
    """Base class of the Parameterized of an input generator."""

    kind: ClassVar[str] = "generator"


class SpikeGeneratorParameters(GeneratorParameters):
    """Spikes at given times (ms): the sliders of `snnlab.generators.SpikeGenerator`."""

    spike_times = param.List(
        default=[10.0, 20.0, 30.0], item_type=(int, float), doc="spike times (ms)"
    )
    multiplicities = param.Number(
        default=1.0, bounds=(0.0, None), softbounds=(0.0, 10.0), doc="spikes delivered per time"
    )

    def model_kwargs(self) -> dict[str, Any]:
        """Constructor arguments: `spike_times` (ms) and `multiplicities`."""
        return {
            "spike_times": [float(t) for t in self.spike_times],
            "multiplicities": float(self.multiplicities),
        }

    def changed_kwargs(self) -> dict[str, Any]:
        """Always the spike times and multiplicities."""
        return self.model_kwargs()

    def values(self) -> dict[str, Any]:
        """`size`, `spike_times` and `multiplicities`."""
        return {"size": int(self.size), **self.model_kwargs()}

    def set_values(self, values: dict[str, Any]) -> None:
        """Set `size`, `spike_times` (ms) and `multiplicities`."""
        values = dict(values)
        if "spike_times" in values:
            self.spike_times = [float(t) for t in values.pop("spike_times")]
        super().set_values(values)

    @classmethod
    def slider_names(cls) -> list[str]:
        """The one slider: `multiplicities`."""
        return ["multiplicities"]

    @classmethod
    def spec_of(cls, pname: str) -> ParamSpec:
        """A spec for `multiplicities`."""
        return ParamSpec(
            name=pname,
            default=1.0,
            unit="",
            bounds=(0.0, None),
            inclusive=(True, True),
            slider=(0.0, 10.0),
            log=False,
            doc="spikes delivered per time",
        )


def _shortest(value) -> np.ndarray:
    """Values as float64 with the shortest decimal of their own precision (0.04, not
    0.03999999910593033 for a float32 0.04), so model -> sliders -> model is exact."""
    arr = np.asarray(value)
    if arr.dtype == np.float64:
        return arr
    return np.array([float(str(v)) for v in arr.reshape(-1)]).reshape(arr.shape)


def _same(value, default) -> bool:
    if value is None or default is None:
        return value is None and default is None
    a = np.asarray(value, dtype=float)
    b = np.asarray(default, dtype=float)
    return a.shape == b.shape and bool(np.all((a == b) | (np.isnan(a) & np.isnan(b))))


def construct(model_class: type, size: int, kwargs: dict[str, Any]):
    """Call `model_class`'s constructor with the population size as it expects it.

    Models take `size=` (neurons, generators) or a positional `shape` (DynapSim).
    """
    sig = inspect.signature(model_class)
    if "size" in sig.parameters:
        return model_class(size=size, **kwargs)
    first = next(iter(sig.parameters.values()), None)
    if first is not None and first.name == "shape":
        return model_class(size, **kwargs)
    return model_class(**kwargs)


def _number(spec: ParamSpec, default: Any, label: str) -> param.Number:
    lo, hi = spec.bounds
    lo = None if lo is None or math.isinf(lo) else lo
    hi = None if hi is None or math.isinf(hi) else hi
    s_lo, s_hi = spec.slider
    if default is not None and math.isfinite(float(default)):
        s_lo, s_hi = min(s_lo, float(default)), max(s_hi, float(default))
    # a slider end on an excluded bound would offer an invalid value: move it in one step
    nudge = (s_hi - s_lo) / _SLIDER_STEPS if s_hi > s_lo else 1e-6
    if lo is not None and not spec.inclusive[0] and s_lo <= lo:
        s_lo = lo + nudge
    if hi is not None and not spec.inclusive[1] and s_hi >= hi:
        s_hi = hi - nudge
    step = (s_hi - s_lo) / _SLIDER_STEPS if s_hi > s_lo else None
    if step:
        step = float(f"{step:.1g}")
    number = LogNumber if spec.log and s_lo > 0 else ModelNumber
    return number(
        default=None if default is None else float(default),
        bounds=(lo, hi),
        inclusive_bounds=spec.inclusive,
        softbounds=(s_lo, s_hi),
        step=step,
        allow_None=spec.optional or default is None,
        label=label,
        doc=f"{spec.doc} [{spec.unit or 'unitless'}; allowed {spec.range_text()}]",
    )


def _static_default(cls: type, name: str):
    for f in dataclasses.fields(cls):
        if f.name == name and f.default is not dataclasses.MISSING:
            return f.default
    return None


def kind_of(model_class: type) -> str:
    """ "neuron", "generator" or "device" for a model class."""
    if issubclass(model_class, (AbstractNeuronModel, AbstractStepwiseModel)):
        return "neuron"
    if issubclass(model_class, AbstractGenerator):
        return "generator"
    return "device"


def parameterized_class(model_class: type) -> type[ModelParameters]:
    """Derive the `param.Parameterized` class of `model_class` from its `ParamSpec`s.

    **Arguments:**

    - `model_class`: an equinox model class whose fields were declared with
      `snnlab.core.parameter`.

    **Returns:**

    A subclass of `ModelParameters` named like the model, with one `param.Number` per
    scalar parameter (one per channel for vector parameters), a `size` and, for neuron
    models with a `method` field, a `method` selector.
    """
    name = model_class.__name__
    if name in _SPECIAL:
        return _SPECIAL[name]
    specs = param_specs(model_class)
    kind = kind_of(model_class)
    base = {"neuron": NeuronParameters, "generator": GeneratorParameters}.get(kind, ModelParameters)
    params: dict[str, Any] = {}
    channels: dict[str, tuple[str, ...]] = {}
    for pname, spec in specs.items():
        if spec.vector:
            default = np.atleast_1d(np.asarray(spec.default, dtype=float))
            names = tuple(f"{pname}_{i}" for i in range(len(default)))
            channels[pname] = names
            for i, (cname, value) in enumerate(zip(names, default, strict=True)):
                label = f"{pname}[{i}] ({spec.unit})" if spec.unit else f"{pname}[{i}]"
                params[cname] = _number(spec, float(value), label)
        else:
            params[pname] = _number(spec, spec.default, spec.label)
    field_names = {f.name for f in dataclasses.fields(model_class)}
    if kind == "neuron" and "method" in field_names:
        default_method = _static_default(model_class, "method") or METHODS[0]
        params["method"] = param.Selector(
            default=default_method,
            objects=list(METHODS),
            precedence=-1,
            doc="integrator of the stepped engine",
        )
    doc = inspect.getdoc(model_class) or name
    cls = param.parameterized_class(name, params, bases=base)
    cls.__doc__ = f"Sliders of `{model_class.__module__}.{name}`.\n\n{doc}"
    cls.model_class = model_class
    cls.specs = specs
    cls.channels = channels
    cls.kind = kind
    cls.__module__ = __name__.rsplit(".", 1)[0]
    return cls


_SPECIAL: dict[str, type[ModelParameters]] = {}
_SPECIAL_SOURCES: list = []


def add_special_source(source) -> None:
    """Have `registry` call `source(special)` once, to add hand-written Parameterized
    classes (name -> class) to `special` (`snnlab.params` registers the replay
    generators' this way, so that this module need not import theirs)."""
    _SPECIAL_SOURCES.append(source)


def _special_spike_generator() -> None:
    from ..generators import SpikeGenerator

    cls = param.parameterized_class("SpikeGenerator", {}, bases=SpikeGeneratorParameters)
    cls.__doc__ = SpikeGeneratorParameters.__doc__
    cls.model_class = SpikeGenerator
    cls.specs = {}
    cls.channels = {}
    cls.__module__ = __name__.rsplit(".", 1)[0]
    _SPECIAL["SpikeGenerator"] = cls
    for source in _SPECIAL_SOURCES:
        source(_SPECIAL)


def discover_model_classes() -> dict[str, type]:
    """Every concrete model class with declared parameters in `MODEL_PACKAGES`, by name.

    A class qualifies when it is an `equinox.Module` subclass exported by the package,
    not abstract (name not starting with `Abstract` or `_`) and has declared parameters
    (or a hand-written Parameterized, such as `SpikeGenerator`).
    """
    found: dict[str, type] = {}
    for pkg in MODEL_PACKAGES:
        # Every package here ships with snnlab: an import error is a bug to see, not a
        # model to leave out of the UI, so it propagates.
        mod = importlib.import_module(pkg)
        names = getattr(mod, "__all__", None) or [n for n in dir(mod) if not n.startswith("_")]
        for attr in names:
            obj = getattr(mod, attr, None)
            if not (isinstance(obj, type) and issubclass(obj, eqx.Module)):
                continue
            if obj.__name__.startswith(("Abstract", "_")) or inspect.isabstract(obj):
                continue
            if obj.__name__ in _SPECIAL or param_specs(obj):
                found.setdefault(obj.__name__, obj)
    return found


_CACHE: dict[str, type[ModelParameters]] = {}


def registry(refresh: bool = False) -> dict[str, type[ModelParameters]]:
    """Model name -> derived Parameterized class, for every discovered model.

    **Arguments:**

    - `refresh`: rescan the model packages (models added since the first call appear).
    """
    if not _SPECIAL:
        _special_spike_generator()
    if refresh or not _CACHE:
        for name, model_class in discover_model_classes().items():
            if name not in _CACHE or _CACHE[name].model_class is not model_class:
                _CACHE[name] = parameterized_class(model_class)
    return dict(_CACHE)


def neuron_models() -> dict[str, type[ModelParameters]]:
    """The Parameterized classes of neuron models that `snnlab.simulate` runs, by name."""
    return {k: v for k, v in registry().items() if v.kind == "neuron"}


def generator_models() -> dict[str, type[ModelParameters]]:
    """The Parameterized classes of input generators, by name."""
    return {k: v for k, v in registry().items() if v.kind == "generator"}


def device_models() -> dict[str, type[ModelParameters]]:
    """The Parameterized classes of other models (e.g. the Dynap-SE emulator), by name."""
    return {k: v for k, v in registry().items() if v.kind == "device"}


def for_model(model) -> ModelParameters:
    """A Parameterized holding the values of an existing model instance."""
    return registry()[type(model).__name__].from_model(model)
