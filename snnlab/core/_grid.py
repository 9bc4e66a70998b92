"""Exact placement of times on the dt grid, computed on the host before a run.

A time t (ms) belongs to the step whose half-open window [k dt, (k + 1) dt) contains it:
k = floor(t / dt). In floating point, t / dt is off by an ulp (4.7 / 0.1 = 46.99...), and
in float32 by far more, so a spike on the grid could act a step early. These functions
decide k in exact integer arithmetic instead. Times and dt are read as the decimal
numbers they stand for: dt and a delay as the shortest decimal that gives the same
float64 (Python's `repr`: `0.1` is 1/10, not 0.1000000000000000055), and a time within a
few ulps (8 eps relative) of a number with no more decimals than dt and the delay as that
number (`2.4 + 0.05` = 2.4499999999999997 is 2.45). Everything here runs in
numpy or Python on the host, in float64 and integers, whatever JAX's precision, so the
binning is the same in float32 and float64 runs.
"""

from __future__ import annotations

import decimal
import math
from fractions import Fraction

import numpy as np

NEVER = np.iinfo(np.int32).max
"""Step index standing for "never" (an infinite time): beyond any run."""

_EPS = np.finfo(np.float64).eps


def as_decimal_float64(x) -> np.ndarray:
    """`x` as float64, reading float32 values as the shortest decimal they print as
    (float32 0.3 is 0.30000001192..., taken as 0.3), so a parameter stored in float32
    still means the number that was typed."""
    arr = np.asarray(x)
    if arr.dtype == np.float32 or arr.dtype == np.float16:
        flat = [float(str(v)) for v in arr.reshape(-1)]
        return np.asarray(flat, dtype=np.float64).reshape(arr.shape)
    return arr.astype(np.float64)


def _decimals(x: float) -> int:
    """Number of decimal digits after the point in the shortest repr of `x`."""
    exponent = decimal.Decimal(repr(float(x))).as_tuple().exponent
    return max(0, -int(exponent))


def _as_fraction(x: float) -> Fraction:
    return Fraction(repr(float(x)))


def grid_index(times, dt: float, offset: float = 0.0, *, ceil: bool = False) -> np.ndarray:
    """The step index of each time on a grid of step `dt` (ms), in exact arithmetic.

    **Arguments:**

    - `times`: array of times in ms (`inf` allowed; float32 values are read as the
      decimals they print as, see `as_decimal_float64`).
    - `dt`: the grid step in ms (> 0).
    - `offset`: added to every time first (a transmission delay, ms; a scalar).
    - `ceil`: False gives floor((t + offset) / dt), the step whose window [k dt, (k + 1) dt)
      contains t + offset; True gives ceil((t + offset) / dt), the first grid point at or
      after it.

    **Returns:** int64 array of the shape of `times`; `NEVER` where the time is `+inf`,
    `-NEVER` where it is `-inf`.
    """
    x = as_decimal_float64(times)
    dt, offset = float(as_decimal_float64(dt)), float(as_decimal_float64(offset))
    if not dt > 0:
        raise ValueError(f"dt={dt} must be > 0 ms.")
    finite = np.isfinite(x)
    xf = np.where(finite, x, 0.0)
    digits = max(_decimals(dt), _decimals(offset))
    scale = 10.0**digits
    dt_i, off_i = round(dt * scale), round(offset * scale)
    xs = xf * scale
    fast = (
        digits <= 15
        and dt_i > 0
        and abs(dt_i - dt * scale) <= 8 * _EPS * dt * scale
        and float(np.max(np.abs(xs), initial=0.0)) + abs(off_i) < 2.0**51
    )
    if fast:
        k = _lattice_index(xs, dt_i, off_i, ceil)
    else:
        k = _fraction_index(xf, dt, offset, ceil)
    k = np.where(finite, k, np.where(x > 0, NEVER, -NEVER))
    return np.clip(k, -NEVER, NEVER).astype(np.int64)


def _lattice_index(xs: np.ndarray, dt_i: int, off_i: int, ceil: bool) -> np.ndarray:
    # xs = t * 10^digits: a time typed with at most `digits` decimals lies within rounding
    # of an integer n and is taken as exactly n; others are far (> tol) from every integer,
    # so float division cannot cross a window boundary.
    n = np.rint(xs)
    on = np.abs(xs - n) <= 8 * _EPS * np.maximum(1.0, np.abs(xs))
    num = n.astype(np.int64) + off_i
    k_on = -((-num) // dt_i) if ceil else num // dt_i
    q = (xs + off_i) / dt_i
    k_off = (np.ceil(q) if ceil else np.floor(q)).astype(np.int64)
    return np.where(on, k_on, k_off)


def _fraction_index(xf: np.ndarray, dt: float, offset: float, ceil: bool) -> np.ndarray:
    step, off = _as_fraction(dt), _as_fraction(offset)
    out = np.empty(xf.shape, np.int64)
    for i, v in np.ndenumerate(xf):
        q = (_as_fraction(v) + off) / step
        out[i] = math.ceil(q) if ceil else math.floor(q)
    return out


def grid_steps(duration: float, dt: float) -> int:
    """Number of whole steps of `dt` in `duration` (ms), rounded to the nearest."""
    return int(round(duration / dt))
