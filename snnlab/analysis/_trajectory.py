"""Trajectories of the full model (threshold and reset included) from points of the plane."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from ..core import INTEGRATORS
from ._projection import AbstractNeuronModel, check_model, full_state, projection, split


@dataclasses.dataclass(frozen=True)
class Trajectory:
    """Trajectories from one or more starting states.

    **Attributes:** `t` (T,) in ms; `states` (T, K, S) for K starts (states' units);
    `spike_times`: a list of K arrays (ms; a spike is where the model's reset, if any, was
    applied); `state_names`.
    """

    t: np.ndarray
    states: np.ndarray
    spike_times: list[np.ndarray]
    state_names: tuple[str, ...]

    def __getitem__(self, name: str) -> np.ndarray:
        """The state `name` for every start, shape (T, K)."""
        return self.states[:, :, self.state_names.index(name)]


def step_fn(model, method, dt):
    """One step of the stepped engine's rules for a batch of states (K, S) under a current
    (K,): integrate, clamp refractory states, detect the upward zero crossing of
    `spike_condition`, reset. Returns `step(carry) -> (carry, spiked)` with carry
    `(y, refractory_steps, c_prev, current)`; `dt` in ms."""
    integrate = INTEGRATORS[method]
    names = model.state_names
    clamp = jnp.array([n in model.refractory_clamped for n in names])
    ref_steps = jnp.round(jnp.asarray(model.refractory_period()) / dt).astype(jnp.int32)

    def step(carry, t):
        y, refractory, c_prev, current = carry
        held = refractory > 0
        args = {"I": current}
        y_new = integrate(model, t, y, args, dt)
        y_new = jnp.where(held[:, None] & clamp[None, :], y, y_new)
        c = model.spike_condition(t + dt, y_new, args)
        spiked = (c >= 0) & (c_prev < 0) & ~held
        y_new = model.reset_spiked(y_new, spiked)
        refractory = jnp.where(spiked, ref_steps, jnp.maximum(refractory - 1, 0))
        c_prev = model.spike_condition(t + dt, y_new, args)
        return (y_new, refractory, c_prev, current), spiked

    return step


@eqx.filter_jit
def _run_trajectory(model, y0, current, dt, n_steps, method):
    step = step_fn(model, method, dt)
    k = y0.shape[0]
    c0 = model.spike_condition(0.0, y0, {"I": current})
    init = (y0, jnp.zeros(k, jnp.int32), jnp.minimum(c0, -1e-30), current)

    def body(carry, i):
        carry, spiked = step(carry, i * dt)
        return carry, (carry[0], spiked)

    _, (ys, spikes) = jax.lax.scan(body, init, jnp.arange(n_steps))
    return jnp.concatenate([y0[None], ys]), spikes


@eqx.filter_jit
def _states_jit(model, key, held, points, current):
    return jax.vmap(lambda p: full_state(model, key, p, current, held))(points)


def trajectory(
    model: AbstractNeuronModel,
    start,
    *,
    duration: float = 100.0,
    dt: float = 0.05,
    current: float = 0.0,
    method: str = "rk4",
    x: str | None = None,
    y: str | None = None,
    others: str = "steady",
    held=None,
) -> Trajectory:
    """Integrate the full model (with its threshold and reset) from one or more starts.

    **Arguments:**

    - `start`: a plane point `(x, y)` (or `(x,)`), an array (K, 2) of them, or full states
      (K, S) / a dict `{state name: value}`; other states of a plane point are filled as the
      projection says (steady state or held).
    - `duration`, `dt` in ms; `current` in the model's current unit; `method` one of the
      stepped integrators.
    - `x`, `y`, `others`, `held`: the projection the plane points refer to.

    **Returns:** a `Trajectory`. The same step rules as `snnlab.simulate(engine="stepped")`;
    the same K, `duration`, `dt` and `method` reuse one compiled function.
    """
    check_model(model)
    if method not in INTEGRATORS:
        raise ValueError(f"method={method!r} is unknown; use one of {tuple(INTEGRATORS)}.")
    if not (dt > 0 and duration > 0):
        raise ValueError(f"duration={duration} and dt={dt} must be > 0 (ms).")
    names = tuple(model.state_names)
    dtype = jnp.result_type(float)
    cur = jnp.asarray(current, dtype)
    if isinstance(start, Mapping):
        init = np.asarray(model.init_state(1))[0].copy()
        for k, v in start.items():
            init[names.index(k)] = v
        y0 = init[None]
    else:
        arr = np.atleast_2d(np.asarray(start, float))
        proj = projection(model, x, y, others=others, held=held)
        n_plane = 1 if proj.y is None else 2
        if arr.shape[1] == n_plane:
            key, held_values = split(proj)
            y0 = np.asarray(_states_jit(model, key, held_values, jnp.asarray(arr, dtype), cur))
        elif arr.shape[1] == len(names):
            y0 = arr
        else:
            raise ValueError(
                f"start has {arr.shape[1]} values per point; give {n_plane} (a point of the "
                f"plane) or {len(names)} (a full state {names})."
            )
    n_steps = int(round(duration / dt))
    ys, spikes = _run_trajectory(
        model, jnp.asarray(y0, dtype), jnp.broadcast_to(cur, (len(y0),)), dt, n_steps, method
    )
    ys, spikes = np.asarray(ys), np.asarray(spikes)
    t = np.arange(n_steps + 1) * dt
    spike_times = [t[1:][spikes[:, k]] for k in range(spikes.shape[1])]
    return Trajectory(t, ys, spike_times, names)
