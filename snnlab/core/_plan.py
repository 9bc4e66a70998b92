"""What a run is made of before it runs: its inputs placed on the time grid, and the
channels it records with their units. Shared by `simulate`, the event engine and the
differentiable stepped run."""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np


def plan_on_grid(connections, dt: float):
    """Place every connection's source on the grid of step `dt` ms, on the host.

    **Returns:** the connections with their planned sources, and per connection its
    window `(delay_steps, first_step, n_steps)` of integer arrays (traced by the engines,
    so new times or delays never recompile): source step k of channel i is delivered
    when `first_step[i] <= k < first_step[i] + n_steps[i]` (see `window_open`), the
    source's `[start_step, stop_step)` from `AbstractGenerator.on_grid` with the steps
    before 0 cut off.
    """
    planned, windows = [], []
    for c in connections:
        plan = c.source.on_grid(dt, np.asarray(c.delay))
        if plan.source is not c.source:
            c = eqx.tree_at(lambda conn: conn.source, c, plan.source)
        planned.append(c)
        windows.append((np.asarray(plan.delay_steps, np.int32), *window(plan)))
    return tuple(planned), tuple(windows)


def window(plan) -> tuple[np.ndarray, np.ndarray]:
    """`(first_step, n_steps)` (int32, uint32) of a `GridPlan`'s `[start_step, stop_step)`
    with the steps before 0 cut off: what `window_open` compares against."""
    first = np.maximum(np.asarray(plan.start_step, np.int64), 0)
    n_steps = np.maximum(np.asarray(plan.stop_step, np.int64) - first, 0)
    return first.astype(np.int32), n_steps.astype(np.uint32)


def window_open(k_src, first, n_steps):
    """Whether source step `k_src` (traced int32) lies in a window of `plan_on_grid`:
    `first <= k_src < first + n_steps`, as one unsigned comparison (a step before
    `first` wraps to at least 2**31, past any window), which is fewer operations for
    every input in every step of a run than three comparisons."""
    offset = jax.lax.bitcast_convert_type(jnp.asarray(k_src - first, jnp.int32), jnp.uint32)
    return offset < n_steps


def recorded_names(model) -> tuple[str, ...]:
    """Names of what a run records: `observe_names` (continuous-time models) or
    `state_names` (discrete-time models)."""
    return tuple(getattr(model, "observe_names", model.state_names))


def model_state_units(model) -> dict[str, str]:
    """Unit of each recorded channel of `model`, by name (`observe_units` where the model
    has it, else `state_units` when it records its state)."""
    names = recorded_names(model)
    units = getattr(model, "observe_units", None)
    if units is None:
        same = names == tuple(model.state_names)
        units = getattr(model, "state_units", ()) if same else ()
    return dict(zip(names, units, strict=False))
