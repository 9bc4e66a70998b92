"""The abstract input generator: a pure function of the step index and a PRNG key.

Because a generator's output at step `k` depends only on `(key, k)`, inputs are made
inside the jitted loop (no host array of size steps x neurons), a run is reproducible
from its seed, and a connection delay is a shift of `k`.
"""

from __future__ import annotations

from typing import ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp

from ._param import check_parameters, param_specs


class AbstractGenerator(eqx.Module):
    """Base class of every input generator.

    **Fields (on every subclass):**

    - `size`: number of output channels (static).
    - `start`, `stop`: the generator is active on the half-open window [start, stop) in ms.

    **Class attributes:**

    - `kind`: "current" (output in pA, added to the neuron's input current) or "spike"
      (output is a spike count per step, delivered through the neuron's `input_spike`).
    """

    size: eqx.AbstractVar[int]
    start: eqx.AbstractVar[jax.Array]
    stop: eqx.AbstractVar[jax.Array]

    kind: ClassVar[str] = "spike"

    def __check_init__(self):
        if not isinstance(self.size, int) or isinstance(self.size, bool) or self.size < 1:
            raise ValueError(
                f"{type(self).__name__}: size={self.size!r} must be a positive integer."
            )
        check_parameters(self, self.size)
        start, stop = self.start, self.stop
        if not isinstance(start, jax.core.Tracer) and not isinstance(stop, jax.core.Tracer):
            if bool(jnp.any(jnp.asarray(stop) <= jnp.asarray(start))):
                raise ValueError(
                    f"{type(self).__name__}: stop={stop} must be greater than start={start} (ms)."
                )

    @classmethod
    def parameter_specs(cls):
        """The declared parameters and their metadata (see `snnlab.core.ParamSpec`)."""
        return param_specs(cls)

    def output_kind(self) -> str:
        """ "current" or "spike" for this instance (some generators choose per instance)."""
        return self.kind

    def values(self, key: jax.Array, step: jax.Array, t: jax.Array, dt: jax.Array) -> jax.Array:
        """Raw output for step `step` covering [t, t + dt) ms, shape `(size,)`, ignoring the
        [start, stop) window."""
        raise NotImplementedError

    random: ClassVar[bool] = False
    """True for generators that draw random numbers: only they get a fresh key per step
    (deriving one costs a hash per step, a large share of a one-neuron run)."""

    stateful: ClassVar[bool] = False
    """True for generators with memory (e.g. Ornstein-Uhlenbeck noise): they are advanced
    step by step through `init_carry`/`advance` and cannot be sampled at an arbitrary step."""

    def init_carry(self, key: jax.Array, dt: jax.Array):
        """Memory of a stateful generator before step 0; `None` for a stateless one."""
        return None

    def advance(self, carry, key: jax.Array, step: jax.Array, dt: jax.Array):
        """`(carry, output)` for step `step`; stateless generators just `sample`."""
        return carry, self.sample(key, step, dt)

    def sample(self, key: jax.Array, step: jax.Array, dt: jax.Array) -> jax.Array:
        """Output for step `step` (time `step * dt` ms), zero outside [start, stop)."""
        t = step * dt
        active = (t >= self.start) & (t < self.stop) & (step >= 0)
        out = self.values(key, step, t, dt)
        return jnp.where(active, out, jnp.zeros_like(out))
