"""A 2-D (or 1-D) view of a neuron model's state space, and the pieces built on it:
vector field, nullclines, fixed points with their class, trajectories, reset map."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optimistix as optx

from ..core import INTEGRATORS, AbstractNeuronModel
from ._contour import chain, contour_segments, edge_endpoints

_DEFAULT_LIMITS_BY_UNIT = {"mV": (-100.0, 60.0), "": (0.0, 1.0), "pA": (-200.0, 800.0)}


# ---------------------------------------------------------------------------------------
# The projection


@dataclasses.dataclass(frozen=True)
class Projection:
    """Which two state variables span the plane and what happens to the others.

    **Attributes:**

    - `x`, `y`: state names on the axes (`y` is None for a 1-state model: a phase line).
    - `others`: the remaining state names.
    - `mode`: "steady" (each other state at its steady state given x and y, found by a Newton
      solve, so the plane's fixed points are the full model's) or "fixed" (held at `held`).
    - `held`: values of the other states in "fixed" mode (from `init_state` unless given).
    - `note`: the same in words, for a plot title, e.g. "m, h at steady state".
    """

    x: str
    y: str | None
    others: tuple[str, ...]
    mode: str
    held: tuple[float, ...]
    note: str


def projection(
    model: AbstractNeuronModel,
    x: str | None = None,
    y: str | None = None,
    *,
    others: str = "steady",
    held: Mapping[str, float] | None = None,
) -> Projection:
    """Choose the plane of `model` to analyse.

    **Arguments:**

    - `model`: a continuous-time neuron model.
    - `x`, `y`: state names; default the first two of `model.state_names` ("V" and the next).
    - `others`: "steady" or "fixed" (see `Projection.mode`).
    - `held`: values of other states for "fixed" mode, by name; the rest from `init_state`.

    **Returns:** a `Projection`.
    """
    names = tuple(model.state_names)
    x = names[0] if x is None else x
    if y is None and len(names) > 1:
        y = next(n for n in names if n != x)
    for label, name in (("x", x), ("y", y)):
        if name is not None and name not in names:
            raise ValueError(f"{label}={name!r} is not a state of {type(model).__name__}: {names}.")
    if x == y:
        raise ValueError(f"x and y must differ, got {x!r} twice.")
    if others not in ("steady", "fixed"):
        raise ValueError(f"others={others!r} must be 'steady' or 'fixed'.")
    rest = tuple(n for n in names if n not in (x, y))
    init = np.asarray(model.init_state(1))[0]
    held = dict(held or {})
    unknown = set(held) - set(rest)
    if unknown:
        raise ValueError(f"held names {sorted(unknown)} are not other states; others are {rest}.")
    values = tuple(float(held.get(n, init[names.index(n)])) for n in rest)
    if not rest:
        note = ""
    elif others == "steady":
        note = f"{', '.join(rest)} at steady state"
    else:
        note = ", ".join(f"{n} = {v:.4g}" for n, v in zip(rest, values, strict=True)) + " (held)"
    return Projection(x, y, rest, others, values, note)


def _one(model, state, current):
    """dy/dt of one neuron: state (S,) -> (S,)."""
    return model.dynamics(0.0, state[None, :], {"I": jnp.reshape(current, (1,))})[0]


def _full_state(model, proj: Projection, point, current):
    """The full state (S,) for a plane point (1 or 2,), the other states filled in."""
    names = tuple(model.state_names)
    ix = [names.index(proj.x)] + ([names.index(proj.y)] if proj.y else [])
    io = [names.index(n) for n in proj.others]
    init = model.init_state(1)[0]
    state = init.at[jnp.array(ix)].set(point.astype(init.dtype))
    if not io:
        return state
    io = jnp.array(io)
    state = state.at[io].set(jnp.asarray(proj.held, init.dtype))
    if proj.mode == "fixed":
        return state

    def residual(z):
        return _one(model, state.at[io].set(z), current)[io]

    # A few plain Newton steps (no lineax): gating variables are linear in themselves, so
    # one step is exact for them; a non-finite value just propagates and is filtered later.
    def newton(_, z):
        return z - jnp.linalg.solve(jax.jacfwd(residual)(z), residual(z))

    return state.at[io].set(jax.lax.fori_loop(0, 8, newton, state[io]))


@jax.custom_jvp
def _finite(x):
    """Non-finite values replaced by a large number, with zero derivative there, so that
    Newton's linear solves never see NaN when an iterate leaves the model's domain."""
    return jnp.where(jnp.isfinite(x), x, 1e6)


@_finite.defjvp
def _finite_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return _finite(x), jnp.where(jnp.isfinite(x) & jnp.isfinite(t), t, 0.0)


def _plane_rhs(model, proj: Projection, point, current):
    names = tuple(model.state_names)
    ix = [names.index(proj.x)] + ([names.index(proj.y)] if proj.y else [])
    return _one(model, _full_state(model, proj, point, current), current)[jnp.array(ix)]


@eqx.filter_jit
def _field_on(model, proj, points, current):
    return jax.vmap(lambda p: _plane_rhs(model, proj, p, current))(points)


def _limits(model, name, given):
    if given is not None:
        lo, hi = map(float, given)
        if not lo < hi:
            raise ValueError(f"limits for {name} must be (low, high) with low < high, got {given}.")
        return lo, hi
    own = getattr(model, "phase_limits", {}).get(name)
    if own is not None:
        return own
    unit = dict(zip(model.state_names, model.state_units, strict=False)).get(name, "")
    return _DEFAULT_LIMITS_BY_UNIT.get(unit, (-1.0, 1.0))


def _check_model(model):
    if not isinstance(model, AbstractNeuronModel):
        raise ValueError(
            f"model must be a continuous-time neuron model, got {type(model).__name__}."
        )


# ---------------------------------------------------------------------------------------
# Vector field


@dataclasses.dataclass(frozen=True)
class VectorField:
    """The vector field on a grid of the plane.

    **Attributes:** `x`, `y` (1-D grids), `dx`, `dy` (arrays (ny, nx): dx/dt and dy/dt in the
    states' units per ms), `projection`.
    """

    x: np.ndarray
    y: np.ndarray
    dx: np.ndarray
    dy: np.ndarray
    projection: Projection


def vector_field(
    model: AbstractNeuronModel,
    x: str | None = None,
    y: str | None = None,
    *,
    xlim=None,
    ylim=None,
    n: int = 20,
    current: float = 0.0,
    others: str = "steady",
    held=None,
) -> VectorField:
    """Evaluate $(\\dot x, \\dot y)$ on an `n` x `n` grid.

    **Arguments:** `model`, `x`, `y`, `others`, `held` as in `projection`; `xlim`, `ylim` the
    axis ranges (defaults from the state's unit or the model's `phase_limits`); `n` grid
    points per axis; `current` the external input in pA (added to `I_e`).

    **Returns:** a `VectorField`.
    """
    _check_model(model)
    proj = projection(model, x, y, others=others, held=held)
    if proj.y is None:
        raise ValueError("vector_field needs two state variables; this model has one.")
    xs = np.linspace(*_limits(model, proj.x, xlim), n)
    ys = np.linspace(*_limits(model, proj.y, ylim), n)
    gx, gy = np.meshgrid(xs, ys)
    pts = jnp.asarray(np.stack([gx.ravel(), gy.ravel()], 1), jnp.result_type(float))
    f = np.asarray(_field_on(model, proj, pts, jnp.asarray(current, pts.dtype)))
    return VectorField(xs, ys, f[:, 0].reshape(gx.shape), f[:, 1].reshape(gx.shape), proj)


# ---------------------------------------------------------------------------------------
# Nullclines


@dataclasses.dataclass(frozen=True)
class Nullclines:
    """Nullclines as lists of separate polylines.

    **Attributes:**

    - `x`: polylines (arrays (K, 2) of (x, y) points) where dx/dt = 0.
    - `y`: polylines where dy/dt = 0.
    - `projection`: the plane.

    Two polylines are never joined: each is a connected piece of the zero set inside the
    window. Points are exact zeros along grid edges (refined by bisection), not a
    linear interpolation.
    """

    x: list[np.ndarray]
    y: list[np.ndarray]
    projection: Projection

    def to_dataframe(self):
        """Long table: columns `nullcline` (state name), `branch`, `x`, `y`."""
        import pandas as pd

        rows = []
        for which, lines in ((self.projection.x, self.x), (self.projection.y, self.y)):
            for b, line in enumerate(lines):
                rows.append(
                    pd.DataFrame(
                        {"nullcline": which, "branch": b, "x": line[:, 0], "y": line[:, 1]}
                    )
                )
        cols = ["nullcline", "branch", "x", "y"]
        return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=cols)


@eqx.filter_jit
def _bisect_edges(model, proj, p0, p1, component, current, n_iter=40):
    f0 = _field_on(model, proj, p0, current)[:, component]

    def body(_, carry):
        lo, hi, flo = carry
        mid = 0.5 * (lo + hi)
        fm = _field_on(model, proj, mid, current)[:, component]
        same = (fm > 0) == (flo > 0)
        lo = jnp.where(same[:, None], mid, lo)
        hi = jnp.where(same[:, None], hi, mid)
        flo = jnp.where(same, fm, flo)
        return lo, hi, flo

    lo, hi, _ = jax.lax.fori_loop(0, n_iter, body, (p0, p1, f0))
    return 0.5 * (lo + hi)


def nullclines(
    model: AbstractNeuronModel,
    x: str | None = None,
    y: str | None = None,
    *,
    xlim=None,
    ylim=None,
    n: int = 200,
    current: float = 0.0,
    others: str = "steady",
    held=None,
) -> Nullclines:
    """Nullclines of the plane: the zero sets of $\\dot x$ and of $\\dot y$.

    Each component is sampled on an `n` x `n` grid; marching squares picks the grid edges its
    zero set crosses and joins two crossings only inside one cell, so separate branches stay
    separate and vertical or horizontal nullclines are found like any other (the defects of
    solving y = g(x)); every point is then refined by bisection along its edge.

    **Arguments:** as `vector_field` (`n` default 200).

    **Returns:** `Nullclines`.
    """
    _check_model(model)
    proj = projection(model, x, y, others=others, held=held)
    if proj.y is None:
        raise ValueError("nullclines need two state variables; this model has one.")
    xs = np.linspace(*_limits(model, proj.x, xlim), n)
    ys = np.linspace(*_limits(model, proj.y, ylim), n)
    gx, gy = np.meshgrid(xs, ys)
    dtype = jnp.result_type(float)
    pts = jnp.asarray(np.stack([gx.ravel(), gy.ravel()], 1), dtype)
    cur = jnp.asarray(current, dtype)
    f = np.asarray(_field_on(model, proj, pts, cur)).reshape(n, n, 2)
    cx, cy = 0.5 * (xs[:-1] + xs[1:]), 0.5 * (ys[:-1] + ys[1:])
    mx, my = np.meshgrid(cx, cy)
    mid = jnp.asarray(np.stack([mx.ravel(), my.ravel()], 1), dtype)
    fc = np.asarray(_field_on(model, proj, mid, cur)).reshape(n - 1, n - 1, 2)
    result = []
    for comp in (0, 1):
        chains = chain(contour_segments(f[..., comp], fc[..., comp]))
        keys = sorted({k for c in chains for k in c})
        if not keys:
            result.append([])
            continue
        p0, p1 = edge_endpoints(keys, xs, ys)
        pts_ = np.asarray(
            _bisect_edges(model, proj, jnp.asarray(p0, dtype), jnp.asarray(p1, dtype), comp, cur)
        )
        where = {k: i for i, k in enumerate(keys)}
        result.append([pts_[[where[k] for k in c]] for c in chains])
    return Nullclines(result[0], result[1], proj)


# ---------------------------------------------------------------------------------------
# Fixed points


def classify(eigenvalues, tol: float = 1e-7) -> str:
    """The class of a fixed point from its Jacobian's eigenvalues.

    "stable node" (all real parts < 0, no rotation), "stable focus" (< 0 with complex
    eigenvalues), "unstable node", "unstable focus", "saddle" (real parts of both signs),
    "center" (purely imaginary), "non-hyperbolic" (a zero eigenvalue). A real part counts as
    zero when below `tol` times (1 + the largest modulus).
    """
    ev = np.asarray(eigenvalues, complex)
    scale = tol * (1.0 + np.max(np.abs(ev)))
    re, im = ev.real, np.abs(ev.imag)
    pos, neg = re > scale, re < -scale
    rotating = np.any(im > scale)
    if pos.any() and neg.any():
        return "saddle"
    if (~pos & ~neg).any():
        return "center" if rotating and not (pos.any() or neg.any()) else "non-hyperbolic"
    side = "stable" if neg.all() else "unstable"
    return f"{side} {'focus' if rotating else 'node'}"


@dataclasses.dataclass(frozen=True)
class FixedPoints:
    """Fixed points found in a window of the plane.

    **Attributes:**

    - `states`: array (K, S), the full state of each fixed point (columns `state_names`).
    - `eigenvalues`: array (K, S) complex, of the full Jacobian (or the 2 x 2 plane Jacobian,
      padded with NaN, when other states are held fixed).
    - `kinds`: the class of each (see `classify`).
    - `state_names`, `projection`.
    """

    states: np.ndarray
    eigenvalues: np.ndarray
    kinds: list[str]
    state_names: tuple[str, ...]
    projection: Projection

    @property
    def stable(self) -> np.ndarray:
        """Boolean (K,): all real parts of the eigenvalues negative."""
        return np.array([k.startswith("stable") for k in self.kinds], bool)

    def __len__(self):
        return len(self.kinds)

    def to_dataframe(self):
        """One row per fixed point: the states, `kind`, `stable`, `eig_0`, `eig_1`, ..."""
        import pandas as pd

        df = pd.DataFrame(self.states, columns=list(self.state_names))
        df["kind"] = self.kinds
        df["stable"] = self.stable
        for k in range(self.eigenvalues.shape[1]):
            df[f"eig_{k}"] = self.eigenvalues[:, k]
        return df


def _starts(lims, n_starts):
    grids = [np.linspace(lo, hi, n_starts) for lo, hi in lims]
    mesh = np.meshgrid(*grids)
    return np.stack([m.ravel() for m in mesh], 1)


@eqx.filter_jit
def _solve_from(model, proj, starts, current):
    def one(p0):
        sol = optx.root_find(
            lambda p, _: _finite(_plane_rhs(model, proj, p, current)),
            optx.Newton(rtol=1e-6, atol=1e-6),
            p0,
            max_steps=100,
            throw=False,
        )
        p = sol.value
        res = _plane_rhs(model, proj, p, current)
        state = _full_state(model, proj, p, current)
        return p, jnp.abs(res), jnp.all(jnp.isfinite(p) & jnp.isfinite(res)), state

    return jax.vmap(one)(starts)


@eqx.filter_jit
def _jacobians(model, proj, points, states, current):
    full = jax.vmap(lambda s: jax.jacfwd(lambda z: _one(model, z, current))(s))(states)
    plane = jax.vmap(jax.jacfwd(lambda p: _plane_rhs(model, proj, p, current)))(points)
    return full, plane


def _dedupe(points, lims, rel_tol):
    span = np.array([hi - lo for lo, hi in lims])
    kept: list[np.ndarray] = []
    for p in points:
        if all(np.max(np.abs(p - q) / span) > rel_tol for q in kept):
            kept.append(p)
    return kept


def fixed_points(
    model: AbstractNeuronModel,
    x: str | None = None,
    y: str | None = None,
    *,
    xlim=None,
    ylim=None,
    current: float = 0.0,
    n_starts: int = 12,
    others: str = "steady",
    held=None,
    rel_tol: float = 1e-4,
) -> FixedPoints:
    """Fixed points in a window, found with optimistix from a grid of starts.

    Newton's method (optimistix) starts from an `n_starts` x `n_starts` grid (`n_starts`
    points for a 1-state model); converged roots inside the window with a residual below
    1e-4 times the field's median size in the window are kept once (two roots closer than
    `rel_tol` times the window's span are the same). Each is classified from the eigenvalues
    of the Jacobian (`jax.jacfwd`): of the full model in "steady" mode (the plane's fixed
    points are then the model's), of the plane in "fixed" mode.

    **Arguments:** as `vector_field`, plus `n_starts` and `rel_tol`.

    **Returns:** `FixedPoints`, sorted by x.
    """
    _check_model(model)
    proj = projection(model, x, y, others=others, held=held)
    names = [proj.x] + ([proj.y] if proj.y else [])
    lims = [_limits(model, proj.x, xlim)] + ([_limits(model, proj.y, ylim)] if proj.y else [])
    dtype = jnp.result_type(float)
    cur = jnp.asarray(current, dtype)
    starts = jnp.asarray(_starts(lims, n_starts), dtype)
    pts, res, ok, _ = (np.asarray(a) for a in _solve_from(model, proj, starts, cur))
    # Converged means a residual far below the field's typical size in the window (optimistix'
    # own flag is too strict in float32, whose roundoff limits the attainable residual).
    scale = np.asarray(jnp.median(jnp.abs(_field_on(model, proj, starts, cur)), axis=0))
    small = np.all(res <= 1e-4 * scale + 1e-9, axis=1)
    lo = np.array([lo for lo, _ in lims])
    hi = np.array([hi for _, hi in lims])
    inside = np.all((pts >= lo) & (pts <= hi), axis=1)
    good = pts[ok & inside & small]
    kept = _dedupe(good[np.argsort(good[:, 0])], lims, rel_tol)
    return _finish(model, proj, np.array(kept).reshape(-1, len(names)), cur)


def _finish(model, proj, kept, cur) -> FixedPoints:
    dtype = jnp.result_type(float)
    names = tuple(model.state_names)
    s = len(names)
    if len(kept) == 0:
        return FixedPoints(np.zeros((0, s)), np.zeros((0, s), complex), [], names, proj)
    pts = jnp.asarray(kept, dtype)
    states = jax.vmap(lambda p: _full_state(model, proj, p, cur))(pts)
    full, plane = (np.asarray(a, float) for a in _jacobians(model, proj, pts, states, cur))
    eigs = np.full((len(kept), s), np.nan + 0j)
    kinds = []
    for k in range(len(kept)):
        if proj.mode == "steady" or not proj.others:
            ev = np.linalg.eigvals(full[k])
        else:
            ev = np.linalg.eigvals(plane[k])
        eigs[k, : len(ev)] = ev
        kinds.append(classify(ev))
    return FixedPoints(np.asarray(states, float), eigs, kinds, names, proj)


# ---------------------------------------------------------------------------------------
# Trajectories


@dataclasses.dataclass(frozen=True)
class Trajectory:
    """Trajectories from one or more starting states.

    **Attributes:** `t` (T,) in ms; `states` (T, K, S) for K starts; `spike_times`: a list of
    K arrays (ms; a spike is where the model's reset, if any, was applied); `state_names`.
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
    `(y, refractory_steps, c_prev, current)`."""
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
    - `duration`, `dt` in ms; `current` in pA; `method` one of the stepped integrators.
    - `x`, `y`, `others`, `held`: the projection the plane points refer to.

    **Returns:** a `Trajectory`. The same step rules as `snnlab.simulate(engine="stepped")`.
    """
    _check_model(model)
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
            pts = jnp.asarray(arr, dtype)
            y0 = np.asarray(jax.vmap(lambda p: _full_state(model, proj, p, cur))(pts))
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


# ---------------------------------------------------------------------------------------
# Reset map of integrate-and-fire models


@dataclasses.dataclass(frozen=True)
class ResetMap:
    """The hybrid part of an integrate-and-fire model drawn on the plane.

    **Attributes:**

    - `threshold`: polylines (K, 2) where the spike condition is zero (e.g. V = V_peak).
    - `reset`: polylines (K, 2): the images of the threshold points under the reset.
    - `jumps`: array (M, 2, 2): sample arrows (from threshold point, to reset point).
    - `projection`.
    """

    threshold: list[np.ndarray]
    reset: list[np.ndarray]
    jumps: np.ndarray
    projection: Projection


def reset_map(
    model: AbstractNeuronModel,
    x: str | None = None,
    y: str | None = None,
    *,
    xlim=None,
    ylim=None,
    n: int = 200,
    n_jumps: int = 8,
    current: float = 0.0,
    others: str = "steady",
    held=None,
) -> ResetMap | None:
    """The threshold line and the jump to reset of an integrate-and-fire model.

    The threshold is the zero set of `spike_condition` in the window (found like a
    nullcline); each of its points is mapped by `reset_spiked`. A model whose reset leaves
    the state unchanged (HH, Morris-Lecar, FitzHugh-Nagumo) has no reset map: None.

    **Arguments:** as `nullclines`, plus `n_jumps` sample arrows.

    **Returns:** a `ResetMap` or None.
    """
    _check_model(model)
    proj = projection(model, x, y, others=others, held=held)
    if proj.y is None:
        raise ValueError("reset_map needs two state variables; this model has one.")
    names = tuple(model.state_names)
    ix = jnp.array([names.index(proj.x), names.index(proj.y)])
    xs = np.linspace(*_limits(model, proj.x, xlim), n)
    ys = np.linspace(*_limits(model, proj.y, ylim), n)
    gx, gy = np.meshgrid(xs, ys)
    dtype = jnp.result_type(float)
    cur = jnp.asarray(current, dtype)
    pts = jnp.asarray(np.stack([gx.ravel(), gy.ravel()], 1), dtype)

    @jax.jit
    def cond_and_reset(p):
        states = jax.vmap(lambda q: _full_state(model, proj, q, cur))(p)
        c = model.spike_condition(0.0, states, {"I": jnp.broadcast_to(cur, (len(p),))})
        after = model.reset_spiked(states, jnp.ones(len(p), bool))
        return c, after[:, ix]

    c, _ = cond_and_reset(pts)
    c = np.asarray(c).reshape(n, n)
    chains = chain(contour_segments(c))
    if not chains:
        return ResetMap([], [], np.zeros((0, 2, 2)), proj)
    thresholds, resets = [], []
    for ch in chains:
        p0, p1 = edge_endpoints(ch, xs, ys)
        c0 = np.asarray(cond_and_reset(jnp.asarray(p0, dtype))[0])
        c1 = np.asarray(cond_and_reset(jnp.asarray(p1, dtype))[0])
        frac = np.clip(c0 / np.where(c0 == c1, 1.0, c0 - c1), 0.0, 1.0)[:, None]
        line = p0 + frac * (p1 - p0)
        thresholds.append(line)
        resets.append(np.asarray(cond_and_reset(jnp.asarray(line, dtype))[1]))
    allt = np.concatenate(thresholds)
    allr = np.concatenate(resets)
    if np.allclose(allt, allr):
        return None
    pick = np.linspace(0, len(allt) - 1, n_jumps).round().astype(int)
    jumps = np.stack([allt[pick], allr[pick]], axis=1)
    return ResetMap(thresholds, resets, jumps, proj)
