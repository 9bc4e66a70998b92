"""Sweeps: f-I curves and one-parameter bifurcation scans, one vmapped (and, with several
devices, sharded) run for all values."""

from __future__ import annotations

import dataclasses

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from ..core import INTEGRATORS, AbstractNeuronModel
from ._plane import (
    _check_model,
    _dedupe,
    _field_on,
    _finish,
    _limits,
    _solve_from,
    _starts,
    projection,
    step_fn,
)


def _set_param(model, name, value):
    return eqx.tree_at(lambda m: getattr(m, name), model, value)


@eqx.filter_jit
def _run_stats(model, param, values, currents, dt, n_steps, n_skip, method):
    """Per (value, current): spike count after `n_skip` steps, first and last spike step
    after it, min and max of the first state variable after it."""

    def one(value, current):
        m = model if param is None else _set_param(model, param, value)
        y0 = m.init_state(1)
        cur = jnp.reshape(current, (1,)).astype(y0.dtype)
        args = {"I": cur}
        step = step_fn(m, method, dt)
        c0 = jnp.minimum(m.spike_condition(0.0, y0, args), -1e-30)
        big = jnp.asarray(jnp.inf, y0.dtype)
        # The spike condition after the previous step is recomputed from the state, not
        # carried (in XLA's CPU loops each array written costs a kernel of its own).
        stats0 = (jnp.int32(0), jnp.int32(-1), jnp.int32(-1), big, -big)

        def body(state, i):
            (y, refractory), (count, first, last, vmin, vmax) = state
            t_prev = (i - 1) * dt + dt  # the previous step's t + dt, computed as it did
            c_prev = jnp.where(i == 0, c0, m.spike_condition(t_prev, y, args))
            (y, refractory, _, _), spiked = step((y, refractory, c_prev, cur), i * dt)
            after = i >= n_skip
            s = spiked[0] & after
            v = y[0, 0]
            stats = (
                count + s,
                jnp.where(s & (first < 0), i, first),
                jnp.where(s, i, last),
                jnp.where(after, jnp.minimum(vmin, v), vmin),
                jnp.where(after, jnp.maximum(vmax, v), vmax),
            )
            return ((y, refractory), stats), None

        # int32 step indices, as the stats hold them (arange is int64 under jax_enable_x64)
        steps = jnp.arange(n_steps, dtype=jnp.int32)
        carry0 = (y0, jnp.zeros(1, jnp.int32))
        (_, stats), _ = jax.lax.scan(body, (carry0, stats0), steps)
        return stats

    return jax.vmap(one)(values, currents)


def _sharded(fn, *arrays, devices=None):
    """Run `fn(*arrays)` with the leading axis split across `devices` (default: all local
    devices); pads to a multiple of their number and removes the padding after."""
    devices = jax.devices() if devices is None else list(devices)
    n = len(arrays[0])
    if len(devices) <= 1:
        return fn(*arrays)
    k = len(devices)
    pad = (-n) % k
    mesh = Mesh(np.array(devices), ("sweep",))
    sharding = NamedSharding(mesh, PartitionSpec("sweep"))
    padded = [
        jax.device_put(jnp.concatenate([a, jnp.repeat(a[-1:], pad, axis=0)]), sharding)
        for a in arrays
    ]
    out = fn(*padded)
    return jax.tree_util.tree_map(lambda o: o[:n], out)


def _rates(count, first, last, dt, window):
    """Rate in Hz: from the mean inter-spike interval when there are two or more spikes
    after the transient (no bias from where the window cuts the spike train), else the count
    over the window."""
    count, first, last = (np.asarray(a) for a in (count, first, last))
    span = (last - first) * dt
    isi_rate = np.where(count >= 2, (count - 1) / np.where(span > 0, span, 1.0), 0.0)
    return np.where(count >= 2, isi_rate, count / window) * 1000.0


@dataclasses.dataclass(frozen=True)
class FICurve:
    """An f-I curve.

    **Attributes:** `current` (pA), `rate` (Hz: 1000 / mean inter-spike interval in ms after
    the transient; 0 without spikes), `n_spikes` (after the transient), `V_min`, `V_max`
    (of the first state after the transient).
    """

    current: np.ndarray
    rate: np.ndarray
    n_spikes: np.ndarray
    V_min: np.ndarray
    V_max: np.ndarray

    def to_dataframe(self):
        """Columns `current`, `rate`, `n_spikes`, `V_min`, `V_max`."""
        import pandas as pd

        return pd.DataFrame(dataclasses.asdict(self))


def _check_run(model, duration, dt, transient, method):
    _check_model(model)
    method = getattr(model, "method", "rk4") if method is None else method
    if method not in INTEGRATORS:
        raise ValueError(f"method={method!r} is unknown; use one of {tuple(INTEGRATORS)}.")
    if not (dt > 0 and duration > 0 and dt < duration):
        raise ValueError(f"need 0 < dt={dt} < duration={duration} (ms).")
    transient = min(100.0, 0.2 * duration) if transient is None else float(transient)
    if not 0 <= transient < duration:
        raise ValueError(f"transient={transient} must lie in [0, duration={duration}) ms.")
    return method, int(round(duration / dt)), int(round(transient / dt)), duration - transient


def fi_curve(
    model: AbstractNeuronModel,
    currents,
    *,
    duration: float = 1000.0,
    dt: float = 0.1,
    method: str | None = None,
    transient: float | None = None,
    devices=None,
) -> FICurve:
    """Firing rate against a constant input current, all currents in one vmapped run.

    Each current drives one copy of `model` (size 1) from its initial state for `duration`
    ms with the stepped engine's rules; spikes after `transient` ms (default min(100 ms,
    duration / 5)) give the rate. With several devices the currents are sharded across
    them (`jax.sharding`), with the same result as on one.

    **Arguments:**

    - `model`: a continuous-time model; `currents`: 1-D array in pA (added to `I_e`).
    - `duration`, `dt`, `transient` in ms; `method`: integrator (default the model's).
    - `devices`: devices to shard over (default all; a list of one device disables it).

    **Returns:** an `FICurve`.
    """
    method, n_steps, n_skip, window = _check_run(model, duration, dt, transient, method)
    dtype = jnp.result_type(float)
    cur = jnp.asarray(np.ravel(currents), dtype)
    dummy = jnp.zeros_like(cur)
    fn = lambda v, i: _run_stats(  # noqa: E731
        model, None, v, i, jnp.asarray(dt, dtype), n_steps, n_skip, method
    )
    count, first, last, vmin, vmax = _sharded(fn, dummy, cur, devices=devices)
    rate = _rates(count, first, last, dt, window)
    return FICurve(np.asarray(cur), rate, np.asarray(count), np.asarray(vmin), np.asarray(vmax))


def lif_fi_curve(model, currents) -> np.ndarray:
    r"""The closed-form f-I curve of a LIF neuron, in Hz.

    $$f(I) = \left[\tau_{ref} + \tau \ln\frac{V_\infty - V_{reset}}{V_\infty - V_{th}}\right]^{-1},
      \quad V_\infty = V_{rest} + R (I_e + I) > V_{th},$$

    and 0 for $V_\infty \le V_{th}$. `model` is a `snnlab.neurons.LIF` (R in GOhm, I in pA,
    tau and tau_ref in ms).
    """
    i = np.asarray(currents, float)
    p = {
        k: float(np.ravel(getattr(model, k))[0])
        for k in ("tau", "R", "V_rest", "V_th", "V_reset", "tau_ref", "I_e")
    }
    v_inf = p["V_rest"] + p["R"] * (p["I_e"] + i)
    above = v_inf > p["V_th"]
    safe = np.where(above, v_inf, p["V_th"] + 1.0)
    period = p["tau_ref"] + p["tau"] * np.log((safe - p["V_reset"]) / (safe - p["V_th"]))
    return np.where(above, 1000.0 / period, 0.0)


@dataclasses.dataclass(frozen=True)
class Bifurcation:
    """A one-parameter scan.

    **Attributes:**

    - `param`: the scanned parameter ("I" for the external current); `values`.
    - `fixed_points`: a DataFrame, one row per fixed point and value: `value`, the states,
      `kind`, `stable`.
    - `rate`, `V_min`, `V_max`: arrays over `values` from a run at each value (Hz, and the
      range of the first state after the transient: the limit cycle's extent when it fires).
    """

    param: str
    values: np.ndarray
    fixed_points: object
    rate: np.ndarray
    V_min: np.ndarray
    V_max: np.ndarray

    def to_dataframe(self):
        """The run summary: columns `value`, `rate`, `V_min`, `V_max`."""
        import pandas as pd

        return pd.DataFrame(
            {"value": self.values, "rate": self.rate, "V_min": self.V_min, "V_max": self.V_max}
        )


def bifurcation(
    model: AbstractNeuronModel,
    param: str,
    values,
    *,
    current: float = 0.0,
    x: str | None = None,
    y: str | None = None,
    xlim=None,
    ylim=None,
    n_starts: int = 12,
    duration: float = 1000.0,
    dt: float = 0.1,
    method: str | None = None,
    transient: float | None = None,
    simulate: bool = True,
    devices=None,
) -> Bifurcation:
    """Fixed points with their stability, and the firing rate and V range, against one
    parameter.

    **Arguments:**

    - `param`: a parameter name of `model`, or "I" for the external current (pA).
    - `values`: 1-D array of values; `current`: the external current when `param` is not "I".
    - `x`, `y`, `xlim`, `ylim`, `n_starts`: the fixed-point search, as `fixed_points` (other
      states at their steady state).
    - `duration`, `dt`, `method`, `transient`: the runs, as `fi_curve`; `simulate=False`
      skips them (rates and ranges are then NaN).
    - `devices`: devices to shard the runs over.

    **Returns:** a `Bifurcation`.
    """
    import pandas as pd

    _check_model(model)
    if param != "I" and param not in model.parameter_specs():
        raise ValueError(
            f"param={param!r} is not a parameter of {type(model).__name__}; use 'I' or one of "
            f"{sorted(model.parameter_specs())}."
        )
    dtype = jnp.result_type(float)
    vals = jnp.asarray(np.ravel(values), dtype)
    is_current = param == "I"
    currents = vals if is_current else jnp.full_like(vals, current)
    proj = projection(model, x, y)
    lims = [_limits(model, proj.x, xlim)] + ([_limits(model, proj.y, ylim)] if proj.y else [])
    starts = jnp.asarray(_starts(lims, n_starts), dtype)

    rows = []
    for v, cur in zip(np.asarray(vals), np.asarray(currents), strict=True):
        m = model if is_current else _set_param(model, param, jnp.asarray(v, dtype))
        pts, res, ok, _ = (np.asarray(a) for a in _solve_from(m, proj, starts, jnp.asarray(cur)))
        scale = np.asarray(jnp.median(jnp.abs(_field_on(m, proj, starts, jnp.asarray(cur))), 0))
        lo = np.array([a for a, _ in lims])
        hi = np.array([b for _, b in lims])
        good = ok & np.all((pts >= lo) & (pts <= hi), 1) & np.all(res <= 1e-4 * scale + 1e-9, 1)
        g = pts[good]
        kept = np.array(_dedupe(g[np.argsort(g[:, 0])], lims, 1e-4)).reshape(-1, len(lims))
        fp = _finish(m, proj, kept, jnp.asarray(cur, dtype))
        df = fp.to_dataframe()
        df.insert(0, "value", v)
        rows.append(df)
    table = pd.concat(rows, ignore_index=True)

    n = len(vals)
    rate = vmin = vmax = np.full(n, np.nan)
    if simulate:
        method, n_steps, n_skip, window = _check_run(model, duration, dt, transient, method)
        fn = lambda v, i: _run_stats(  # noqa: E731
            model,
            None if is_current else param,
            v,
            i,
            jnp.asarray(dt, dtype),
            n_steps,
            n_skip,
            method,
        )
        count, first, last, vmin, vmax = _sharded(fn, vals, currents, devices=devices)
        rate = _rates(count, first, last, dt, window)
        vmin, vmax = np.asarray(vmin), np.asarray(vmax)
    return Bifurcation(param, np.asarray(vals), table, rate, vmin, vmax)
