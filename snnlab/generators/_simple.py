"""DC current, Poisson and Bernoulli spike sources."""

from __future__ import annotations

from typing import ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp

from ..core import AbstractGenerator, parameter
from ._resettable import Resettable

_START_DOC = "time the generator switches on (inclusive)"
_STOP_DOC = "time the generator switches off (exclusive); inf for never"


def _start():
    return parameter(0.0, unit="ms", doc=_START_DOC, bounds=(0.0, None), slider=(0.0, 1000.0))


def _stop():
    return parameter(
        float("inf"), unit="ms", doc=_STOP_DOC, bounds=(0.0, float("inf")), slider=(0.0, 1000.0)
    )


class DCGenerator(Resettable, AbstractGenerator):
    """A constant current of `amplitude` pA on [start, stop) ms.

    **Arguments:** `size`, `amplitude` (pA, scalar or `(size,)`), `start`, `stop` (ms).
    """

    size: int = eqx.field(static=True, default=1)
    amplitude: jax.Array = parameter(
        1.0, unit="pA", doc="injected current", slider=(-1000.0, 2000.0)
    )
    start: jax.Array = _start()
    stop: jax.Array = _stop()

    kind: ClassVar[str] = "current"
    is_spike_binary: ClassVar[bool] = True
    """neurai's flag (its documented default for DCGenerator)."""

    def values(self, key, step, t, dt):
        return jnp.broadcast_to(self.amplitude, (self.size,))


class PoissonGenerator(Resettable, AbstractGenerator):
    """Independent Poisson spike trains of `rate` Hz on [start, stop) ms.

    Each step draws a Poisson count with mean rate * dt / 1000 (several spikes in one
    step are possible, as neurai's non-binary output). **Arguments:** `size`, `rate` (Hz,
    scalar or `(size,)`), `start`, `stop` (ms).
    """

    size: int = eqx.field(static=True, default=1)
    rate: jax.Array = parameter(
        1000.0,
        unit="Hz",
        doc="mean firing rate",
        bounds=(0.0, None),
        slider=(0.1, 5000.0),
        log=True,
    )
    start: jax.Array = _start()
    stop: jax.Array = _stop()

    random: ClassVar[bool] = True
    is_spike_binary: ClassVar[bool] = False
    """Counts can exceed 1 in a step (neurai: False)."""

    def _mean(self, dt):
        """The mean count per step: `()` for one rate, `(size,)` for one per channel."""
        return self.rate * dt / 1000.0

    def _table(self, dt):
        return _cdf_table(jnp.broadcast_to(self._mean(dt), (self.size,)))

    def values(self, key, step, t, dt):
        return self._draw(key, self._mean(dt), self._table(dt))

    def init_carry(self, key, dt):
        """The inverse-CDF thresholds of the counts (they depend on rate and dt only):
        computed once per run instead of in every step."""
        return self._table(dt)

    def raw_advance(self, carry, key, step, dt):
        table = self._table(dt) if carry is None else carry
        return carry, self._draw(key, self._mean(dt), table)

    def _draw(self, key, lam, table):
        # The uniforms are drawn outside the switch, so that its small-mean branches are
        # a compare each (a branch with its own draw compiles ~8 more kernels). The mean
        # goes in unbroadcast: a broadcast operand would be written in every step.
        u = jax.random.uniform(key, (self.size,), dtype=table.dtype)
        largest = jnp.max(lam)
        branch = (largest >= _FEW_TERMS_MEAN).astype(jnp.int32) + (largest >= _SMALL_MEAN)
        return jax.lax.switch(
            branch,
            [
                lambda u, k, m, t: _count_exceeded(u, t[:_FEW_TERMS]).astype(t.dtype),
                lambda u, k, m, t: _count_exceeded(u, t).astype(t.dtype),
                lambda u, k, m, t: _poisson(k, jnp.broadcast_to(m, u.shape), t.dtype),
            ],
            u,
            key,
            lam,
            table,
        )


_SMALL_MEAN = 2.0
_INVERSE_CDF_TERMS = 16
_FEW_TERMS_MEAN = 0.25
_FEW_TERMS = 8
"""For means below 0.25 the counts need only 8 thresholds: P(count >= 8) < 3.1e-10, the
same order as 16 thresholds' P(count >= 16) < 4.8e-10 for means below 2 (the whole
design's truncation). Half the compares: W3 with 1000 Poisson inputs ~5% faster."""


def _poisson(key, lam, dtype):
    """JAX's general Poisson sampler (its rejection loop for large means), as `dtype`."""
    return jax.random.poisson(key, lam).astype(dtype)


def _cdf_table(lam):
    """`(16, size)`: row k is P(count <= k) for Poisson means `lam`, summed term by term."""
    p = jnp.exp(-lam)
    rows = [p]
    for k in range(1, _INVERSE_CDF_TERMS):
        p = p * lam / k
        rows.append(rows[-1] + p)
    return jnp.stack(rows)


def _count_exceeded(u, table):
    """Poisson counts by inverse CDF from one uniform per channel (`table` from
    `_cdf_table(lam)`, or its first rows): the count is the number of thresholds the
    uniform exceeds.

    For mean < 2, P(count >= 16) < 1e-9, so 16 terms are exact to far below sampling
    noise; this is ~10x faster on a CPU than the general sampler's rejection loop.
    """
    return jnp.sum(u > table, axis=0)


class BernoulliGenerator(Resettable, AbstractGenerator):
    """Spikes with probability `prob` per step, independently per channel, on [start, stop).

    **Arguments:** `size`, `prob` (per step, scalar or `(size,)`), `start`, `stop` (ms).
    """

    size: int = eqx.field(static=True, default=1)
    prob: jax.Array = parameter(
        0.5, unit="", doc="spike probability per step", bounds=(0.0, 1.0), slider=(0.0, 1.0)
    )
    start: jax.Array = _start()
    stop: jax.Array = _stop()

    random: ClassVar[bool] = True
    is_spike_binary: ClassVar[bool] = True
    """At most one spike per step."""

    def values(self, key, step, t, dt):
        u = jax.random.uniform(key, (self.size,), dtype=self.prob.dtype)
        return (u < self.prob).astype(self.prob.dtype)
