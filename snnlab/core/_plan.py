"""What a run is made of before it runs: its inputs placed on the time grid, and the
channels it records with their units. Shared by `simulate`, the event engine and the
differentiable stepped run."""

from __future__ import annotations

import equinox as eqx
import numpy as np


def plan_on_grid(connections, dt: float):
    """Place every connection's source on the grid of step `dt` ms, on the host.

    **Returns:** the connections with their planned sources, and per connection the
    `(delay_steps, start_step, stop_step)` integer arrays (traced by the engines, so new
    times or delays never recompile). See `AbstractGenerator.on_grid`.
    """
    planned, windows = [], []
    for c in connections:
        plan = c.source.on_grid(dt, np.asarray(c.delay))
        if plan.source is not c.source:
            c = eqx.tree_at(lambda conn: conn.source, c, plan.source)
        planned.append(c)
        windows.append(
            (
                np.asarray(plan.delay_steps, np.int32),
                np.asarray(plan.start_step, np.int32),
                np.asarray(plan.stop_step, np.int32),
            )
        )
    return tuple(planned), tuple(windows)


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
