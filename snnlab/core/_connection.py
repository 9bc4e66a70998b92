"""How a source (a generator) reaches a population: weight, connectivity and delay."""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from ._generator import AbstractGenerator
from ._param import float_array

CONN_RULES = ("one_to_one", "all_to_all")


class Connection(eqx.Module):
    """A source feeding a neuron population.

    **Arguments:**

    - `source`: a generator (`snnlab.generators.*`).
    - `weight`: per spike, the jump of the target's `input_state` (mV for delta-synapse
      models, pA for current-based synapses); for current sources a gain (unitless,
      the current in pA is multiplied by it). A scalar, `(size,)` for one-to-one, or
      `(source.size, size)` for all-to-all and random.
    - `conn`: "one_to_one" (source size 1 is broadcast to every target), "all_to_all",
      or a float `p` in [0, 1]: each source-target pair is connected with probability p
      (drawn from the run's seed).
    - `delay`: transmission delay in ms; neurai's `dendritic_delay` maps to it. On a
      grid, a spike at time t arrives in the step whose window [k dt, (k + 1) dt)
      contains t + delay, decided exactly (`snnlab.core.grid_index`); grid sources are
      shifted by floor(delay / dt) steps.
    - `receptor`: which synaptic current of the target a spike source feeds (an int, 0 by
      default), for models with several (`n_receptor`, e.g. `ExpLIF(tau_syn=[2.0, 8.0])`);
      structural, like `conn` (a new value recompiles).
    """

    source: AbstractGenerator
    weight: jax.Array
    rule: str = eqx.field(static=True)
    p: jax.Array
    delay: jax.Array
    receptor: int = eqx.field(static=True, default=0)

    def __init__(self, source, weight=1.0, conn="one_to_one", delay=0.0, receptor=0):
        if not isinstance(source, AbstractGenerator):
            raise ValueError(
                f"Connection: source must be a generator from snnlab.generators, got "
                f"{type(source).__name__}."
            )
        self.source = source
        self.weight = float_array(weight)
        if isinstance(conn, str):
            if conn not in CONN_RULES:
                raise ValueError(
                    f"Connection: conn={conn!r} is unknown; use 'one_to_one', 'all_to_all' "
                    "or a probability in [0, 1]."
                )
            self.rule = conn
            self.p = float_array(1.0)
        else:
            p = float(conn)
            if not 0.0 <= p <= 1.0 or np.isnan(p):
                raise ValueError(f"Connection: conn probability {p} is outside [0, 1].")
            self.rule = "random"
            self.p = float_array(p)
        # (a traced weight, e.g. under jax.grad, is not checked: NaN shows in the result)
        traced = isinstance(weight, jax.core.Tracer)
        if not traced and not np.all(np.isfinite(np.asarray(weight, dtype=float))):
            raise ValueError("Connection: weight must be finite.")
        d = np.asarray(delay, dtype=float)
        if d.shape != () or not np.isfinite(d) or d < 0:
            raise ValueError(f"Connection: delay={delay} must be a finite scalar >= 0 ms.")
        self.delay = float_array(delay)
        is_int = isinstance(receptor, (int, np.integer)) and not isinstance(receptor, bool)
        if not is_int or receptor < 0:
            raise ValueError(f"Connection: receptor={receptor!r} must be an integer >= 0.")
        self.receptor = int(receptor)

    def check_target(self, size: int, n_receptor: int = 1) -> None:
        """Raise `ValueError` if this connection cannot feed a population of `size` with
        `n_receptor` receptors."""
        n_src = self.source.size
        if self.receptor and self.source.output_kind() == "current":
            raise ValueError(
                f"Connection: receptor={self.receptor} on a current source "
                f"({type(self.source).__name__}); currents enter the membrane directly."
            )
        if self.receptor >= n_receptor:
            raise ValueError(
                f"Connection: receptor={self.receptor} is out of range; the target has "
                f"{n_receptor} receptor(s) (e.g. ExpLIF(tau_syn=[2.0, 8.0]) has 2)."
            )
        w = np.shape(self.weight)
        if self.source.stateful and float(self.delay) > 0:
            raise ValueError(
                f"Connection: delay is not supported for {type(self.source).__name__} (a "
                "generator with memory); shift its start instead."
            )
        if self.rule == "one_to_one":
            if n_src not in (1, size):
                raise ValueError(
                    f"Connection: one_to_one needs source size 1 or {size} (the population), "
                    f"got {type(self.source).__name__}(size={n_src}); use conn='all_to_all'."
                )
            if w not in ((), (1,), (size,)):
                raise ValueError(f"Connection: weight shape {w}; expected a scalar or ({size},).")
        elif w not in ((), (1,), (n_src, size)):
            raise ValueError(
                f"Connection: weight shape {w}; expected a scalar or ({n_src}, {size})."
            )

    def matrix(self, key: jax.Array, size: int) -> jax.Array | None:
        """The (source, target) weight matrix for all-to-all and random rules."""
        if self.rule == "one_to_one":
            return None
        w = jnp.broadcast_to(self.weight, (self.source.size, size))
        if self.rule == "random":
            mask = jax.random.uniform(key, (self.source.size, size)) < self.p
            w = jnp.where(mask, w, 0.0)
        return w

    def rows(self, matrix: jax.Array | None, size: int) -> jax.Array:
        """The dense `(source.size, size)` weights (0 where not connected), for any rule;
        `matrix` is what `matrix` returned."""
        if matrix is not None:
            return matrix
        w = jnp.broadcast_to(self.weight, (size,))
        return w[None, :] if self.source.size == 1 else jnp.diag(w)

    def route(self, s: jax.Array, matrix: jax.Array | None, size: int) -> jax.Array:
        """Per-target input from the source output `s` (shape `(source.size,)`)."""
        s = s.astype(self.weight.dtype)
        if matrix is None:
            return jnp.broadcast_to(s, (size,)) * self.weight
        return s @ matrix
