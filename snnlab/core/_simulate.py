"""`simulate`: validate the arguments, run an engine, wrap the output in a `Result`."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from ._connection import Connection
from ._deliver import receptor_count
from ._differentiable import resolve_surrogate, simulate_surrogate
from ._generator import AbstractGenerator
from ._interface import as_neuron_model
from ._model import METHODS, AbstractNeuronModel, AbstractStepwiseModel
from ._precision import cast_floats, check_precision, precision_scope
from ._result import Result, SimState
from ._stepped import bucket_steps, run_stepped

ENGINES: dict[str, Callable[..., Result]] = {}
"""Engine name -> function(model, connections, duration, dt, seed, record, method,
max_spikes, **options) -> Result. The event engine registers itself here."""


class DivergenceWarning(RuntimeWarning):
    """A run produced NaN or inf."""


class SolverFailureWarning(RuntimeWarning):
    """An integrator could not complete a step: the run is marked and stops being valid
    there (`Result.solver_failed`, `Result.failure_time`)."""


def simulate(
    model,
    inputs=None,
    *,
    duration: float,
    dt: float = 0.1,
    engine: str = "stepped",
    method: str | None = None,
    seed: int = 0,
    record: Sequence[str] | None = None,
    max_spikes: int | None = None,
    initial_state: SimState | None = None,
    precision: str | None = None,
    surrogate=None,
    **options,
) -> Result:
    """Simulate a neuron population driven by inputs.

    **Arguments:**

    - `model`: a neuron model from `snnlab.neurons`, a subclass of
      `snnlab.core.AbstractNeuronModel`, or any module implementing the eventax
      interface (`init_state`, `dynamics`, `spike_condition`, `input_spike`,
      `reset_spiked`, `size`; see `snnlab.core.InterfaceModel`). A model's own
      `input_spike` and `observe` are used by both engines.
    - `inputs`: a generator, a `snnlab.Connection`, or a list of them; a bare generator is
      connected one-to-one with weight 1.
    - `duration`: simulated time in ms (> 0).
    - `dt`: step of the stepped engine, or the sampling step of the event engine, in ms.
    - `engine`: "stepped" (fixed grid) or "event" (exact spike times, once available).
    - `method`: "euler", "exp_euler", "rk4" or "rkf45"; default: the model's own.
    - `seed`: seed of the random inputs; the same seed gives the same run.
    - `record`: names of the channels to keep (default: all). Both engines record the
      model's `observe(y)` channels, named by `observe_names`; for the built-in models these
      are the state variables (`state_names`).
    - `max_spikes`: bound on the number of spikes of the event engine.
    - `initial_state`: a `Result.final_state` to continue from (stepped engine): the run
      starts at its time `t` and covers `duration` more ms; the result's times, samples
      and spike times are absolute (its first sample is the state given). With the same
      model structure, inputs, `dt` and `seed`, chunks equal one long run bit for bit;
      parameter values may change between chunks.
    - `precision`: None (default) computes in JAX's global precision (float32 unless
      `jax_enable_x64` is on: a library user's setting is left alone); "float64" or
      "float32" computes this run in that precision (thread-local; the model's and the
      inputs' parameters are converted, float32 values through their shortest decimal,
      so 0.3 stays 0.3). Float64 matches NEST and Brian2 (which compute in float64) to
      their own accuracy; float32 drifts by rounding over long runs (e.g. ~0.5 ms in the
      Izhikevich FS spike times after 16 spikes at dt = 0.1 ms) and is about twice as
      fast. `Result.precision` says which was used. See also
      `snnlab.core.set_precision` for applications.
    - `surrogate`: a surrogate derivative (`snnlab.neurons.Sigmoid()`, `SuperSpike()`,
      ...), or True for the model's own `surrogate_grad_fn`: a differentiable stepped run
      of a continuous-time model. Spikes and states are those of the usual run; the
      result's `spikes` (0.0 / 1.0 floats with the surrogate derivative, resets acting
      through them) and `traces` are JAX arrays, so `jax.grad` / `eqx.filter_grad` of a
      loss on them gives finite gradients (see `snnlab.core._differentiable`).

    **Returns:**

    A `snnlab.Result`. A run that produced NaN or inf has `diverged=True` and warns with
    the first bad time. A run whose integrator could not complete a step (rkf45 beyond
    its sub-step bound, the event engine's solver beyond `max_steps`) has
    `solver_failed=True`, `failure_time` (ms) and warns (`SolverFailureWarning`); its
    samples from then on are NaN, never a state from an unfinished step. Every warning
    text is also kept in `Result.messages` (for apps to show).

    **Raises:**

    `ValueError` naming the argument and its allowed range for invalid input.
    """
    if precision is None:
        return _simulate(
            model,
            inputs,
            duration,
            dt,
            engine,
            method,
            seed,
            record,
            max_spikes,
            initial_state,
            options,
            surrogate,
        )
    check_precision(precision)
    with precision_scope(precision):
        return _simulate(
            cast_floats(model, precision),
            cast_floats(inputs, precision),
            duration,
            dt,
            engine,
            method,
            seed,
            record,
            max_spikes,
            initial_state,
            options,
            surrogate,
        )


def _simulate(
    model,
    inputs,
    duration,
    dt,
    engine,
    method,
    seed,
    record,
    max_spikes,
    initial_state,
    options,
    surrogate=None,
) -> Result:
    if not isinstance(model, (AbstractNeuronModel, AbstractStepwiseModel)):
        # a module implementing the eventax interface without subclassing, or a clear error
        model = as_neuron_model(model)
    duration = _positive("duration", duration)
    dt = _positive("dt", dt)
    if dt > duration:
        raise ValueError(f"dt={dt} ms must not exceed duration={duration} ms.")
    if engine not in ("stepped", *ENGINES):
        known = sorted({"stepped", *ENGINES})
        raise ValueError(f"engine={engine!r} is unknown; use one of {known}.")
    if method is None:
        method = getattr(model, "method", "euler")
    if method not in METHODS:
        raise ValueError(f"method={method!r} is unknown; use one of {METHODS}.")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ValueError(f"seed={seed!r} must be an integer.")
    if max_spikes is not None and (not isinstance(max_spikes, (int, np.integer)) or max_spikes < 1):
        raise ValueError(f"max_spikes={max_spikes!r} must be an integer >= 1.")
    connections = normalise_inputs(inputs, model.size, receptor_count(model))
    names = recorded_names(model)
    record = _record_names(record, names)

    if initial_state is not None:
        _check_initial_state(initial_state, model, dt, engine, connections)
    if surrogate is not None:
        surrogate = resolve_surrogate(model, surrogate, engine, initial_state)
        if options:
            raise ValueError(f"unknown options for the stepped engine: {sorted(options)}.")
        return simulate_surrogate(
            model, connections, duration, dt, int(seed), record, method, surrogate
        )
    if engine != "stepped":
        if initial_state is not None:
            raise ValueError(
                "initial_state is supported by engine='stepped' only (the event engine "
                "starts from the model's init_state)."
            )
        return ENGINES[engine](
            model, connections, duration, dt, int(seed), record, method, max_spikes, **options
        )
    if options:
        raise ValueError(f"unknown options for the stepped engine: {sorted(options)}.")
    return _simulate_stepped(
        model, connections, duration, dt, int(seed), record, method, initial_state
    )


def _check_initial_state(state, model, dt, engine, connections) -> None:
    if not isinstance(state, SimState):
        raise ValueError(
            f"initial_state must be a Result.final_state (snnlab.core.SimState), got "
            f"{type(state).__name__}."
        )
    problems = []
    if state.model != type(model).__name__ or state.size != model.size:
        problems.append(
            f"it comes from {state.model}(size={state.size}), not "
            f"{type(model).__name__}(size={model.size})"
        )
    if state.dt != dt:
        problems.append(f"its dt is {state.dt} ms, not {dt} ms")
    if engine == "stepped" and len(state.carry[-2]) != len(connections):
        problems.append(f"it had {len(state.carry[-2])} inputs, not {len(connections)}")
    if problems:
        raise ValueError("initial_state cannot continue this run: " + "; ".join(problems) + ".")


def _simulate_stepped(
    model, connections, duration, dt, seed, record, method, initial_state=None
) -> Result:
    names = recorded_names(model)
    n_steps = int(round(duration / dt))
    dtype = jnp.result_type(float)
    k0, init = 0, None
    if initial_state is not None:
        k0 = int(initial_state.step)
        init = jax.tree_util.tree_map(
            lambda a: np.asarray(a, dtype) if np.asarray(a).dtype.kind == "f" else np.asarray(a),
            initial_state.carry,
        )
    # numpy scalars are traced by filter_jit (a new dt or seed never recompiles) and cost
    # less to pass than device arrays.
    connections, windows = plan_on_grid(connections, dt)
    rec, spikes, first_bad, first_fail, saved = run_stepped(
        model,
        connections,
        bucket_steps(n_steps),
        np.asarray(dt, dtype),
        np.asarray(seed, np.uint32),
        method,
        tuple(names.index(r) for r in record),
        windows,
        np.asarray(n_steps, np.int32),
        np.asarray(k0, np.int32),
        init,
    )
    rec = np.asarray(rec)[: n_steps + 1]
    spikes = np.asarray(spikes)[: n_steps + 1]
    first_bad, first_fail = int(first_bad), int(first_fail)
    if 0 <= first_fail <= n_steps:
        failed_at = float((k0 + first_fail) * dt)
        # The failed step's state is NaN by construction: that is not a divergence.
        if first_bad >= first_fail:
            first_bad = -1
    else:
        failed_at = None
    finite = np.arange(n_steps + 1) < (first_bad if first_bad >= 0 else n_steps + 1)
    # global step indices (exact in the float dtype), so chunks share one time axis
    t = (np.arange(n_steps + 1) + k0).astype(rec.dtype) * dt
    res = make_result(
        t,
        spikes,
        rec,
        record,
        finite,
        model,
        dt,
        duration,
        engine="stepped",
        method=method,
        failure_time=failed_at,
        failure=f"the {method} integrator could not complete the step ending at "
        f"t = {failed_at:g} ms (more than its sub-step bound); later samples are NaN. Try "
        "a smaller dt."
        if failed_at is not None
        else None,
    )
    res.final_state = SimState(
        engine="stepped",
        model=type(model).__name__,
        size=model.size,
        dt=dt,
        step=k0 + n_steps,
        t=float((k0 + n_steps) * dt),
        carry=jax.tree_util.tree_map(np.asarray, saved),
    )
    return res


def make_result(
    t,
    spikes,
    rec,
    record,
    finite,
    model,
    dt,
    duration,
    *,
    engine,
    method,
    failure_time=None,
    failure=None,
):
    """Assemble a `Result` from per-step arrays; warn if the run diverged or failed.

    `failure_time` (ms) and `failure` (a message) mark a step or segment the solver could
    not complete: the result gets `solver_failed=True` and a `SolverFailureWarning`.
    """
    # flatnonzero + divmod gives np.nonzero's (time-major) order ~15x faster on rasters
    steps, ids = np.divmod(np.flatnonzero(spikes), spikes.shape[1])
    units = model_state_units(model)
    traces = {name: rec[:, :, i] for i, name in enumerate(record)}
    diverged = not bool(np.all(finite))
    first_bad = None
    messages = []
    if diverged:
        first_bad = float(t[int(np.argmin(finite))])
        messages.append(
            f"the simulation diverged (NaN or inf) first at t = {first_bad:g} ms; "
            "try a smaller dt, another method, or check the parameters."
        )
        warnings.warn(messages[-1], DivergenceWarning, stacklevel=4)
    if failure is not None:
        messages.append(failure)
        warnings.warn(failure, SolverFailureWarning, stacklevel=4)
    return Result(
        t=t,
        spikes=spikes,
        spike_times=t[steps],
        spike_ids=ids.astype(np.int64),
        traces=traces,
        units={name: units.get(name, "") for name in record},
        dt=dt,
        duration=duration,
        diverged=diverged,
        first_bad_time=first_bad,
        precision="float64" if rec.dtype == np.float64 else "float32",
        engine=engine,
        method=method,
        solver_failed=failure is not None,
        failure_time=failure_time,
        messages=messages,
    )


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


def normalise_inputs(inputs, size: int, n_receptor: int = 1) -> tuple[Connection, ...]:
    """Turn `inputs` (None, a generator, a Connection or a list) into checked Connections
    for a population of `size` neurons with `n_receptor` receptors."""
    if inputs is None:
        items = []
    elif isinstance(inputs, (list, tuple)):
        items = list(inputs)
    else:
        items = [inputs]
    connections = []
    for item in items:
        if isinstance(item, AbstractGenerator):
            item = Connection(item)
        if not isinstance(item, Connection):
            raise ValueError(
                "inputs must be generators or snnlab.Connection objects, got "
                f"{type(item).__name__}."
            )
        item.check_target(size, n_receptor)
        connections.append(item)
    return tuple(connections)


def _positive(name: str, value) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name}={value!r} must be a number > 0 (ms).") from None
    if not math.isfinite(x) or x <= 0:
        raise ValueError(f"{name}={value!r} must be a finite number > 0 (ms).")
    return x


def _record_names(record, names: tuple[str, ...]) -> tuple[str, ...]:
    if record is None:
        return names
    if isinstance(record, str):
        record = [record]
    record = tuple(record)
    unknown = [r for r in record if r not in names]
    if unknown:
        raise ValueError(f"record={list(unknown)} names unknown states; this model has {names}.")
    return record
