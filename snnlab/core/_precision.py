"""The floating-point precision of a run.

Policy: a library user keeps JAX's global setting (`jax_enable_x64`; float32 unless they
enable it), and `simulate` computes in that precision unless told otherwise with its
`precision` argument, which applies to that one run only. Serving processes and lessons,
whose numbers are compared with NEST and Brian2 (which compute in float64), should call
`set_precision("float64")` once at startup (and offer `"float32"` for large classes).
"""

from __future__ import annotations

import contextlib

import jax
import numpy as np

from ._grid import as_decimal_float64

PRECISIONS = ("float32", "float64")
"""The precisions `simulate` accepts."""

_EXACT_CAST_MAX = 4096
"""Arrays up to this size are widened to float64 through their shortest decimal (float32
0.3 becomes 0.3, not 0.30000001192); larger ones (weight matrices) by a plain cast."""


def precision() -> str:
    """The precision JAX computes in now: "float64" when `jax_enable_x64` is on."""
    return "float64" if jax.config.jax_enable_x64 else "float32"


def set_precision(value: str) -> str:
    """Set JAX's global precision (`jax_enable_x64`) for this process; returns the old one.

    Meant for applications (a server, a lesson notebook) at startup, before models are
    built: models then hold their parameters in that precision. Library code should pass
    `simulate(..., precision=...)` instead of changing the global setting.
    """
    check_precision(value)
    old = precision()
    jax.config.update("jax_enable_x64", value == "float64")
    return old


def check_precision(value) -> str:
    """`value` if it is one of `PRECISIONS`, else `ValueError`."""
    if value not in PRECISIONS:
        raise ValueError(f"precision={value!r} is unknown; use one of {PRECISIONS} (or None).")
    return value


@contextlib.contextmanager
def precision_scope(value: str | None):
    """Compute in `value` inside the block (thread-local); None leaves the setting alone."""
    if value is None:
        yield
        return
    with jax.enable_x64(check_precision(value) == "float64"):
        yield


def cast_floats(tree, value: str):
    """`tree` with every floating array leaf in precision `value` (numpy stays numpy)."""
    target = np.float64 if value == "float64" else np.float32

    def cast(leaf):
        if not isinstance(leaf, (np.ndarray, jax.Array)):
            return leaf
        if not np.issubdtype(leaf.dtype, np.floating) or leaf.dtype == target:
            return leaf
        if target == np.float32 and isinstance(leaf, np.ndarray):
            return leaf  # host float64 (e.g. spike times, binned exactly) is narrowed by jit
        if isinstance(leaf, jax.core.Tracer):
            return leaf.astype(target)
        host = np.asarray(leaf)
        if target == np.float64 and host.size <= _EXACT_CAST_MAX:
            out = as_decimal_float64(host)
        else:
            out = host.astype(target)
        return out if isinstance(leaf, np.ndarray) else jax.numpy.asarray(out)

    return jax.tree_util.tree_map(cast, tree)
