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
        return jnp.broadcast_to(self.rate * dt / 1000.0, (self.size,))

    def values(self, key, step, t, dt):
        return self._draw(key, self._mean(dt), _cdf_table(self._mean(dt)))

    def init_carry(self, key, dt):
        """The inverse-CDF thresholds of the counts (they depend on rate and dt only):
        computed once per run instead of in every step."""
        return _cdf_table(self._mean(dt))

    def raw_advance(self, carry, key, step, dt):
        lam = self._mean(dt)
        table = _cdf_table(lam) if carry is None else carry
        return carry, self._draw(key, lam, table)

    def _draw(self, key, lam, table):
        return jax.lax.cond(
            jnp.max(lam) < _SMALL_MEAN,
            _poisson_small_mean,
            lambda k, m, _: jax.random.poisson(k, m).astype(m.dtype),
            key,
            lam,
            table,
        )


_SMALL_MEAN = 2.0
_INVERSE_CDF_TERMS = 16


def _cdf_table(lam):
    """`(16, size)`: row k is P(count <= k) for Poisson means `lam`, summed term by term."""
    p = jnp.exp(-lam)
    rows = [p]
    for k in range(1, _INVERSE_CDF_TERMS):
        p = p * lam / k
        rows.append(rows[-1] + p)
    return jnp.stack(rows)


def _poisson_small_mean(key, lam, table):
    """Poisson counts by inverse CDF from one uniform per channel (`table` from
    `_cdf_table(lam)`): the count is the number of thresholds the uniform exceeds.

    For mean < 2, P(count >= 16) < 1e-9, so 16 terms are exact to far below sampling
    noise; this is ~10x faster on a CPU than the general sampler's rejection loop.
    """
    u = jax.random.uniform(key, lam.shape, dtype=lam.dtype)
    return jnp.sum(u > table, axis=0).astype(lam.dtype)


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
