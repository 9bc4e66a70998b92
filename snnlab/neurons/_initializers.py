"""Initializers: per-neuron parameter values drawn reproducibly (heterogeneous populations).

An initializer is called as `init(key, shape, dtype)` and returns an array of `shape`,
like neurai's `NormalIniter`. `resolve_initializers` replaces every initializer among a
model's keyword arguments by its values for a population of `size`, with a key derived
from `seed` and the argument's name: the same seed gives the same population, and two
parameters never share a draw.

    kwargs = resolve_initializers({"v_init": Normal(-70.0, 5.0)}, size=100, seed=0)
    lif = snnlab.neurons.LIF(size=100, **kwargs)
"""

from __future__ import annotations

import zlib
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np


class AbstractInitializer(eqx.Module):
    """Base of the initializers: `init(key, shape, dtype) -> array` in the parameter's unit."""

    def __call__(self, key, shape, dtype=None) -> jax.Array:
        raise NotImplementedError


class Constant(AbstractInitializer):
    """Every neuron gets `value` (in the parameter's unit)."""

    value: float = 0.0

    def __call__(self, key, shape, dtype=None):
        return jnp.full(shape, self.value, dtype or jnp.result_type(float))


class Normal(AbstractInitializer):
    """Values drawn from N(`mean`, `stddev`^2) (the parameter's unit)."""

    mean: float = 0.0
    stddev: float = 1.0

    def __call__(self, key, shape, dtype=None):
        dtype = dtype or jnp.result_type(float)
        return self.mean + self.stddev * jax.random.normal(key, shape, dtype)


class Uniform(AbstractInitializer):
    """Values drawn uniformly from [`low`, `high`) (the parameter's unit)."""

    low: float = 0.0
    high: float = 1.0

    def __call__(self, key, shape, dtype=None):
        dtype = dtype or jnp.result_type(float)
        return jax.random.uniform(key, shape, dtype, self.low, self.high)


class FromArray(AbstractInitializer):
    """Given values: an array broadcast to the population's shape."""

    values: Any = None

    def __call__(self, key, shape, dtype=None):
        return jnp.broadcast_to(jnp.asarray(self.values, dtype or jnp.result_type(float)), shape)


def is_initializer(value: Any) -> bool:
    """True for an `AbstractInitializer` or any object with neurai's initializer call
    (`NormalIniter`)."""
    return isinstance(value, AbstractInitializer) or (
        callable(value) and type(value).__name__.endswith("Initer")
    )


def resolve_initializers(kwargs: dict[str, Any], size: int, seed: int = 0, dtype=None) -> dict:
    """`kwargs` with every initializer replaced by its `(size,)` values.

    **Arguments:** `kwargs`: constructor arguments; `size`: neurons; `seed`: int (the
    key of argument `name` is `fold_in(PRNGKey(seed), crc32(name))`); `dtype`: of the
    values (default float).

    **Returns:** a new dict; other values, and arguments whose name ends in
    `initializer` (which take the initializer itself), are unchanged.
    """
    base = jax.random.PRNGKey(seed)
    out = {}
    for name, value in kwargs.items():
        # An argument named `..._initializer` takes the initializer itself (SNNALIF's).
        if is_initializer(value) and not name.endswith("initializer"):
            key = jax.random.fold_in(base, zlib.crc32(name.encode()) & 0x7FFFFFFF)
            value = np.asarray(value(key, (size,), dtype or jnp.result_type(float)))
        out[name] = value
    return out
