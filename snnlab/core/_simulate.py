"""`simulate`: validate the arguments, run an engine, wrap the output in a `Result`."""

from __future__ import annotations

import collections
import contextlib
import functools
import warnings
from collections.abc import Callable, Sequence

import jax
import jax.numpy as jnp
import numpy as np

from ._connection import Connection
from ._deliver import receptor_count
from ._differentiable import resolve_surrogate, simulate_surrogate
from ._generator import AbstractGenerator
from ._interface import as_neuron_model
from ._model import METHODS, AbstractNeuronModel, AbstractStepwiseModel
from ._param import positive_number
from ._plan import model_state_units, plan_on_grid, recorded_names
from ._precision import cast_floats, check_precision, precision_scope
from ._result import Deferred, Result, SimState
from ._stepped import bucket_steps, least_sample, stepped_runner

ENGINES: dict[str, Callable[..., Result]] = {}
"""Engine name -> function(model, connections, duration, dt, seed, record, method,
max_spikes, **options) -> Result. The event engine registers itself here."""


class DivergenceWarning(RuntimeWarning):
    """A run produced NaN or inf."""


class CoarseStepWarning(RuntimeWarning):
    """A stepped run's dt is longer than its model's `max_spike_dt`: spikes that begin and
    end between two grid points are missed."""


def coarse_step_message(model, dt: float) -> str | None:
    """The warning text for a stepped run of `model` at `dt` (ms) that can miss spikes, or
    None when `dt` is within the model's `max_spike_dt`."""
    limit = getattr(model, "max_spike_dt", None)
    if limit is None or dt <= limit:
        return None
    return (
        f"dt = {dt:g} ms is longer than {type(model).__name__}'s spike can be seen on the grid "
        f"(max_spike_dt = {limit:g} ms): spikes that start and end between two samples are "
        f"missed. Use dt <= {limit:g} ms, or engine='event'."
    )


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
    raster: bool = True,
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
    - `raster`: False keeps, per neuron, the spike count and the first and last spike
      times (`Result.spike_counts`, `first_spike_time`, `last_spike_time`) instead of the
      `(T, N)` raster (stepped engine): for sweeps and f-I curves, faster and smaller.
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
    key = None
    if not isinstance(raster, bool):
        raise ValueError(f"raster={raster!r} must be True or False.")
    if not raster and engine != "stepped":
        raise ValueError("raster=False is supported by engine='stepped' only.")
    if engine == "stepped" and initial_state is None and not options and surrogate is None:
        # (issubclass of the type: isinstance would also ask an equinox module for its
        # __class__, through its Python-level __getattribute__)
        listed = issubclass(type(inputs), (list, tuple))
        objects = (model, *inputs) if listed else (model, inputs)
        rec = record if record is None or isinstance(record, str) else tuple(record)
        key = (
            tuple(map(id, objects)),
            duration,
            dt,
            method,
            rec,
            max_spikes,
            precision,
            raster,
            jax.config.jax_enable_x64,  # the precision in force (`jnp.result_type(float)`)
        )
        try:
            entry = _PLANS.get(key)
        except TypeError:  # an argument that cannot be a key: the call is checked as usual
            entry = key = None
        if entry is not None and entry.unchanged():
            with contextlib.suppress(KeyError):  # evicted meanwhile by another thread
                _PLANS.move_to_end(key)
            if type(seed) is not int:
                _check_seed(seed)
                seed = int(seed)
            if precision is None:
                return entry.plan(seed)
            with precision_scope(precision):
                return entry.plan(seed)
    plans = [] if key is not None else None
    # the arrays as the plan sees them, before any precision cast
    arrays = _numpy_arrays(objects) if key is not None else None
    snapshot = _snapshot(arrays) if key is not None else None
    if precision is not None:
        check_precision(precision)
        model, inputs = cast_floats(model, precision), cast_floats(inputs, precision)
    with precision_scope(precision):
        res = _simulate(
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
            plans,
            raster,
            surrogate,
        )
    if plans:
        _PLANS[key] = _CachedPlan(objects, plans[0], arrays, snapshot)
        while len(_PLANS) > _MAX_PLANS:
            with contextlib.suppress(KeyError):
                _PLANS.popitem(last=False)
    return res


_PLANS: collections.OrderedDict = collections.OrderedDict()
"""`simulate`'s latest stepped plans, by key: the ids of the model and input objects (the
entry holds the objects, so an id is not reused while it lives), the other arguments but
the seed, and the precision in force. See `_CachedPlan`."""
_MAX_PLANS = 16


def _numpy_arrays(objects) -> tuple:
    """The numpy arrays inside `objects` that can change in place: JAX arrays cannot, nor
    can the read-only arrays that own their data (`float_array` makes the parameters so;
    a user who sets such an array writeable again and changes it is not followed)."""
    return tuple(
        a
        for a in jax.tree_util.tree_leaves(objects)
        if isinstance(a, np.ndarray) and (a.flags.writeable or a.base is not None)
    )


def _snapshot(arrays) -> tuple:
    """The contents of numpy arrays, to compare with an earlier snapshot: their dtypes and
    shapes (changeable in place too), and their bytes joined."""
    return [(a.dtype, a.shape) for a in arrays], b"".join([a.tobytes() for a in arrays])


class _CachedPlan:
    """A `SteppedPlan` kept by `simulate` with the model and input objects it was made
    for (immutable modules, found by their ids in the key: holding them here keeps the
    ids from being reused) and their changeable numpy arrays' contents then: the plan
    serves a call with the same objects while those arrays are unchanged."""

    __slots__ = ("arrays", "objects", "plan", "snapshot")

    def __init__(self, objects, plan, arrays, snapshot):
        self.objects, self.plan, self.arrays, self.snapshot = objects, plan, arrays, snapshot

    def unchanged(self) -> bool:
        """True when the objects' changeable numpy arrays hold what they held then."""
        return not self.arrays or _snapshot(self.arrays) == self.snapshot


def _check_seed(seed) -> None:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ValueError(f"seed={seed!r} must be an integer.")


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
    plans=None,
    raster=True,
    surrogate=None,
) -> Result:
    if not isinstance(model, (AbstractNeuronModel, AbstractStepwiseModel)):
        # a module implementing the eventax interface without subclassing, or a clear error
        model = as_neuron_model(model)
    duration = positive_number("duration", duration, "ms")
    dt = positive_number("dt", dt, "ms")
    if dt > duration:
        raise ValueError(f"dt={dt} ms must not exceed duration={duration} ms.")
    if engine not in ("stepped", *ENGINES):
        known = sorted({"stepped", *ENGINES})
        raise ValueError(f"engine={engine!r} is unknown; use one of {known}.")
    if method is None:
        method = getattr(model, "method", "euler")
    if method not in METHODS:
        raise ValueError(f"method={method!r} is unknown; use one of {METHODS}.")
    _check_seed(seed)
    if max_spikes is not None and (not isinstance(max_spikes, (int, np.integer)) or max_spikes < 1):
        raise ValueError(f"max_spikes={max_spikes!r} must be an integer >= 1.")
    connections = normalise_inputs(inputs, model.size, receptor_count(model))
    names = recorded_names(model)
    record = _record_names(record, names)

    if initial_state is not None:
        _check_initial_state(initial_state, model, dt, engine, connections)
    if surrogate is not None:
        if not raster:
            raise ValueError("raster=False cannot be combined with surrogate (it returns spikes).")
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
    plan = SteppedPlan(
        model, connections, duration, dt, record, method, initial_state, raster=raster
    )
    if plans is not None:
        plans.append(plan)
    return plan(int(seed))


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


class SteppedPlan:
    """A checked stepped run, ready to be called with a seed: `plan(seed) -> Result`.

    Everything that does not depend on the seed is done once here: the inputs placed on
    the grid, the jitted engine looked up and its arrays collected. `simulate` keeps the
    plans of its latest calls, so calling it again with the same model and input objects
    costs little more than the run itself.
    """

    def __init__(
        self, model, connections, duration, dt, record, method, initial_state=None, raster=True
    ):
        self.raster = raster
        self.coarse = coarse_step_message(model, dt)
        names = recorded_names(model)
        self.model_name, self.size = type(model).__name__, model.size
        self.n_steps = n_steps = int(round(duration / dt))
        self.duration, self.dt, self.method, self.record = duration, dt, method, record
        units = model_state_units(model)
        self.units = {name: units.get(name, "") for name in record}
        dtype = jnp.result_type(float)
        self.k0, init = 0, None
        if initial_state is not None:
            self.k0 = int(initial_state.step)
            init = jax.tree_util.tree_map(
                lambda a: (
                    np.asarray(a, dtype) if np.asarray(a).dtype.kind == "f" else np.asarray(a)
                ),
                initial_state.carry,
            )
        connections, windows = plan_on_grid(connections, dt)
        self.run, arrays = stepped_runner(
            model,
            connections,
            bucket_steps(n_steps),
            method,
            tuple(names.index(r) for r in record),
            windows,
            init,
            count=not raster,
            to_host=True,
        )
        # device arrays: no host-to-device copy per call
        self.arrays = jax.device_put(arrays)
        self.scalars = jax.device_put(
            (np.asarray(dt, dtype), np.asarray(n_steps, np.int32), np.asarray(self.k0, np.int32))
        )
        self._call = self.run.bind(self.arrays, *self.scalars, defer_last=True)
        self._end = (self.k0 + n_steps, float((self.k0 + n_steps) * dt))

    def _times(self, dtype) -> np.ndarray:
        """The sample times (ms), read-only and shared by this plan's results (like their
        recordings, which are read-only views of the transferred outputs)."""
        t = self.__dict__.get("_t")
        if t is None or t.dtype != dtype:
            # global step indices (exact in the float dtype), so chunks share one time axis
            t = (np.arange(self.n_steps + 1) + self.k0).astype(dtype) * self.dt
            t.flags.writeable = False
            self._t = t
        return t

    def _final_state(self, carry) -> SimState:
        step, t = self._end
        return SimState(
            engine="stepped",
            model=self.model_name,
            size=self.size,
            dt=self.dt,
            step=step,
            t=t,
            carry=carry(),
        )

    def __call__(self, seed: int) -> Result:
        # numpy outputs, from one transfer (see `stepped_runner`)
        # (the final carry is unpacked when `final_state` is first read)
        rec, spikes, first_bad, first_fail, saved = self._call(seed)
        n_steps, k0, dt = self.n_steps, self.k0, self.dt
        rec = np.asarray(rec)[: n_steps + 1]
        stats = None
        if self.raster:
            spikes = np.asarray(spikes)[: n_steps + 1]
        else:
            stats, spikes = [np.asarray(a) for a in spikes], None
        first_bad, first_fail = least_sample(first_bad), int(first_fail)
        failed_at = failure = None
        if 0 <= first_fail <= n_steps:
            failed_at = float((k0 + first_fail) * dt)
            # The failed step's state is NaN by construction: that is not a divergence.
            if first_bad >= first_fail:
                first_bad = -1
            failure = (
                f"the {self.method} integrator could not complete the step ending at "
                f"t = {failed_at:g} ms (more than its sub-step bound); later samples are "
                "NaN. Try a smaller dt."
            )
        t = self._times(rec.dtype)
        res = _assemble(
            t,
            spikes,
            rec,
            self.record,
            self.units,
            first_bad if 0 <= first_bad <= n_steps else None,
            dt,
            self.duration,
            engine="stepped",
            method=self.method,
            failure_time=failed_at,
            failure=failure,
        )
        if stats is not None:
            count, first, last = stats
            res.spike_counts = count.astype(np.int64)
            res.first_spike_time = np.where(first >= 0, (first + k0).astype(rec.dtype) * dt, np.nan)
            res.last_spike_time = np.where(last >= 0, (last + k0).astype(rec.dtype) * dt, np.nan)
        res.final_state = Deferred(functools.partial(self._final_state, saved))
        if self.coarse:
            warnings.warn(self.coarse, CoarseStepWarning, stacklevel=3)
            res.messages.append(self.coarse)
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
    units = model_state_units(model)
    first_bad = None if np.all(finite) else int(np.argmin(finite))
    return _assemble(
        t,
        spikes,
        rec,
        record,
        {name: units.get(name, "") for name in record},
        first_bad,
        dt,
        duration,
        engine=engine,
        method=method,
        failure_time=failure_time,
        failure=failure,
    )


def _assemble(
    t,
    spikes,
    rec,
    record,
    units,
    first_bad,
    dt,
    duration,
    *,
    engine,
    method,
    failure_time=None,
    failure=None,
) -> Result:
    """`make_result` given the first non-finite sample's index (or None); spike times
    and ids are left for `Result` to find when first read."""
    traces = {name: rec[:, :, i] for i, name in enumerate(record)}
    diverged = first_bad is not None
    first_bad_time = None
    messages = []
    if diverged:
        first_bad_time = float(t[first_bad])
        messages.append(
            f"the simulation diverged (NaN or inf) first at t = {first_bad_time:g} ms; "
            "try a smaller dt, another method, or check the parameters."
        )
        warnings.warn(messages[-1], DivergenceWarning, stacklevel=5)
    if failure is not None:
        messages.append(failure)
        warnings.warn(failure, SolverFailureWarning, stacklevel=5)
    return Result(
        t=t,
        spikes=spikes,
        spike_times=None,
        spike_ids=None,
        traces=traces,
        units=units,
        dt=dt,
        duration=duration,
        diverged=diverged,
        first_bad_time=first_bad_time,
        precision="float64" if rec.dtype == np.float64 else "float32",
        engine=engine,
        method=method,
        solver_failed=failure is not None,
        failure_time=failure_time,
        messages=messages,
    )


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
