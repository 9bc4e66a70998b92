"""The event-based engine: exact spike times, the state integrated between events.

One loop iteration advances to the next event, the earliest of

1. the next exact input spike (`SpikeGenerator` sources, at their given times plus the
   connection delay),
2. the next sample time k dt (only when traces are recorded or a source is sampled on
   the grid: current sources, Poisson and Bernoulli sources),
3. the end of a refractory period,
4. the end of the run,
5. a threshold crossing: an upward zero crossing of `spike_condition`, found by root
   finding between the others.

Between events the state follows the model's `dynamics`: with diffrax (adaptive step,
`rtol`/`atol`) and a diffrax `Event` with an optimistix Newton root finder on the
condition; or, for models that provide the `closed_form` hook (`LIF`, `ExpLIF`, or any
model returning a `LeakyClosedForm`), with the closed-form membrane solution and a
bracketed Newton search for the crossing (chosen automatically).

Grid-sampled sources behave exactly as in the stepped engine (the same draws from the
same seed): spikes of step k act at time k dt, a current is constant on
[k dt, (k + 1) dt). Exact sources act at their own times. A neuron that spikes is
reset (`reset_spiked`), its `refractory_clamped` states are held for
`refractory_period()` and it cannot spike in that time. A model without a reset (HH)
must fall below threshold again before it can spike again.

The loop is a `lax.while_loop` with a static spike buffer of `max_spikes` entries; a
run that would exceed it stops at that spike and says so (`Result.hit_max_spikes`
and a warning), it never drops spikes silently.
"""

from __future__ import annotations

import warnings
from typing import NamedTuple

import diffrax
import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optimistix as optx

from ._deliver import deliver, jump_receptors, overrides_input_spike, receptors_used
from ._grid import grid_index
from ._model import AbstractNeuronModel, phi1
from ._param import positive_number
from ._plan import plan_on_grid, recorded_names, window_open
from ._precision import cast_floats, precision_scope
from ._receptor_crossing import receptors_crossing, receptors_u
from ._result import Result
from ._simulate import ENGINES, make_result
from ._stepped import bucket_steps

NEWTON_ITERS = 24
"""Iterations of the safeguarded Newton search for a closed-form threshold crossing."""

_trace_count = 0


def event_trace_count() -> int:
    """How many times the event engine has been traced (compiled) in this process."""
    return _trace_count


class MaxSpikesWarning(RuntimeWarning):
    """An event-based run stopped because its spike buffer (`max_spikes`) was full."""


# ---------------------------------------------------------------------------------------
# Closed form of a leaky membrane driven by an exponentially decaying current.
#
# With u = V - V_inf, b = R I_syn(0) (a voltage) and delta = 1/tau_m - 1/tau_s:
#     tau_m du/ds = -u + b exp(-s / tau_s)
#     u(s) = exp(-s / tau_m) (u0 + (b / tau_m) s phi1(s delta)),
# where s phi1(s delta) = (exp(s delta) - 1) / delta stays finite at tau_m = tau_s.
# du/ds is a sum of two exponentials, so it changes sign at most once: u is monotone
# or has a single extremum, which the search below uses to bracket the first crossing.
# ---------------------------------------------------------------------------------------


def lif_u(u0, b, s, tau_m, tau_s):
    """u(s) = V(s) - V_inf of a leaky membrane with an exponential synaptic current.

    **Arguments:** `u0` = V(0) - V_inf, `b` = R I_syn(0) (voltage units), `s` the time
    since 0, `tau_m`, `tau_s` the membrane and synaptic time constants (time units as
    `s`). Arrays broadcast.

    **Returns:** u(s), in the units of `u0`.
    """
    delta = 1.0 / tau_m - 1.0 / tau_s
    return jnp.exp(-s / tau_m) * (u0 + (b / tau_m) * s * phi1(s * delta))


def lif_du(u0, b, s, tau_m, tau_s):
    """du/ds of `lif_u` (voltage per time unit)."""
    return (-lif_u(u0, b, s, tau_m, tau_s) + b * jnp.exp(-s / tau_s)) / tau_m


def _log1p_over_x(x):
    small = jnp.abs(x) < 1e-6
    safe = jnp.where(small, 1.0, x)
    return jnp.where(small, 1.0 - 0.5 * x, jnp.log1p(safe) / safe)


def _bracketed_newton(f, fp, lo, hi, n_iter):
    """Root of an increasing f on [lo, hi] with f(lo) < 0 <= f(hi): Newton, bisection
    where a Newton step leaves the bracket."""

    def body(_, carry):
        x, lo, hi = carry
        fx = f(x)
        lo = jnp.where(fx < 0, x, lo)
        hi = jnp.where(fx >= 0, x, hi)
        # A zero slope (no drive at all) must not put NaN into reverse-mode gradients
        # through the branch that `where` discards.
        fpx = fp(x)
        flat = fpx == 0
        xn = x - fx / jnp.where(flat, 1.0, fpx)
        ok = ~flat & jnp.isfinite(xn) & (xn >= lo) & (xn <= hi)
        return jnp.where(ok, xn, 0.5 * (lo + hi)), lo, hi

    x, _, _ = jax.lax.fori_loop(0, n_iter, body, (hi, lo, hi))
    return x


def _quadratic_crossing(u0, b, theta, tau_m, horizon):
    """Crossing time for tau_m = 2 tau_s, where u = (u0 + b) x - b x^2 with
    x = exp(-s / tau_m): the larger admissible root of a quadratic (jaxsnn's case)."""
    p = u0 + b
    disc = p * p - 4.0 * b * theta
    # The inner where keeps reverse-mode autodiff finite where disc <= 0.
    sq = jnp.where(disc > 0, jnp.sqrt(jnp.where(disc > 0, disc, 1.0)), 0.0)
    b_safe = jnp.where(b == 0, 1.0, b)
    u0_safe = jnp.where(u0 == 0, 1.0, u0)
    denom = jnp.where(p + sq == 0, 1.0, p + sq)
    # b = 0: x = theta / u0, written with its first-order term in b (zero here) so that
    # the derivative with respect to b (the synaptic current) is right, not 0.
    x0 = theta / u0_safe
    x = jnp.where(
        b > 0,
        (p + sq) / (2.0 * b_safe),
        jnp.where(b < 0, 2.0 * theta / denom, x0 - b * (x0 - x0 * x0) / u0_safe),
    )
    ok = (disc >= 0) & (x > jnp.exp(-horizon / tau_m)) & (x <= 1.0) & ((b != 0) | (u0 != 0))
    s = -tau_m * jnp.log(jnp.where(ok, x, 1.0))
    return jnp.where(ok, jnp.clip(s, 0.0, horizon), jnp.inf)


def lif_crossing(u0, b, theta, tau_m, tau_s, horizon, n_iter: int = NEWTON_ITERS):
    """First time in [0, horizon] at which `lif_u` reaches `theta` from below.

    Exact to rounding: where tau_m = 2 tau_s (everywhere) the crossing is the root of a
    quadratic in exp(-s / tau_m) (jaxsnn's closed form); otherwise the single extremum
    of u brackets the crossing and a safeguarded Newton search finds it.

    **Arguments:** as `lif_u`, plus `theta` = V_th - V_inf and `horizon` (finite, >= 0).

    **Returns:** the crossing time per neuron; 0 where u(0) >= theta already; `inf`
    where u stays below `theta` on [0, horizon].
    """
    dtype = jnp.result_type(u0, b, theta, tau_m, tau_s, horizon)
    shape = jnp.broadcast_shapes(*(jnp.shape(v) for v in (u0, b, theta, tau_m, tau_s, horizon)))
    u0, b, theta, tau_m, tau_s, horizon = (
        jnp.broadcast_to(jnp.asarray(v, dtype), shape)
        for v in (u0, b, theta, tau_m, tau_s, horizon)
    )

    def f(s):
        return lif_u(u0, b, s, tau_m, tau_s) - theta

    def fp(s):
        return lif_du(u0, b, s, tau_m, tau_s)

    def general():
        # The extremum of u: du/ds = 0 at s* = tau_s (b - u0) / b * log1p(x) / x with
        # x = (b - u0) tau_s delta / b (continuous through tau_m = tau_s).
        delta = 1.0 / tau_m - 1.0 / tau_s
        b_safe = jnp.where(b == 0, 1.0, b)
        x = (b_safe - u0) * tau_s * delta / b_safe
        valid = (b != 0) & (1.0 + x > 0)
        s_star = tau_s * (b_safe - u0) / b_safe * _log1p_over_x(jnp.where(valid, x, 0.0))
        inside = valid & (s_star > 0) & (s_star < horizon)
        s_ext = jnp.where(inside, s_star, horizon)
        rising = fp(jnp.zeros_like(u0)) > 0
        lo = jnp.where(rising, 0.0, s_ext)
        hi = jnp.where(rising, s_ext, horizon)
        found = f(hi) >= 0
        root = _bracketed_newton(f, fp, lo, hi, n_iter)
        return jnp.where(found, root, jnp.inf)

    def quadratic():
        return _quadratic_crossing(u0, b, theta, tau_m, horizon)

    two_to_one = jnp.all(tau_m == 2.0 * tau_s)
    s = jax.lax.cond(two_to_one, quadratic, general)
    # One Newton step at the root: the same value to rounding, and reverse-mode autodiff
    # through it gives the implicit-function derivative -(df/dp) / f'(s) for every
    # argument, whichever path found the root (the quadratic path alone would miss tau_s).
    found = jnp.isfinite(s) & (s > 0)
    s_at = jnp.where(found, s, 0.0)
    slope = fp(s_at)
    ok = found & (slope > 0)
    s = jnp.where(ok, s_at - f(s_at) / jnp.where(ok, slope, 1.0), s)
    return jnp.where(f(jnp.zeros_like(u0)) >= 0, 0.0, s)


# ---------------------------------------------------------------------------------------
# simulate(..., engine="event")
# ---------------------------------------------------------------------------------------


_CLOSED_FORM: dict = {}
"""Whether `closed_form` returns a value, per model structure (class and static fields)."""


def _has_closed_form(model) -> bool:
    """Whether the model provides the closed-form hook (`AbstractNeuronModel.closed_form`).

    Asked once per model structure, abstractly (`jax.eval_shape`: nothing computed); a
    hook whose answer depends on parameter values (it cannot be traced) is asked with
    the values, each time."""

    def hook(m):
        y0 = m.init_state()
        return m.closed_form(y0, {"I": jnp.zeros(y0.shape[0], y0.dtype)})

    key = jax.tree_util.tree_structure(model)
    if key in _CLOSED_FORM:
        return _CLOSED_FORM[key]
    try:
        answer = jax.eval_shape(hook, model) is not None
    except jax.errors.ConcretizationTypeError:
        return hook(model) is not None
    _CLOSED_FORM[key] = answer
    return answer


def _is_exact_source(source) -> bool:
    """Sources with exact spike times (SpikeGenerator): `times`, `ids`, `counts` arrays."""
    return all(hasattr(source, a) for a in ("times", "ids", "counts"))


def _check_sorted_times(source, index: int) -> None:
    times = np.asarray(source.times)
    ids = np.asarray(source.ids)
    counts = np.asarray(source.counts)
    real = counts > 0
    if np.any(times[real] < 0):
        raise ValueError(f"inputs[{index}]: spike_times must be >= 0 ms.")
    for ch in np.unique(ids[real]):
        t = times[real & (ids == ch)]
        if np.any(np.diff(t) < 0):
            raise ValueError(
                f"inputs[{index}]: spike_times of channel {int(ch)} are not sorted; the event "
                "engine needs non-decreasing spike times per channel."
            )


def simulate_event(
    model,
    connections,
    duration: float,
    dt: float,
    seed: int,
    record: tuple[str, ...],
    method: str,
    max_spikes: int | None,
    *,
    rtol: float | None = None,
    atol: float | None = None,
    recurrent=None,
    closed_form: bool | None = None,
    solver: diffrax.AbstractSolver | None = None,
    max_steps: int = 4096,
    auto_float64: bool = True,
) -> Result:
    """The event engine behind `snnlab.simulate(..., engine="event")`.

    **Options** (keyword arguments of `simulate`):

    - `rtol`, `atol`: relative and absolute tolerances (> 0) of the adaptive diffrax
      solver (state units), also used by the Newton root finder for the spike time
      (ms). Spike times are exact to these tolerances. Default 1e-8 in float64 and 1e-6
      in float32 (tighter float32 tolerances cannot be met and stall the solver).
    - `recurrent`: a weight matrix `(size, size)`: a spike of neuron i delivers
      `recurrent[i, j]` to neuron j at once, through `input_jump` (the jump of the
      model's `input_state`: mV for delta synapses, pA for current synapses).
    - `closed_form`: None (default) uses the closed-form membrane where the model's
      `closed_form` hook provides one (LIF, ExpLIF) and diffrax otherwise; False forces
      diffrax; True requires the closed form.
    - `solver`: a diffrax solver (default `diffrax.Tsit5()`).
    - `max_steps`: bound on solver steps between two events.
    - `auto_float64`: when a float32 run's solver fails (a state too steep for float32
      to resolve), re-run it in float64 by itself, warn (`PrecisionWarning`) and mark the
      result (`precision_fallback=True`, `precision="float64"`). False reports the
      float32 failure instead (`solver_failed`).

    `max_spikes` (default `max(256, 64 * size)`) is the static size of the spike buffer.
    `method` is ignored (the solver is adaptive). Traces are sampled every `dt` ms.

    **Returns:** a `Result` with exact `spike_times` (ms), `spikes` binned on the dt grid
    as the stepped engine bins them, and `hit_max_spikes`.
    """
    if not isinstance(model, AbstractNeuronModel):
        raise ValueError(
            f"engine='event' needs a continuous-time model, got {type(model).__name__} "
            "(discrete-time models run with engine='stepped')."
        )
    given_tol = (rtol, atol)
    default_tol = 1e-8 if jax.config.jax_enable_x64 else 1e-6
    rtol = positive_number("rtol", default_tol if rtol is None else rtol)
    atol = positive_number("atol", default_tol if atol is None else atol)
    if isinstance(max_steps, bool) or not isinstance(max_steps, (int, np.integer)) or max_steps < 1:
        raise ValueError(f"max_steps={max_steps!r} must be an integer >= 1.")
    n = model.size
    if max_spikes is None:
        max_spikes = max(256, 64 * n)
    available = _has_closed_form(model)
    if closed_form is None:
        closed_form = available
    elif closed_form and not available:
        raise ValueError(
            f"closed_form=True: {type(model).__name__} has no closed form (its closed_form() "
            "hook returns None; LIF and ExpLIF provide one). Leave closed_form=None."
        )
    w_rec = None
    if recurrent is not None:
        w_rec = np.asarray(recurrent, dtype=float)
        if w_rec.shape != (n, n) or not np.all(np.isfinite(w_rec)):
            raise ValueError(
                f"recurrent must be a finite ({n}, {n}) weight matrix (from, to), got shape "
                f"{w_rec.shape}."
            )
        w_rec = jnp.asarray(recurrent, dtype=jnp.result_type(float))
    for i, c in enumerate(connections):
        if _is_exact_source(c.source):
            _check_sorted_times(c.source, i)
    exact = tuple(_is_exact_source(c.source) for c in connections)
    for i, c in enumerate(connections):
        if c.source.stateful:
            raise ValueError(
                f"inputs[{i}]: {type(c.source).__name__} has memory (it is advanced step by "
                "step) and runs with engine='stepped' only."
            )
    grid = bool(record) or not all(exact)
    n_samples = int(round(duration / dt))
    names = recorded_names(model)
    cols = tuple(names.index(r) for r in record)
    dtype = jnp.result_type(float)
    # Grid sources are placed on the grid exactly, on the host (exact sources keep their
    # own times).
    planned, windows = plan_on_grid(connections, dt)
    connections = tuple(
        c if is_exact else p for c, p, is_exact in zip(connections, planned, exact, strict=True)
    )
    out = _run_event(
        model,
        connections,
        w_rec,
        jnp.asarray(dt, dtype),
        jnp.asarray(n_samples, jnp.int32),
        jax.random.PRNGKey(seed),
        windows,
        _Static(
            n_buf=bucket_steps(n_samples) + 1,
            max_spikes=int(max_spikes),
            cols=cols,
            exact=exact,
            grid=grid,
            closed_form=bool(closed_form),
            rtol=rtol,
            atol=atol,
            solver=solver if solver is not None else diffrax.Tsit5(),
            max_steps=int(max_steps),
        ),
    )
    out = jax.tree_util.tree_map(np.asarray, out)
    if not bool(out.solver_ok) and out.rec.dtype == np.float32 and auto_float64:
        return _rerun_in_float64(
            float(out.t_stop),
            (model, connections, duration, dt, seed, record, method, max_spikes),
            dict(
                rtol=given_tol[0],
                atol=given_tol[1],
                recurrent=recurrent,
                closed_form=closed_form,
                solver=solver,
                max_steps=max_steps,
            ),
        )
    n_sp = int(out.n_spikes)
    t = np.arange(n_samples + 1, dtype=out.rec.dtype) * dt
    rec = out.rec[: n_samples + 1]
    spikes = _exact_raster(out.spike_times[:n_sp], out.spike_ids[:n_sp], dt, out.spikes.shape)
    spikes = spikes[: n_samples + 1]
    finite = out.finite[: n_samples + 1]
    reached = t <= float(out.t_stop) + 1e-12 * max(1.0, duration)
    finite = finite | ~reached
    failed = not bool(out.solver_ok)
    res = make_result(
        t,
        spikes,
        rec,
        record,
        finite,
        model,
        dt,
        duration,
        engine="event",
        method=None,
        failure_time=float(out.t_stop) if failed else None,
        failure=f"the event engine's ODE solver failed near t = {float(out.t_stop):g} ms "
        "(max_steps reached or the state diverged); try looser rtol/atol or a larger "
        "max_steps. Later samples are NaN."
        if failed
        else None,
    )
    if bool(out.overflow):
        warnings.warn(
            f"max_spikes={max_spikes} reached: the run stopped at t = {float(out.t_stop):g} ms "
            f"(of {duration:g} ms); pass a larger max_spikes to simulate the rest.",
            MaxSpikesWarning,
            stacklevel=4,
        )
    res.spike_times = out.spike_times[:n_sp]
    res.spike_ids = out.spike_ids[:n_sp].astype(np.int64)
    res.hit_max_spikes = bool(out.overflow)
    used = solver if solver is not None else diffrax.Tsit5()
    res.method = "closed_form" if closed_form else type(used).__name__.lower()
    return res


ENGINES["event"] = simulate_event


class PrecisionWarning(RuntimeWarning):
    """A run could not be completed in float32 and was re-run in float64."""


def _rerun_in_float64(t_fail: float, args, options) -> Result:
    model, connections = cast_floats(args[:2], "float64")
    with precision_scope("float64"):
        res = simulate_event(model, connections, *args[2:], auto_float64=False, **options)
    message = (
        f"float32 could not resolve this event-based run (its solver failed near t = "
        f"{t_fail:g} ms, a state changing too steeply for float32); it was re-run in "
        "float64 (Result.precision_fallback)."
    )
    warnings.warn(message, PrecisionWarning, stacklevel=4)
    res.messages.insert(0, message)
    res.precision_fallback = True
    return res


class _Static(NamedTuple):
    n_buf: int
    max_spikes: int
    cols: tuple[int, ...]
    exact: tuple[bool, ...]
    grid: bool
    closed_form: bool
    rtol: float
    atol: float
    solver: diffrax.AbstractSolver
    max_steps: int


class _Output(NamedTuple):
    spike_times: jax.Array
    spike_ids: jax.Array
    n_spikes: jax.Array
    rec: jax.Array
    spikes: jax.Array
    finite: jax.Array
    overflow: jax.Array
    solver_ok: jax.Array
    t_stop: jax.Array


class _Loop(NamedTuple):
    t: jax.Array
    y: jax.Array
    current: jax.Array
    head: jax.Array
    k: jax.Array
    ref_until: jax.Array
    armed: jax.Array
    spike_times: jax.Array
    spike_ids: jax.Array
    n_spikes: jax.Array
    rec: jax.Array
    spikes: jax.Array
    finite: jax.Array
    overflow: jax.Array
    solver_ok: jax.Array
    n_iter: jax.Array


@eqx.filter_jit
def _run_event(model, connections, w_rec, dt, n_samples, key, windows, static: _Static) -> _Output:
    global _trace_count
    _trace_count += 1

    n = model.size
    y0 = model.init_state()
    fdtype = y0.dtype
    names = model.state_names
    clamp = jnp.array([name in model.refractory_clamped for name in names])
    t_ref = jnp.broadcast_to(jnp.asarray(model.refractory_period(), fdtype), (n,))
    t_end = n_samples.astype(fdtype) * dt
    # re-arming margin: above the root finder's condition tolerance (8 sqrt(eps))
    hyst = 16 * jnp.sqrt(jnp.finfo(fdtype).eps)
    tie = 100 * jnp.finfo(fdtype).eps
    m_buf = static.max_spikes

    keys = jax.random.split(key, 2 * max(len(connections), 1))
    gen_keys = keys[0::2]

    # A model with its own input_spike gets each spike through it (core/_deliver.py).
    per_spike = overrides_input_spike(model)
    offsets = np.cumsum([0] + [c.source.size for c in connections])

    # Exact input spikes: one row of target weights per spike, sorted by arrival time.
    ex_times, ex_rows, ex_counts, ex_from, ex_recs = [], [], [], [], []
    grid_conns = []
    for i, c in enumerate(connections):
        if static.exact[i]:
            src = c.source
            mat = c.rows(c.matrix(keys[2 * i + 1], n), n).astype(fdtype)
            valid = (src.counts > 0) & (src.times >= src.start) & (src.times < src.stop)
            ex_times.append(jnp.where(valid, src.times + c.delay, jnp.inf).astype(fdtype))
            ex_rows.append(mat[src.ids])
            ex_counts.append(jnp.asarray(src.counts).astype(fdtype))
            ex_from.append(n + offsets[i] + jnp.asarray(src.ids))
            ex_recs.append(jnp.full(jnp.shape(src.ids), c.receptor, jnp.int32))
        else:
            grid_conns.append((i, c))
    if ex_times:
        times = jnp.concatenate(ex_times)
        order = jnp.argsort(times, stable=True)
        ex_t = times[order]
        ex_r = jnp.concatenate(ex_rows)[order]
        ex_c = jnp.concatenate(ex_counts)[order]
        ex_f = jnp.concatenate(ex_from)[order]
        ex_rec = jnp.concatenate(ex_recs)[order]
    else:
        ex_t = jnp.full((1,), jnp.inf, fdtype)
        ex_r = jnp.zeros((1, n), fdtype)
        ex_c = jnp.zeros((1,), fdtype)
        ex_f = jnp.zeros((1,), jnp.int32)
        ex_rec = jnp.zeros((1,), jnp.int32)
    n_syn = receptors_used(connections)
    ex_j = ex_c[:, None] * ex_r
    n_ex = ex_t.shape[0]
    ex_pos = jnp.arange(n_ex)

    grid_mats = [c.matrix(keys[2 * i + 1], n) for i, c in grid_conns]
    grid_spiking = [
        (i, c, mat)
        for (i, c), mat in zip(grid_conns, grid_mats, strict=True)
        if c.source.output_kind() != "current"
    ]
    if per_spike and grid_spiking:
        grid_from = jnp.concatenate(
            [n + offsets[i] + jnp.arange(c.source.size) for i, c, _ in grid_spiking]
        )
        grid_rows = jnp.concatenate([c.rows(m, n).astype(fdtype) for _, c, m in grid_spiking])

    def grid_inputs(k):
        current = jnp.zeros(n, fdtype)
        jumps = jnp.zeros((n_syn, n), fdtype)  # summed weights per receptor
        counts = []
        for (i, c), mat in zip(grid_conns, grid_mats, strict=True):
            d, first, n_open = windows[i]
            k_src = k - d
            key_k = jax.random.fold_in(gen_keys[i], k_src)
            _, s = c.source.raw_advance(None, key_k, k_src, dt)
            s = jnp.where(window_open(k_src, first, n_open), s, 0)
            if c.source.output_kind() == "current":
                current = current + c.route(s, mat, n).astype(fdtype)
            elif per_spike:
                counts.append(s.astype(fdtype))
            else:
                jumps = jumps.at[c.receptor].add(c.route(s, mat, n).astype(fdtype))
        if per_spike and grid_spiking:
            counts = jnp.concatenate(counts)
            return current, lambda y: deliver(model, y, grid_from, counts, grid_rows)
        return current, lambda y: jump_receptors(model, y, jumps)

    def cond_values(t, y, current, armed, refr):
        c = model.spike_condition(t, y, {"I": current})
        g = jnp.where(armed, c, -c - hyst)
        return c, jnp.where(refr, -1.0, g)

    def vector_field(t, y, args):
        current, refr = args
        f = model.dynamics(t, y, {"I": current})
        return jnp.where(refr[:, None] & clamp[None, :], 0.0, f)

    # ---- one segment [t, t1]: returns (t_new, y_new, event?, ok) ---------------------

    def segment_diffrax(s: _Loop, t1, refr):
        # The solver runs in local time tau = t - s.t, from 0: at t = 300 ms float32 cannot
        # tell times closer than 3e-5 ms apart, but a steep upswing (Izhikevich FS, HH,
        # AdEx) needs smaller steps than that; near 0 they are representable.
        def local_field(t, y, args):
            return vector_field(s.t + t, y, args)

        def cond_fn(t, y, args, **kwargs):
            return jnp.max(cond_values(s.t + t, y, s.current, s.armed, refr)[1])

        # Newton stops when two iterates (times) agree and |condition| < atol. In float32
        # the condition (e.g. V - V_th in mV, rising ~100 mV/ms) is only resolved to
        # ~1e-4 near a spike: tolerances below that are never met and the solve fails.
        eps = float(jnp.finfo(fdtype).eps)
        root = optx.Newton(rtol=max(static.rtol, 64 * eps), atol=max(static.atol, 8 * eps**0.5))
        sol = diffrax.diffeqsolve(
            diffrax.ODETerm(local_field),
            static.solver,
            t0=jnp.zeros_like(s.t),
            t1=t1 - s.t,
            dt0=None,
            y0=s.y,
            args=(s.current, refr),
            saveat=diffrax.SaveAt(t1=True),
            stepsize_controller=diffrax.PIDController(rtol=static.rtol, atol=static.atol),
            event=diffrax.Event(cond_fn, root_finder=root, direction=True),
            max_steps=static.max_steps,
            throw=False,
        )
        event = sol.result == diffrax.RESULTS.event_occurred
        ok = event | (sol.result == diffrax.RESULTS.successful)
        return s.t + sol.ts[-1], sol.ys[-1], event, ok

    def segment_closed(s: _Loop, t1, refr):
        form = model.closed_form(s.y, {"I": s.current})
        col, v_inf, b, tau_m, tau_s = form.v_col, form.v_inf, form.b, form.tau_m, form.tau_s
        horizon = t1 - s.t
        theta = form.v_th - v_inf
        # b (N, K): one current per receptor, several exponentials (_receptor_crossing.py)
        several = jnp.ndim(b) == 2
        crossing, u_at = (receptors_crossing, receptors_u) if several else (lif_crossing, lif_u)
        cross = crossing(s.y[:, col] - v_inf, b, theta, tau_m, tau_s, horizon)
        cross = jnp.where(s.armed & ~refr, cross, jnp.inf)
        s_min = jnp.min(cross)
        event = s_min <= horizon
        h = jnp.where(event, s_min, horizon)
        v = v_inf + u_at(s.y[:, col] - v_inf, b, h, tau_m, tau_s)
        v = jnp.where(refr, s.y[:, col], v)
        # The crossing neurons sit exactly on the threshold.
        v = jnp.where(event & (cross <= s_min), jnp.broadcast_to(form.v_th, v.shape), v)
        y = s.y.at[:, col].set(v)
        for j, c in enumerate(form.decay_cols):
            tau_c = jnp.broadcast_to(tau_s, jnp.shape(b))[:, j] if several else tau_s
            y = y.at[:, c].set(s.y[:, c] * jnp.exp(-h / tau_c))
        return s.t + h, y, event, jnp.asarray(True)

    segment = segment_closed if static.closed_form else segment_diffrax

    # ---- spikes ----------------------------------------------------------------------

    def fire(s: _Loop, t, mask) -> _Loop:
        count = jnp.sum(mask, dtype=jnp.int32)
        overflow = s.n_spikes + count > m_buf
        pos = jnp.where(mask, s.n_spikes + jnp.cumsum(mask, dtype=jnp.int32) - 1, m_buf)
        spike_times = s.spike_times.at[pos].set(t, mode="drop")
        spike_ids = s.spike_ids.at[pos].set(jnp.arange(n, dtype=jnp.int32), mode="drop")
        b = jnp.clip(jnp.ceil(t / dt).astype(jnp.int32), 0, static.n_buf - 1)
        spikes = s.spikes.at[b].set(s.spikes[b] | mask)
        y = model.reset_spiked(s.y, mask)
        ref_until = jnp.where(mask, t + t_ref, s.ref_until)
        if w_rec is not None:
            w = w_rec.astype(fdtype)
            pre = jnp.arange(n)
            y = jump(y, lambda y: deliver(model, y, pre, mask.astype(fdtype), w), ref_until > t)
        c = model.spike_condition(t, y, {"I": s.current})
        armed = jnp.where(mask, c < -hyst, s.armed)
        new = s._replace(
            y=y,
            ref_until=ref_until,
            armed=armed,
            spike_times=spike_times,
            spike_ids=spike_ids,
            n_spikes=s.n_spikes + count,
            spikes=spikes,
        )
        # On overflow the state is left at the moment before the extra spike(s).
        return jax.tree_util.tree_map(
            lambda a, b_: jnp.where(overflow, a, b_),
            s._replace(t=t, overflow=jnp.asarray(True)),
            new._replace(t=t),
        )

    # ---- boundaries: samples, inputs, refractory ends --------------------------------

    def jump(y, receive, refr):
        # A refractory neuron's clamped states ignore input (as in the stepped engine).
        y_new = receive(y)
        return jnp.where(refr[:, None] & clamp[None, :], y, y_new)

    def at_boundary(s: _Loop, t, refr_before) -> _Loop:
        y, current, k = s.y, s.current, s.k
        refr = s.ref_until > t
        rec, finite = s.rec, s.finite
        if static.grid:
            on_grid = t >= k.astype(fdtype) * dt
            cur_k, jump_k = grid_inputs(k)
            current = jnp.where(on_grid, cur_k, current)
            y = jnp.where(on_grid, jump(y, jump_k, refr), y)
        due = (ex_pos >= s.head) & (ex_t <= t)
        if per_spike:
            due_counts = jnp.where(due, ex_c, 0.0)
            y = jump(y, lambda y: deliver(model, y, ex_f, due_counts, ex_r), refr)
        else:
            due_rec = jnp.stack([(due & (ex_rec == r)).astype(fdtype) for r in range(n_syn)])
            y = jump(y, lambda y: jump_receptors(model, y, due_rec @ ex_j), refr)
        head = s.head + jnp.sum(due, dtype=jnp.int32)
        if static.grid:
            # Samples are right-continuous: taken after the jumps at their time.
            idx = jnp.clip(k, 0, static.n_buf - 1)
            obs = model.observe(y)[:, jnp.array(static.cols, dtype=jnp.int32)]
            rec = rec.at[idx].set(jnp.where(on_grid, obs, rec[idx]))
            finite = finite.at[idx].set(jnp.where(on_grid, jnp.all(jnp.isfinite(y)), finite[idx]))
            k = jnp.where(on_grid, k + 1, k)
        ended = refr_before & ~refr
        c = model.spike_condition(t, y, {"I": current})
        armed = jnp.where(ended, c < -hyst, s.armed)
        return s._replace(
            t=t, y=y, current=current, k=k, head=head, armed=armed, rec=rec, finite=finite
        )

    # ---- the loop --------------------------------------------------------------------

    def advance(s: _Loop) -> _Loop:
        refr = s.ref_until > s.t
        t_in = jnp.where(s.head < n_ex, ex_t[jnp.minimum(s.head, n_ex - 1)], jnp.inf)
        t_grid = jnp.where(static.grid, s.k.astype(fdtype) * dt, jnp.inf)
        t_r = jnp.min(jnp.where(refr, s.ref_until, jnp.inf))
        t1 = jnp.minimum(jnp.minimum(t_in, t_grid), jnp.minimum(t_r, t_end))
        t1 = jnp.maximum(t1, s.t).astype(fdtype)
        t_new, y_new, event, ok = jax.lax.cond(
            t1 > s.t,
            lambda: jax.tree_util.tree_map(
                lambda a: a.astype(fdtype) if jnp.issubdtype(a.dtype, jnp.floating) else a,
                segment(s, t1, refr),
            ),
            lambda: (s.t, s.y, jnp.asarray(False), jnp.asarray(True)),
        )
        s = s._replace(y=y_new, solver_ok=s.solver_ok & ok)

        def on_event(s):
            _, g = cond_values(t_new, s.y, s.current, s.armed, refr)
            near = g >= jnp.max(g) - tie * (1.0 + jnp.abs(s.y[:, 0]))
            cand = (near | (jnp.arange(n) == jnp.argmax(g))) & ~refr
            spiking = cand & s.armed
            # A disarmed neuron (above threshold since its last spike) that fell back
            # below it is armed again; it does not spike.
            s = s._replace(t=t_new, armed=s.armed | cand)
            return fire(s, t_new, spiking)

        return jax.lax.cond(event, on_event, lambda s: at_boundary(s, t1, refr), s)

    def body(s: _Loop) -> _Loop:
        refr = s.ref_until > s.t
        c = model.spike_condition(s.t, s.y, {"I": s.current})
        s = s._replace(armed=s.armed | (c < -hyst), n_iter=s.n_iter + 1)
        instant = s.armed & ~refr & (c >= 0)
        return jax.lax.cond(jnp.any(instant), lambda s: fire(s, s.t, instant), advance, s)

    max_iter = static.n_buf + n_ex + 4 * m_buf + 16

    def cond(s: _Loop):
        running = (s.k <= n_samples) if static.grid else (s.t < t_end)
        return running & ~s.overflow & s.solver_ok & (s.n_iter < max_iter)

    n_rec = len(static.cols)
    init = _Loop(
        t=jnp.asarray(0.0, fdtype),
        y=y0,
        current=jnp.zeros(n, fdtype),
        head=jnp.asarray(0, jnp.int32),
        k=jnp.asarray(0, jnp.int32),
        ref_until=jnp.full(n, -jnp.inf, fdtype),
        armed=jnp.ones(n, bool),
        spike_times=jnp.full(m_buf, jnp.inf, fdtype),
        spike_ids=jnp.full(m_buf, -1, jnp.int32),
        n_spikes=jnp.asarray(0, jnp.int32),
        rec=jnp.full((static.n_buf, n, n_rec), jnp.nan, fdtype),
        spikes=jnp.zeros((static.n_buf, n), bool),
        finite=jnp.ones(static.n_buf, bool),
        overflow=jnp.asarray(False),
        solver_ok=jnp.asarray(True),
        n_iter=jnp.asarray(0, jnp.int32),
    )
    if static.grid:
        # Grid point 0: the sources of window 0 act at t = 0, then the first sample.
        init = at_boundary(init, init.t, jnp.zeros(n, bool))
    final = jax.lax.while_loop(cond, body, init)
    n_spikes = jnp.minimum(final.n_spikes, m_buf)
    return _Output(
        spike_times=final.spike_times,
        spike_ids=final.spike_ids,
        n_spikes=n_spikes,
        rec=final.rec,
        spikes=final.spikes,
        finite=final.finite,
        overflow=final.overflow | (final.n_iter >= max_iter),
        solver_ok=final.solver_ok,
        t_stop=final.t,
    )


def _exact_raster(spike_times, spike_ids, dt: float, shape) -> np.ndarray:
    """The raster of exact spike times: a spike at t marks sample ceil(t / dt), the first
    grid point at or after it (as the stepped engine marks a spike found in step k at
    sample k + 1), computed in exact arithmetic (`grid_index`) rather than in the float
    division inside the run, which can move a spike on a grid point by one sample."""
    raster = np.zeros(shape, bool)
    rows = grid_index(np.asarray(spike_times), dt, ceil=True)
    keep = (rows >= 0) & (rows < shape[0])
    raster[rows[keep], np.asarray(spike_ids)[keep]] = True
    return raster
