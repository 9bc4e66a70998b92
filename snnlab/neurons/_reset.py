"""The membrane reset shared by the integrate-and-fire models."""

from __future__ import annotations

import jax
import jax.numpy as jnp


def reset_membrane(y: jax.Array, spiked_mask: jax.Array, value) -> jax.Array:
    """`y` (`(N, S)`) with its column 0, the membrane potential (mV), set to `value` (mV,
    scalar or `(N,)`) in the rows where `spiked_mask` (bool `(N,)`) holds.

    A select over the whole state: XLA writes it to a new array in the kernel that
    computes it. `y.at[:, 0].set(...)` would update `y` in place, for which XLA first
    copies the state in every step (W3, 1000 ExpLIF: ~5% slower).
    """
    value = jnp.asarray(value, y.dtype)
    column0 = jnp.arange(y.shape[1]) == 0
    return jnp.where(spiked_mask[:, None] & column0, value[..., None], y)
