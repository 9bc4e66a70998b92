"""Receptors: one exponentially decaying synaptic current per entry of a `tau_syn` list."""

from __future__ import annotations

import jax
import jax.numpy as jnp


def receptor_count(tau_syn) -> int:
    """Number of receptors of a `tau_syn` parameter: its last axis when it is `(1|N, K)`
    (a list was given), else 1 (a scalar or one value per neuron)."""
    return int(jnp.shape(tau_syn)[-1]) if jnp.ndim(tau_syn) == 2 else 1


def receptor_taus(tau_syn) -> jax.Array:
    """`tau_syn` (ms) as a `(1|N, K)` array, one column per receptor."""
    return tau_syn if jnp.ndim(tau_syn) == 2 else jnp.reshape(tau_syn, (-1, 1))


def current_names(n_receptor: int) -> tuple[str, ...]:
    """State names of the synaptic currents: `I_syn`, or `I_syn0`, `I_syn1`, ..."""
    return ("I_syn",) if n_receptor == 1 else tuple(f"I_syn{j}" for j in range(n_receptor))


def check_receptor(model, receptor: int) -> None:
    """Raise `ValueError` unless `receptor` indexes one of `model`'s receptors."""
    if not 0 <= receptor < model.n_receptor:
        raise ValueError(
            f"{type(model).__name__}: receptor={receptor} is out of range; it has "
            f"{model.n_receptor} receptor(s) (give tau_syn as a list for several)."
        )


TAU_SYN_DOC = (
    "synaptic current time constant; a list gives one current per receptor "
    "(Connection(..., receptor=j))"
)
