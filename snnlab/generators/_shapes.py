"""Current shapes for teaching: steps, ramps, sines and Ornstein-Uhlenbeck noise (pA)."""

from __future__ import annotations

from typing import ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from ..core import AbstractGenerator, GridPlan, float_array, grid_index, parameter
from ._resettable import Resettable
from ._simple import _start, _stop


class StepCurrentGenerator(Resettable, AbstractGenerator):
    """A piecewise-constant current: `amplitudes[i]` pA from `times[i]` ms until the next time.

    Before the first time the current is 0 (as NEST's step_current_generator). Useful for
    pulses and paired pulses: `times=[10, 11, 30, 31], amplitudes=[2000, 0, 2000, 0]`.
    On a grid, the step k gets the amplitude of the last time <= k dt, decided exactly
    (`on_grid`, `snnlab.core.grid_index`).
    """

    size: int = eqx.field(static=True, default=1)
    times: jax.Array = eqx.field(default=None)
    amplitudes: jax.Array = eqx.field(default=None)
    start: jax.Array = eqx.field(default=None)
    stop: jax.Array = eqx.field(default=None)
    steps: jax.Array | None = eqx.field(default=None)

    kind: ClassVar[str] = "current"
    is_spike_binary: ClassVar[bool] = False

    def __init__(self, size=1, times=(0.0,), amplitudes=(0.0,), start=0.0, stop=float("inf")):
        times_np = np.asarray(times, dtype=float).reshape(-1)
        amps = np.asarray(amplitudes, dtype=float)
        if amps.shape[:1] != times_np.shape or len(times_np) == 0:
            raise ValueError(
                f"StepCurrentGenerator: {len(times_np)} times but amplitudes of shape "
                f"{amps.shape}; give one amplitude (or one row of {size}) per time."
            )
        if np.any(np.diff(times_np) <= 0) or np.any(times_np < 0):
            raise ValueError("StepCurrentGenerator: times must be >= 0 and strictly increasing.")
        if not np.all(np.isfinite(amps)) or not np.all(np.isfinite(times_np)):
            raise ValueError("StepCurrentGenerator: times and amplitudes must be finite.")
        self.size = size
        self.times = times_np
        self.amplitudes = float_array(amps)
        self.start = float_array(start)
        self.stop = float_array(stop)
        self.steps = None

    def on_grid(self, dt: float, delay: float = 0.0) -> GridPlan:
        """Also place the switching times: step k takes amplitude i from ceil(times[i] / dt)."""
        plan = super().on_grid(dt, delay)
        steps = grid_index(np.asarray(self.times, np.float64), dt, ceil=True).astype(np.int32)
        binned = eqx.tree_at(lambda g: g.steps, self, steps, is_leaf=lambda x: x is None)
        return plan._replace(source=binned)

    def values(self, key, step, t, dt):
        if self.steps is not None:
            idx = jnp.searchsorted(self.steps, step, side="right") - 1
        else:  # not placed by on_grid (a direct call): floating-point comparison
            idx = jnp.searchsorted(self.times, t + 1e-6 * dt, side="right") - 1
        amp = jnp.where(idx >= 0, jnp.asarray(self.amplitudes)[jnp.maximum(idx, 0)], 0.0)
        return jnp.broadcast_to(amp, (self.size,))


class RampGenerator(Resettable, AbstractGenerator):
    """A current rising linearly from `amplitude_start` at `start` to `amplitude_stop` at
    `stop` (pA), zero outside [start, stop)."""

    size: int = eqx.field(static=True, default=1)
    amplitude_start: jax.Array = parameter(
        0.0, unit="pA", doc="current at the start of the ramp", slider=(-500.0, 2000.0)
    )
    amplitude_stop: jax.Array = parameter(
        1000.0, unit="pA", doc="current reached at the end of the ramp", slider=(-500.0, 2000.0)
    )
    start: jax.Array = _start()
    stop: jax.Array = parameter(
        1000.0,
        unit="ms",
        doc="end of the ramp (exclusive)",
        bounds=(0.0, None),
        inclusive=(False, True),
        slider=(1.0, 5000.0),
    )

    kind: ClassVar[str] = "current"
    is_spike_binary: ClassVar[bool] = False

    def values(self, key, step, t, dt):
        frac = (t - self.start) / (self.stop - self.start)
        amp = self.amplitude_start + frac * (self.amplitude_stop - self.amplitude_start)
        return jnp.broadcast_to(amp, (self.size,))


class SineGenerator(Resettable, AbstractGenerator):
    """offset + amplitude * sin(2 pi frequency t / 1000 + phase): t in ms, frequency in Hz."""

    size: int = eqx.field(static=True, default=1)
    amplitude: jax.Array = parameter(
        200.0, unit="pA", doc="peak deviation from the offset", slider=(0.0, 1000.0)
    )
    frequency: jax.Array = parameter(
        10.0,
        unit="Hz",
        doc="oscillation frequency",
        bounds=(0.0, None),
        slider=(0.1, 200.0),
        log=True,
    )
    phase: jax.Array = parameter(0.0, unit="rad", doc="phase at t = 0", slider=(0.0, 6.283))
    offset: jax.Array = parameter(0.0, unit="pA", doc="mean current", slider=(-500.0, 1500.0))
    start: jax.Array = _start()
    stop: jax.Array = _stop()

    kind: ClassVar[str] = "current"
    is_spike_binary: ClassVar[bool] = False

    def values(self, key, step, t, dt):
        wave = self.offset + self.amplitude * jnp.sin(
            2 * jnp.pi * self.frequency * t / 1000.0 + self.phase
        )
        return jnp.broadcast_to(wave, (self.size,))


class OUGenerator(Resettable, AbstractGenerator):
    r"""Ornstein-Uhlenbeck (coloured Gaussian) noise current, independent per channel.

    $$dI = \frac{\mu - I}{\tau} dt + \sigma \sqrt{2 / \tau}\, dW$$

    Stationary mean `mean` (pA), standard deviation `sigma` (pA) and autocorrelation
    e^{-|s|/tau}. Sampled exactly on the grid: I <- mu + (I - mu) e^{-dt/tau} +
    sigma sqrt(1 - e^{-2 dt/tau}) z, starting from the stationary distribution, so the
    statistics do not depend on dt.
    """

    size: int = eqx.field(static=True, default=1)
    mean: jax.Array = parameter(0.0, unit="pA", doc="stationary mean", slider=(-500.0, 1500.0))
    sigma: jax.Array = parameter(
        100.0,
        unit="pA",
        doc="stationary standard deviation",
        bounds=(0.0, None),
        slider=(0.0, 1000.0),
    )
    tau: jax.Array = parameter(
        5.0,
        unit="ms",
        doc="correlation time",
        bounds=(0.0, None),
        inclusive=(False, True),
        slider=(0.1, 100.0),
        log=True,
    )
    start: jax.Array = _start()
    stop: jax.Array = _stop()

    kind: ClassVar[str] = "current"
    is_spike_binary: ClassVar[bool] = False
    stateful: ClassVar[bool] = True
    random: ClassVar[bool] = True

    def init_carry(self, key, dt):
        z = jax.random.normal(key, (self.size,), dtype=self.mean.dtype)
        return self.mean + self.sigma * z

    def raw_advance(self, carry, key, step, dt):
        decay = jnp.exp(-dt / self.tau)
        z = jax.random.normal(key, (self.size,), dtype=self.mean.dtype)
        noise = self.sigma * jnp.sqrt(-jnp.expm1(-2 * dt / self.tau)) * z
        out = carry
        carry = self.mean + (carry - self.mean) * decay + noise
        return carry, out

    def values(self, key, step, t, dt):
        raise NotImplementedError("OUGenerator has memory: it is advanced step by step.")
