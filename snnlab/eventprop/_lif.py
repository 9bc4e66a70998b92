"""An event-based LIF layer with exponential synapses and its EventProp adjoint.

Units as in jaxsnn: seconds, unitless voltages. Between events every neuron follows

    tau_mem dV/dt = v_leak - V + I,        tau_syn dI/dt = -I,

an input spike of input j adds `weights[j]` to I, a spike of neuron n (V reaches v_th
from below) sets V_n = v_reset and adds `recurrent[n]` to I. There is no refractory
period.

The gradient is the EventProp adjoint (Wunderlich & Pehle 2021), derived here for this
system (see `adjoint_propagator` and `_backward`): with x = (V, I) and dx/dt = A x +
const, the adjoint lambda = dL/dx(t) obeys d lambda/dt = -A^T lambda between events,
so backwards in time it is propagated by exp(A^T s) in closed form. At a spike of
neuron n at t_s (condition V_n = v_th, jump g) only lambda_V[n] jumps:

    lambda_V[n]^- = (Q - dL/dt_s) / Vdot_n^-,     Vdot_n^- = (v_leak - v_th + I_n^-) / tau_mem,
    Q = (f^+ - dg f^-) . lambda^+
      = lambda_V[n]^+ (v_leak - v_reset + I_n^+) / tau_mem
        + sum_{m != n} W_rec[n, m] lambda_V[m]^+ / tau_mem
        - sum_m W_rec[n, m] lambda_I[m]^+ / tau_syn,

with f^-/f^+ the vector field before and after the jump. Weights enter only through
additive jumps of I, so dL/dW_in[j] and dL/dW_rec[n] collect lambda_I at the input and
spike times. The time of an input spike of input j gets
dL/dt_j = -sum_m W_in[j, m] (lambda_V[m] / tau_mem - lambda_I[m] / tau_syn).

Parameters p = (tau_mem, tau_syn, v_th, v_leak, v_reset). Perturbing p moves the
trajectory through three routes, each closed by the same adjoint:

1. the flow: on a segment from an event at t_k (state x_k^+) to the next at t_{k+1},
   x(t_{k+1}^-) = Phi(x_k^+, t_{k+1} - t_k; p), so dL/dp collects
   lambda(t_{k+1}^-) . dPhi/dp (the integral of lambda . df/dp over the segment).
   Phi is `lif_flow`, a closed form, so this term is exact: its vector-Jacobian
   product is taken by autodiff of the closed form, not by quadrature. The first
   segment starts from x(0) = (v_leak, 0), which adds lambda_V(0) to dL/dv_leak.
2. the threshold: the spike time solves V_n(t_s; p) = v_th, so
   delta t_s = -(delta V_n^- - delta v_th) / Vdot_n^-, and the same algebra that gives
   lambda_V[n]^- above gives dL/dv_th += (dL/dt_s - Q) / Vdot_n^- = -lambda_V[n]^-.
3. the reset: V_n^+ = v_reset, so dL/dv_reset += lambda_V[n]^+.

The spike times' dependence on each parameter through the pre-spike state is the
lambda_V[n]^- jump itself, so nothing else is needed. Unused output slots hold t_max,
whose gradient is their summed cotangent.
"""

from __future__ import annotations

from typing import NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from ..core import lif_crossing, lif_u, phi1


class LIFParameters(eqx.Module):
    """Parameters of the event-based LIF layer (jaxsnn's names, defaults and units).

    **Arguments:**

    - `tau_syn`: synaptic time constant (s).
    - `tau_mem`: membrane time constant (s).
    - `v_th`: threshold (unitless).
    - `v_leak`: leak (resting) potential (unitless).
    - `v_reset`: potential after a spike (unitless, below `v_th`).

    Fields are array leaves: new values do not recompile. Where tau_mem = 2 tau_syn the
    spike time is the closed form of a quadratic (as jaxsnn's `ttfs_solver`); otherwise a
    bracketed Newton search finds it, exact to rounding as well.
    """

    tau_syn: jax.Array = eqx.field(converter=jnp.asarray, default=5e-3)
    tau_mem: jax.Array = eqx.field(converter=jnp.asarray, default=1e-2)
    v_th: jax.Array = eqx.field(converter=jnp.asarray, default=0.6)
    v_leak: jax.Array = eqx.field(converter=jnp.asarray, default=0.0)
    v_reset: jax.Array = eqx.field(converter=jnp.asarray, default=0.0)

    def __check_init__(self):
        for name in ("tau_syn", "tau_mem"):
            v = getattr(self, name)
            if not isinstance(v, jax.core.Tracer) and not bool(jnp.all(v > 0)):
                raise ValueError(f"LIFParameters: {name}={v} must be > 0 (seconds).")
        if not any(isinstance(v, jax.core.Tracer) for v in (self.v_th, self.v_reset)):
            if not bool(jnp.all(self.v_reset < self.v_th)):
                raise ValueError(
                    f"LIFParameters: v_reset={self.v_reset} must lie below v_th={self.v_th}."
                )

    @property
    def dynamics(self) -> jax.Array:
        """The matrix A of d(V, I)/dt = A (V, I) (+ v_leak / tau_mem), in 1/s."""
        return jnp.array([[-1.0 / self.tau_mem, 1.0 / self.tau_mem], [0.0, -1.0 / self.tau_syn]])

    def as_dict(self) -> dict:
        """The parameters by name."""
        return {k: getattr(self, k) for k in ("tau_syn", "tau_mem", "v_th", "v_leak", "v_reset")}


class Spikes(NamedTuple):
    """Output of `lif_layer`, in order of occurrence.

    **Fields:** `time` `(max_spikes,)` in s (`t_max` in unused slots), `idx`
    `(max_spikes,)` the neuron (-1 in unused slots), `count` the number of spikes found
    (a value equal to `max_spikes` may mean that later spikes were cut off: raise it).
    """

    time: jax.Array
    idx: jax.Array
    count: jax.Array


def lif_flow(params: LIFParameters, v, i, s):
    """State (V, I) after `s` seconds without events, from (V, I) (closed form).

    **Returns:** `(V, I)` at time `s` (unitless).
    """
    u = lif_u(v - params.v_leak, i, s, params.tau_mem, params.tau_syn)
    return params.v_leak + u, i * jnp.exp(-s / params.tau_syn)


def adjoint_propagator(params: LIFParameters, s) -> jax.Array:
    """exp(A^T s) in closed form: maps (lambda_V, lambda_I) at time t + s to time t.

    lambda_V decays with tau_mem; lambda_I decays with tau_syn and is fed by lambda_V:

        [[e^{-s/tau_mem}, 0],
         [(s / tau_mem) e^{-s/tau_syn} phi1(s (1/tau_syn - 1/tau_mem)), e^{-s/tau_syn}]]

    (finite at tau_mem = tau_syn). **Arguments:** `s` >= 0 in seconds (scalar).
    **Returns:** a `(2, 2)` array.
    """
    tm, ts = params.tau_mem, params.tau_syn
    em, es = jnp.exp(-s / tm), jnp.exp(-s / ts)
    off = (s / tm) * es * phi1(s * (1.0 / ts - 1.0 / tm))
    zero = jnp.zeros_like(em)
    return jnp.array([[em, zero], [off, es]])


# ---------------------------------------------------------------------------------------
# Forward: one event per scan step (an input spike, an own spike, or nothing).
# ---------------------------------------------------------------------------------------


class _Residual(NamedTuple):
    kind: jax.Array  # 0 input, 1 own spike, -1 none
    time: jax.Array
    idx: jax.Array  # the input position (kind 0) or the neuron (kind 1)
    slot: jax.Array  # the spike's slot in the output (kind 1)
    i_minus: jax.Array  # I of the spiking neuron just before its spike
    v_plus: jax.Array  # V of every neuron just after the event
    i_plus: jax.Array  # I of every neuron just after the event


def _forward(w_in, w_rec, input_times, input_idx, params, t_max, max_spikes, first_only):
    n_in, n = w_in.shape
    n_inputs = input_times.shape[0]
    dtype = w_in.dtype
    t_max = jnp.asarray(t_max, dtype)
    theta = params.v_th - params.v_leak

    def step(carry, _):
        t, v, i, head, n_sp, done, times, ids = carry
        t_in = jnp.where(head < n_inputs, input_times[jnp.minimum(head, n_inputs - 1)], jnp.inf)
        t_next = jnp.minimum(t_in, t_max)
        horizon = jnp.maximum(t_next - t, 0.0)
        cross = lif_crossing(v - params.v_leak, i, theta, params.tau_mem, params.tau_syn, horizon)
        cross = jnp.where(done, jnp.inf, cross)
        nrn = jnp.argmin(cross)
        s_sp = cross[nrn]
        spike = (s_sp <= horizon) & (n_sp < max_spikes)
        is_input = ~spike & (t_in <= t_max)
        s = jnp.where(spike, s_sp, jnp.where(is_input, horizon, 0.0))
        v_s, i_s = lif_flow(params, v, i, s)
        t_new = t + s
        onehot = jnp.arange(n) == nrn
        # own spike
        v_sp = jnp.where(onehot, params.v_reset, v_s)
        i_sp = i_s + (w_rec[nrn] if w_rec is not None else 0.0)
        # input spike
        j = input_idx[jnp.minimum(head, n_inputs - 1)]
        i_in = i_s + w_in[jnp.clip(j, 0, n_in - 1)] * (j >= 0)
        v = jnp.where(spike, v_sp, v_s)
        i = jnp.where(spike, i_sp, jnp.where(is_input, i_in, i_s))
        slot = jnp.where(spike, n_sp, max_spikes)
        times = times.at[slot].set(t_new, mode="drop")
        ids = ids.at[slot].set(nrn.astype(jnp.int32), mode="drop")
        if first_only:
            done = done | (onehot & spike)
        res = _Residual(
            kind=jnp.where(spike, 1, jnp.where(is_input, 0, -1)).astype(jnp.int32),
            time=t_new,
            idx=jnp.where(spike, nrn, head).astype(jnp.int32),
            slot=slot.astype(jnp.int32),
            i_minus=i_s[nrn],
            v_plus=v,
            i_plus=i,
        )
        head = head + is_input.astype(jnp.int32)
        n_sp = n_sp + spike.astype(jnp.int32)
        return (t_new, v, i, head, n_sp, done, times, ids), res

    v0 = jnp.full(n, params.v_leak, dtype)
    init = (
        jnp.asarray(0.0, dtype),
        v0,
        jnp.zeros(n, dtype),
        jnp.asarray(0, jnp.int32),
        jnp.asarray(0, jnp.int32),
        jnp.zeros(n, bool),
        jnp.full(max_spikes, t_max, dtype),
        jnp.full(max_spikes, -1, jnp.int32),
    )
    carry, res = jax.lax.scan(step, init, None, length=n_inputs + max_spikes)
    _, _, _, _, n_sp, _, times, ids = carry
    return Spikes(times, ids, n_sp), res


# ---------------------------------------------------------------------------------------
# Backward: the adjoint, one event per reverse scan step.
# ---------------------------------------------------------------------------------------


def _backward(w_in, w_rec, input_idx, params, t_max, res: _Residual, g_time):
    n_in, n = w_in.shape
    n_inputs = input_idx.shape[0]
    dtype = w_in.dtype
    tm, ts = params.tau_mem, params.tau_syn
    w_r = w_rec if w_rec is not None else jnp.zeros((n, n), dtype)
    g_time = jnp.concatenate([g_time, jnp.zeros(1, dtype)])  # slot max_spikes: no spike

    def step(carry, r: _Residual):
        lam_v, lam_i, t_later, g_in, g_rec, g_tin, g_p = carry
        active = r.kind >= 0
        s = jnp.where(active, jnp.maximum(t_later - r.time, 0.0), 0.0)
        # route 1: the flow from this event to the later one depends on the parameters
        g_p = _add(g_p, _flow_vjp(params, r.v_plus, r.i_plus, s, lam_v, lam_i))
        prop = adjoint_propagator(params, s)
        lam_v, lam_i = prop[0, 0] * lam_v, prop[1, 0] * lam_v + prop[1, 1] * lam_i
        t_later = jnp.where(active, r.time, t_later)

        # Input spike: weights of its input row, and its time.
        pos = jnp.clip(r.idx, 0, n_inputs - 1)
        j = input_idx[pos]
        is_in = (r.kind == 0) & (j >= 0)
        jc = jnp.clip(j, 0, n_in - 1)
        g_in = g_in.at[jc].add(jnp.where(is_in, lam_i, 0.0))
        dt_in = -jnp.sum(w_in[jc] * (lam_v / tm - lam_i / ts))
        g_tin = g_tin.at[pos].add(jnp.where(is_in, dt_in, 0.0))

        # Own spike of neuron nrn.
        is_sp = r.kind == 1
        nrn = jnp.clip(r.idx, 0, n - 1)
        onehot = jnp.arange(n) == nrn
        w_row = w_r[nrn]
        i_plus = r.i_minus + w_row[nrn]
        q = (
            lam_v[nrn] * (params.v_leak - params.v_reset + i_plus) / tm
            + jnp.sum(jnp.where(onehot, 0.0, w_row * lam_v)) / tm
            - jnp.sum(w_row * lam_i) / ts
        )
        v_dot = (params.v_leak - params.v_th + r.i_minus) / tm
        v_dot = jnp.where(v_dot > 0, v_dot, jnp.finfo(dtype).tiny)
        lam_new = (q - g_time[r.slot]) / v_dot
        # routes 2 and 3: the threshold sets the spike time, the reset the new V
        g_p = _add(
            g_p,
            _spike_terms(
                params, jnp.where(is_sp, -lam_new, 0.0), jnp.where(is_sp, lam_v[nrn], 0.0)
            ),
        )
        lam_v = jnp.where(is_sp & onehot, lam_new, lam_v)
        g_rec = g_rec.at[nrn].add(jnp.where(is_sp, lam_i, 0.0))
        return (lam_v, lam_i, t_later, g_in, g_rec, g_tin, g_p), None

    init = (
        jnp.zeros(n, dtype),
        jnp.zeros(n, dtype),
        jnp.asarray(t_max, dtype),
        jnp.zeros((n_in, n), dtype),
        jnp.zeros((n, n), dtype),
        jnp.zeros(n_inputs, dtype),
        jax.tree_util.tree_map(jnp.zeros_like, params),
    )
    final, _ = jax.lax.scan(step, init, res, reverse=True)
    lam_v, lam_i, t_first, g_in, g_rec, g_tin, g_p = final

    # the first segment, from x(0) = (v_leak, 0): its flow and its start depend on p
    def from_start(p):
        return lif_flow(
            p, jnp.broadcast_to(p.v_leak, (n,)).astype(dtype), jnp.zeros(n, dtype), t_first
        )

    _, vjp = jax.vjp(from_start, params)
    g_p = _add(g_p, vjp((lam_v, lam_i))[0])
    return g_in, g_rec, g_tin, g_p


def _add(a, b):
    return jax.tree_util.tree_map(jnp.add, a, b)


def _flow_vjp(params, v, i, s, lam_v, lam_i):
    """lambda(t + s) . dPhi/dp for the closed-form flow over s from (v, i)."""
    _, vjp = jax.vjp(lambda p: lif_flow(p, v, i, s), params)
    return vjp((lam_v, lam_i))[0]


def _spike_terms(params, d_vth, d_vreset):
    """The parameter cotangent with `d_vth` on v_th and `d_vreset` on v_reset (summed over
    neurons where the parameters are scalars)."""
    zero = jax.tree_util.tree_map(jnp.zeros_like, params)
    return eqx.tree_at(
        lambda p: (p.v_th, p.v_reset),
        zero,
        (
            jnp.broadcast_to(d_vth, params.v_th.shape).astype(params.v_th.dtype),
            jnp.broadcast_to(d_vreset, params.v_reset.shape).astype(params.v_reset.dtype),
        ),
    )


def _make_layer(max_spikes: int, first_only: bool, recurrent: bool):
    @jax.custom_vjp
    def layer(w_in, w_rec, input_times, input_idx, params, t_max):
        spikes, _ = _forward(
            w_in,
            w_rec if recurrent else None,
            input_times,
            input_idx,
            params,
            t_max,
            max_spikes,
            first_only,
        )
        return spikes.time, spikes.idx, spikes.count

    def fwd(w_in, w_rec, input_times, input_idx, params, t_max):
        spikes, res = _forward(
            w_in,
            w_rec if recurrent else None,
            input_times,
            input_idx,
            params,
            t_max,
            max_spikes,
            first_only,
        )
        return (spikes.time, spikes.idx, spikes.count), (
            w_in,
            w_rec,
            input_idx,
            params,
            t_max,
            res,
            spikes.idx,
        )

    def bwd(saved, cotangents):
        w_in, w_rec, input_idx, params, t_max, res, idx = saved
        g_time = cotangents[0]
        g_in, g_rec, g_tin, g_params = _backward(
            w_in, w_rec if recurrent else None, input_idx, params, t_max, res, g_time
        )
        # unused output slots hold t_max
        g_tmax = jnp.sum(jnp.where(idx < 0, g_time, 0.0)).astype(t_max.dtype)
        return (
            g_in,
            g_rec if recurrent else jnp.zeros_like(w_rec),
            g_tin,
            np.zeros(input_idx.shape, jax.dtypes.float0),
            g_params,
            g_tmax,
        )

    layer.defvjp(fwd, bwd)
    return layer


_LAYERS: dict = {}


def _layer_fn(max_spikes, first_only, recurrent):
    key = (max_spikes, first_only, recurrent)
    if key not in _LAYERS:
        _LAYERS[key] = _make_layer(*key)
    return _LAYERS[key]


def _check_inputs(weights, input_times, input_idx, recurrent, max_spikes):
    if isinstance(max_spikes, bool) or not isinstance(max_spikes, (int, np.integer)):
        raise ValueError(f"max_spikes={max_spikes!r} must be an integer >= 1.")
    if max_spikes < 1:
        raise ValueError(f"max_spikes={max_spikes!r} must be an integer >= 1.")
    if jnp.ndim(weights) != 2:
        raise ValueError(f"weights must have shape (n_in, n_out), got {jnp.shape(weights)}.")
    n_in, n = jnp.shape(weights)
    if jnp.ndim(input_times) != 1 or jnp.shape(input_idx) != jnp.shape(input_times):
        raise ValueError(
            "input_times and input_idx must be 1-D arrays of the same length, got "
            f"{jnp.shape(input_times)} and {jnp.shape(input_idx)}."
        )
    if recurrent is not None and jnp.shape(recurrent) != (n, n):
        raise ValueError(f"recurrent must have shape ({n}, {n}), got {jnp.shape(recurrent)}.")
    if not isinstance(input_times, jax.core.Tracer):
        t = np.asarray(input_times)
        if np.any(np.isnan(t)) or np.any(t < 0):
            raise ValueError("input_times must be >= 0 s (inf marks padding).")
        if np.any(np.diff(t) < 0):
            raise ValueError("input_times must be sorted in non-decreasing order.")
    if not isinstance(input_idx, jax.core.Tracer):
        j = np.asarray(input_idx)
        if not np.issubdtype(j.dtype, np.integer):
            raise ValueError(f"input_idx must be integers, got dtype {j.dtype}.")
        if np.any(j >= n_in) or np.any(j < -1):
            raise ValueError(f"input_idx must lie in [0, {n_in}) (-1 marks padding).")


def lif_layer(
    weights,
    input_times,
    input_idx,
    params: LIFParameters | None = None,
    *,
    t_max,
    max_spikes: int,
    recurrent=None,
    first_only: bool = False,
) -> Spikes:
    """All spikes of an event-based LIF layer, with exact EventProp gradients.

    **Arguments:**

    - `weights`: `(n_in, n_out)` input weights (jump of I per input spike, unitless).
    - `input_times`: `(K,)` input spike times in s, sorted, >= 0 (`inf` for padding).
    - `input_idx`: `(K,)` int, the input of each spike (-1 for padding).
    - `params`: `LIFParameters`.
    - `t_max`: end of the simulation (s); spikes after it are not computed.
    - `max_spikes`: static size of the spike buffer (>= 1).
    - `recurrent`: optional `(n_out, n_out)` recurrent weights (from, to).
    - `first_only`: if True a neuron stops after its first spike (enough for
      time-to-first-spike losses without recurrence, and cheaper).

    **Returns:** `Spikes(time, idx, count)`. `jax.grad` through `time` gives exact
    gradients with respect to `weights`, `recurrent`, `input_times`, every field of
    `params` (tau_mem, tau_syn, v_th, v_leak, v_reset; derived in the module docstring)
    and `t_max` (through the unused slots, which hold it) (EventProp).

    **Raises:** `ValueError` for unsorted or negative `input_times`, `max_spikes` < 1,
    or mismatched shapes.
    """
    _check_inputs(weights, input_times, input_idx, recurrent, max_spikes)
    params = LIFParameters() if params is None else params
    w_in = jnp.asarray(weights)
    dtype = jnp.result_type(w_in.dtype, float)
    w_in = w_in.astype(dtype)
    w_rec = jnp.zeros((w_in.shape[1],) * 2, dtype) if recurrent is None else recurrent
    fn = _layer_fn(int(max_spikes), bool(first_only), recurrent is not None)
    time, idx, count = fn(
        w_in,
        jnp.asarray(w_rec, dtype),
        jnp.asarray(input_times, dtype),
        jnp.asarray(input_idx, jnp.int32),
        jax.tree_util.tree_map(lambda x: jnp.asarray(x, dtype), params),
        jnp.asarray(t_max, dtype),
    )
    return Spikes(time, idx, count)


def first_spike_times(
    weights,
    input_times,
    input_idx,
    params: LIFParameters | None = None,
    t_max=None,
    *,
    recurrent=None,
    max_spikes: int | None = None,
) -> jax.Array:
    """First spike time of each output neuron (s), `t_max` where a neuron does not fire.

    **Arguments:** as `lif_layer`; `t_max` (s) is required. Without `recurrent`,
    each neuron stops after its first spike (`max_spikes` defaults to n_out); with it,
    later spikes matter and `max_spikes` defaults to 8 n_out.

    **Returns:** `(n_out,)` spike times in s, differentiable with `jax.grad` (EventProp).
    """
    if t_max is None:
        raise ValueError("t_max must be given (s): the end of the simulation.")
    params = LIFParameters() if params is None else params
    n = jnp.shape(weights)[-1]
    first_only = recurrent is None
    if max_spikes is None:
        max_spikes = n if first_only else 8 * n
    spikes = lif_layer(
        weights,
        input_times,
        input_idx,
        params,
        t_max=t_max,
        max_spikes=max_spikes,
        recurrent=recurrent,
        first_only=first_only,
    )
    return first_times(spikes, n, t_max)


def first_times(spikes: Spikes, n: int, t_max) -> jax.Array:
    """The first spike time per neuron (s) from `Spikes`; `t_max` where none."""
    mine = spikes.idx[None, :] == jnp.arange(n)[:, None]
    return jnp.min(jnp.where(mine, spikes.time[None, :], t_max), axis=1)


def lif_layer_reference(
    weights, input_times, input_idx, params, *, t_max, max_spikes, recurrent=None
) -> Spikes:
    """The same forward pass as `lif_layer` without the custom VJP (for testing: jax
    differentiates through the event loop itself)."""
    w_in = jnp.asarray(weights)
    spikes, _ = _forward(
        w_in,
        None if recurrent is None else jnp.asarray(recurrent, w_in.dtype),
        jnp.asarray(input_times, w_in.dtype),
        jnp.asarray(input_idx, jnp.int32),
        params,
        t_max,
        int(max_spikes),
        False,
    )
    return spikes
