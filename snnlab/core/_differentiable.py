"""`simulate(..., surrogate=...)`: a stepped run whose spikes carry surrogate gradients.

The stepped engine runs as usual (same integrators, inputs, threshold crossings, resets
and refractory periods, so the same spikes and states), with two differences that make
it differentiable in reverse mode: spikes are 0.0 / 1.0 floats whose derivative is the
surrogate's (resets act through them, `snnlab.core._spike.surrogate_reset`), and the loop
has a static trip count. The `Result` keeps `spikes` and `traces` as JAX arrays, so
`jax.grad` or `eqx.filter_grad` of a loss on them works.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from ._model import AbstractNeuronModel
from ._plan import model_state_units, plan_on_grid, recorded_names
from ._result import Result
from ._stepped import run_stepped


def resolve_surrogate(model, surrogate, engine, initial_state):
    """The surrogate object for `simulate(..., surrogate=...)`, or a `ValueError`."""
    if not isinstance(model, AbstractNeuronModel):
        raise ValueError(
            f"surrogate= is for continuous-time models; {type(model).__name__} is "
            "discrete-time: its own surrogate_grad_fn acts in step / multi_step."
        )
    if engine != "stepped" or initial_state is not None:
        raise ValueError("surrogate= runs with engine='stepped' from the initial state only.")
    if surrogate is True:
        surrogate = getattr(model, "surrogate_grad_fn", None)
        if surrogate is None:
            raise ValueError(
                f"surrogate=True: {type(model).__name__} has no surrogate_grad_fn; pass one, "
                "e.g. surrogate=snnlab.neurons.Sigmoid()."
            )
    if not callable(getattr(surrogate, "derivative", None)):
        raise ValueError(
            f"surrogate={surrogate!r} must have a derivative(x) method "
            "(snnlab.neurons.Sigmoid(), SuperSpike(), ...) or be True."
        )
    return surrogate


def simulate_surrogate(model, connections, duration, dt, seed, record, method, surrogate):
    """The differentiable stepped run behind `simulate(..., surrogate=...)`.

    **Returns:** a `Result` whose `spikes` `(T, N)` (0.0 / 1.0, surrogate derivative) and
    `traces` are JAX arrays. Outside of a JAX transformation `spike_times`, `spike_ids`
    and `diverged` are filled in as usual; inside one (the values are tracers) they are
    empty and False, and the result's `messages` say so.
    """
    names = recorded_names(model)
    n_steps = int(round(duration / dt))
    dtype = jnp.result_type(float)
    connections, windows = plan_on_grid(connections, dt)
    rec, spikes, first_bad, _, _ = run_stepped(
        model,
        connections,
        n_steps,
        np.asarray(dt, dtype),
        np.asarray(seed, np.uint32),
        method,
        tuple(names.index(r) for r in record),
        windows,
        n_steps,
        np.asarray(0, np.int32),
        None,
        surrogate=surrogate,
    )
    t = np.arange(n_steps + 1).astype(np.dtype(dtype)) * dt  # as the usual run's times
    units = model_state_units(model)
    traced = isinstance(spikes, jax.core.Tracer)
    messages = []
    if traced:
        spike_times, spike_ids, diverged = np.zeros(0), np.zeros(0, np.int64), False
        messages.append(
            "differentiable run inside a JAX transformation: spike_times, spike_ids and "
            "diverged are not computed (use spikes and traces)."
        )
    else:
        steps, ids = np.divmod(np.flatnonzero(np.asarray(spikes) > 0), spikes.shape[1])
        spike_times, spike_ids = t[steps], ids.astype(np.int64)
        diverged = int(first_bad) >= 0
        if diverged:
            messages.append(f"the simulation diverged first at t = {t[int(first_bad)]:g} ms.")
    return Result(
        t=t,
        spikes=spikes,
        spike_times=spike_times,
        spike_ids=spike_ids,
        traces={name: rec[:, :, i] for i, name in enumerate(record)},
        units={name: units.get(name, "") for name in record},
        dt=dt,
        duration=duration,
        diverged=diverged,
        first_bad_time=float(t[int(first_bad)]) if diverged else None,
        engine="stepped",
        method=method,
        messages=messages,
        precision="float64" if dtype == jnp.float64 else "float32",
    )
