"""The abstract input generator: a pure function of the step index and a PRNG key.

Because a generator's output at step `k` depends only on `(key, k)`, inputs are made
inside the jitted loop (no host array of size steps x neurons), a run is reproducible
from its seed, and a connection delay is a shift of `k`.
"""

from __future__ import annotations

import abc
from typing import ClassVar, NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from ._grid import NEVER, grid_index
from ._param import check_parameters, param_specs


class GridPlan(NamedTuple):
    """How a source is placed on a grid of step dt, decided on the host before a run.

    - `source`: the generator to run (possibly with host-binned times).
    - `delay_steps`: whole steps its output is shifted by (the delay, exactly binned).
    - `start_step`, `stop_step`: int32 `(size,)`; channel i is active for source steps k
      with start_step[i] <= k < stop_step[i], i.e. k dt in [start, stop) exactly.
    """

    source: AbstractGenerator
    delay_steps: int
    start_step: np.ndarray
    stop_step: np.ndarray


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

    @abc.abstractmethod
    def values(self, key: jax.Array, step: jax.Array, t: jax.Array, dt: jax.Array) -> jax.Array:
        """Raw output for step `step` covering [t, t + dt) ms, shape `(size,)`, ignoring the
        [start, stop) window."""

    random: ClassVar[bool] = False
    """True for generators that draw random numbers: only they get a fresh key per step
    (deriving one costs a hash per step, a large share of a one-neuron run)."""

    stateful: ClassVar[bool] = False
    """True for generators with memory (e.g. Ornstein-Uhlenbeck noise): they are advanced
    step by step through `init_carry`/`advance` and cannot be sampled at an arbitrary step."""

    def init_carry(self, key: jax.Array, dt: jax.Array):
        """Memory of a stateful generator before step 0; `None` for a stateless one."""
        return None

    def raw_advance(self, carry, key: jax.Array, step: jax.Array, dt: jax.Array):
        """`(carry, output)` for step `step`, ignoring the [start, stop) window (the engines
        apply it exactly from `on_grid`). Stateful generators override this."""
        return carry, self.values(key, step, step * dt, dt)

    def active(self, step: jax.Array, dt: jax.Array) -> jax.Array:
        """Whether step `step` lies in [start, stop), compared in floating point (for use
        outside `simulate`; the engines use the exact `on_grid` window instead)."""
        t = step * dt
        return (t >= self.start) & (t < self.stop) & (step >= 0)

    def advance(self, carry, key: jax.Array, step: jax.Array, dt: jax.Array):
        """`(carry, output)` for step `step`, zero outside [start, stop)."""
        carry, out = self.raw_advance(carry, key, step, dt)
        return carry, jnp.where(self.active(step, dt), out, jnp.zeros_like(out))

    def sample(self, key: jax.Array, step: jax.Array, dt: jax.Array) -> jax.Array:
        """Output for step `step` (time `step * dt` ms), zero outside [start, stop)."""
        return self.advance(None, key, step, dt)[1]

    def on_grid(self, dt: float, delay: float = 0.0) -> GridPlan:
        """Place this source on a grid of step `dt` ms with a transmission `delay` ms.

        Runs on the host, in exact arithmetic (`snnlab.core.grid_index`): the output of
        source step k arrives in the step whose window contains k dt + delay, i.e.
        k + floor(delay / dt), and the source is active for k dt in [start, stop).
        Generators with their own times (spike times, step times) override this to bin
        them too.
        """
        return GridPlan(
            self,
            int(grid_index(0.0, dt, offset=delay)),
            self._ceil_steps(self.start, dt),
            self._ceil_steps(self.stop, dt),
        )

    def _ceil_steps(self, t, dt: float) -> np.ndarray:
        """ceil(t / dt) exactly per channel, int32 `(size,)` (inf -> NEVER)."""
        value = np.broadcast_to(np.asarray(t), (self.size,))
        return np.clip(grid_index(value, dt, ceil=True), -NEVER, NEVER).astype(np.int32)
