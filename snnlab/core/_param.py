"""Per-parameter metadata, declared once on each model.

A model field made with :func:`parameter` is an array leaf of the equinox
Module (so a new value never recompiles) and carries a :class:`ParamSpec`:
unit, physical bounds, slider range, log-scale flag and doc. The param layer,
the docs and the range checks below are all derived from it.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Sequence
from typing import Any

import equinox as eqx
import jax
import numpy as np

_SPEC_KEY = "snnlab_spec"


@dataclasses.dataclass(frozen=True)
class ParamSpec:
    """What snnlab knows about one model parameter.

    **Attributes:**

    - `name`: the parameter's name, the same on the model, the slider and the axis.
    - `default`: the default value (float, or a tuple for per-channel vectors).
    - `unit`: the unit as a short string ("ms", "mV", "pA", "A", "" for none).
    - `bounds`: physical range `(low, high)`; `None` means unbounded on that side.
    - `inclusive`: whether each bound is allowed itself.
    - `slider`: the range a slider offers `(low, high)`, inside `bounds`.
    - `log`: whether the slider should be logarithmic (values spanning decades).
    - `doc`: one line saying what the parameter is.
    - `vector`: True when the parameter has a trailing channel axis (e.g. one value per
      after-spike current) rather than one value per neuron.
    - `optional`: True when `None` is accepted and means "switched off".
    - `receptors`: True when a list gives one value per receptor (synaptic current): it is
      stored as a row `(1, K)`, and `(size, K)` gives one per neuron and receptor.
    """

    name: str
    default: Any
    unit: str
    bounds: tuple[float | None, float | None]
    inclusive: tuple[bool, bool]
    slider: tuple[float, float]
    log: bool
    doc: str
    vector: bool = False
    optional: bool = False
    receptors: bool = False

    @property
    def label(self) -> str:
        """`name (unit)` as used on sliders and plot axes."""
        return f"{self.name} ({self.unit})" if self.unit else self.name

    def range_text(self) -> str:
        """The allowed range in words, for error messages."""
        lo, hi = self.bounds
        left = ("[" if self.inclusive[0] else "(") + ("-inf" if lo is None else f"{lo:g}")
        right = ("inf" if hi is None else f"{hi:g}") + ("]" if self.inclusive[1] else ")")
        unit = f" {self.unit}" if self.unit else ""
        return f"{left}, {right}{unit}"

    def violates(self, value: np.ndarray) -> bool:
        """True when any element of `value` lies outside the physical bounds or is not finite."""
        value = np.asarray(value, dtype=float)
        lo, hi = self.bounds
        if value.size == 1:
            return not self._allows(float(value.reshape(())))
        if np.any(np.isnan(value)):
            return True
        if np.any(np.isposinf(value)) and not (hi == math.inf and self.inclusive[1]):
            return True
        if np.any(np.isneginf(value)) and not (lo == -math.inf and self.inclusive[0]):
            return True
        if lo is not None:
            bad = value < lo if self.inclusive[0] else value <= lo
            if np.any(bad):
                return True
        if hi is not None:
            bad = value > hi if self.inclusive[1] else value >= hi
            if np.any(bad):
                return True
        return False

    def _allows(self, x: float) -> bool:
        lo, hi = self.bounds
        if math.isnan(x):
            return False
        if lo is not None and (x < lo or (x == lo and not self.inclusive[0])):
            return False
        if hi is not None and (x > hi or (x == hi and not self.inclusive[1])):
            return False
        return True


def float_array(x: Any) -> jax.Array | np.ndarray:
    """Convert to an array of JAX's default float dtype (float32, or float64 under x64).

    Host values become numpy arrays (traced like JAX arrays by `jit`, but about 50x
    cheaper to make: building a model on every slider move stays in microseconds);
    JAX arrays and tracers stay JAX arrays. An array made here (from numbers, lists or
    another dtype) is read-only; a numpy array of the right dtype is kept as given.
    """
    if x is None:
        return None
    dtype = np.float64 if jax.config.jax_enable_x64 else np.float32
    if isinstance(x, jax.Array):
        return x if x.dtype == dtype else x.astype(dtype)
    arr = np.asarray(x, dtype=dtype)
    if arr is not x and arr.base is None:
        # made here, so held by no one else: read-only like the module that will hold
        # it, which spares `simulate` watching it for changes in place
        arr.flags.writeable = False
    return arr


def parameter(
    default: Any,
    *,
    unit: str,
    doc: str,
    bounds: tuple[float | None, float | None] = (None, None),
    inclusive: tuple[bool, bool] = (True, True),
    slider: tuple[float, float] | None = None,
    log: bool = False,
    vector: bool = False,
    optional: bool = False,
    none_value: float = 0.0,
    receptors: bool = False,
) -> Any:
    """Declare a model parameter: an array leaf with its metadata.

    **Arguments:**

    - `default`: default value; a tuple for a per-channel vector.
    - `unit`: unit string, e.g. "ms".
    - `doc`: one-line description.
    - `bounds`, `inclusive`: the physical range; values outside raise `ValueError`.
    - `slider`: slider range; defaults to a range around the default inside `bounds`.
    - `log`: logarithmic slider.
    - `vector`: the parameter has a channel axis (see `ParamSpec.vector`).
    - `optional`: `None` is a valid value meaning "off"; it is stored as `none_value`, so
      switching it on or off keeps the pytree structure (no recompilation).
    - `receptors`: a list or tuple gives one value per receptor (see `ParamSpec.receptors`).

    **Returns:**

    An `equinox.field` to assign in the class body.
    """
    if slider is None:
        slider = _default_slider(default, bounds)
    spec = ParamSpec(
        name="",
        default=default,
        unit=unit,
        bounds=bounds,
        inclusive=inclusive,
        slider=(float(slider[0]), float(slider[1])),
        log=log,
        doc=doc,
        vector=vector,
        optional=optional,
        receptors=receptors,
    )
    converter = float_array
    if receptors:

        def converter(x):
            return float_array(np.reshape(x, (1, -1)) if isinstance(x, (list, tuple)) else x)

    elif optional:

        def converter(x):
            return float_array(none_value if x is None else x)

    return eqx.field(default=default, converter=converter, metadata={_SPEC_KEY: spec})


def _default_slider(default: Any, bounds: tuple[float | None, float | None]) -> tuple[float, float]:
    value = float(np.max(np.abs(np.asarray(default if default is not None else 1.0, float))))
    span = value if value > 0 else 1.0
    lo, hi = -2 * span, 2 * span
    # Stay a little inside a bound so that both slider ends are valid even when the bound
    # itself is excluded (e.g. a resistance > 0).
    if bounds[0] is not None and lo <= bounds[0]:
        lo = bounds[0] + 1e-3 * span if bounds[0] > -math.inf else lo
    if bounds[1] is not None and hi >= bounds[1]:
        hi = bounds[1] - 1e-3 * span if bounds[1] < math.inf else hi
    return (lo, hi)


def param_specs(cls_or_obj: Any) -> dict[str, ParamSpec]:
    """All parameters declared with :func:`parameter` on a model class, in declaration order."""
    cls = cls_or_obj if isinstance(cls_or_obj, type) else type(cls_or_obj)
    return dict(_class_specs(cls))


@functools.cache
def _class_specs(cls: type) -> tuple[tuple[str, ParamSpec], ...]:
    specs = {}
    for f in dataclasses.fields(cls):
        spec = f.metadata.get(_SPEC_KEY)
        if spec is not None:
            specs[f.name] = dataclasses.replace(spec, name=f.name)
    return tuple(specs.items())


def _is_concrete(x: Any) -> bool:
    return x is not None and not isinstance(x, jax.core.Tracer)


def check_parameters(obj: Any, size: int | None) -> None:
    """Raise `ValueError` for a parameter outside its physical range or of a wrong shape.

    Values that are JAX tracers (inside `jit`, `vmap`, `grad`) are not checked: there a
    bad value shows up as NaN in the result instead.
    """
    name = type(obj).__name__
    for pname, spec in param_specs(obj).items():
        value = getattr(obj, pname)
        if value is None:
            if not spec.optional:
                raise ValueError(
                    f"{name}: {pname} must be given (allowed range {spec.range_text()})."
                )
            continue
        if not _is_concrete(value):
            continue
        arr = np.asarray(value)
        if size is not None:
            _check_shape(name, pname, arr.shape, size, spec.vector, spec.receptors)
        if spec.violates(arr):
            shown = arr.item() if arr.size == 1 else arr
            raise ValueError(
                f"{name}: {pname}={shown} is outside its physical range {spec.range_text()}."
            )


def _check_shape(
    model: str, pname: str, shape: Sequence[int], size: int, vector: bool, receptors: bool = False
) -> None:
    if receptors and len(shape) == 2:
        ok = shape[0] in (1, size) and shape[1] >= 1
        allowed = f"(1, receptors) or ({size}, receptors)"
    elif vector:
        ok = len(shape) <= 1 or (len(shape) == 2 and shape[0] in (1, size))
        allowed = f"(channels,) or ({size}, channels)"
    else:
        ok = shape == () or shape == (1,) or tuple(shape) == (size,)
        allowed = f"a scalar or shape ({size},)"
    if not ok:
        raise ValueError(f"{model}: {pname} has shape {tuple(shape)}; expected {allowed}.")


def finite_or(value: float | None, fallback: float) -> float:
    """`value` unless it is None or infinite, else `fallback` (for open-ended bounds)."""
    if value is None or math.isinf(value):
        return fallback
    return value


def positive_number(name: str, value, unit: str = "") -> float:
    """`value` as a float, or a `ValueError` naming `name` unless it is finite and > 0
    (`unit`, e.g. "ms", is named in the message)."""
    what = f"a finite number > 0{f' ({unit})' if unit else ''}"
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name}={value!r} must be {what}.") from None
    if not math.isfinite(x) or x <= 0:
        raise ValueError(f"{name}={value!r} must be {what}.")
    return x
