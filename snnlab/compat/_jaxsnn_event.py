"""jaxsnn's event-based LIF machinery (`jaxsnn.event.adjoint_lif` and its helpers),
written on snnlab's closed forms.

The forward flow is `snnlab.eventprop.lif_flow`, the spike time
`snnlab.core.lif_crossing`, the adjoint flow `snnlab.eventprop.adjoint_propagator`.
Units as in jaxsnn: times in s, voltages and currents unitless.

Adjoint variables follow jaxsnn's scaling: with lambda = dL/d(V, I) the true adjoint
(as in `snnlab.eventprop`), jaxsnn carries mu = (-lambda_V / tau_mem, -lambda_I /
tau_syn). In these variables the input-weight gradient is -tau_syn mu_I, the gradient
of an input spike time is W (mu_V - mu_I), and an own spike of neuron n at current
I^- (just before the spike) and loss gradient g = dL/dt_spike sets

    mu_V[n] <- (g + mu_V[n] (v_leak - v_reset + I^-) + W_rec[n] . (mu_V - mu_I))
               / (I^- + v_leak - v_th),

which is jaxsnn's jump `mu_V[n] += (g + v_th mu_V[n] + W_rec[n] . (mu_V - mu_I)) /
(I^- - v_th)` where v_leak = v_reset = 0, and `snnlab.eventprop`'s jump in general.
"""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np

from ..core import lif_crossing
from ..eventprop import LIFParameters, adjoint_propagator, lif_flow
from ._jaxsnn_types import EventPropSpike, InputQueue, LIFState, Spike, StepState

_EPS = 1e-6  # jaxsnn's guard on the denominator I^- - v_th


# ---------------------------------------------------------------------------------------
# Flows
# ---------------------------------------------------------------------------------------


def exponential_flow(kernel):
    """The flow of the linear system d(V, I)/dt = kernel (V, I).

    **Arguments:** `kernel`: a `(2, 2)` matrix in 1/s.

    **Returns:** `flow(state: LIFState, t) -> LIFState`, the state `t` seconds later,
    `expm(kernel t) (V, I)`.
    """
    kernel = jnp.asarray(kernel)

    def flow(state: LIFState, t) -> LIFState:
        m = jax.scipy.linalg.expm(kernel * t)
        v = m[0, 0] * state.V + m[0, 1] * state.I
        return LIFState(v, m[1, 0] * state.V + m[1, 1] * state.I)

    return flow


def lif_exponential_flow(params: LIFParameters):
    """The exact flow of the LIF neuron between events (closed form, leak included).

    **Returns:** `flow(state: LIFState, t) -> LIFState` (t in s).
    """

    def flow(state: LIFState, t) -> LIFState:
        v, i = lif_flow(params, state.V, state.I, t)
        return LIFState(v, i)

    return flow


def _adjoint_matrix(params: LIFParameters, t):
    # exp(A^T t) for lambda, conjugated into jaxsnn's mu = D lambda, D = -diag(1/tm, 1/ts).
    p = adjoint_propagator(params, t)
    return p[0, 0], params.tau_mem / params.tau_syn * p[1, 0], p[1, 1]


def adjoint_lif_exponential_flow(params: LIFParameters):
    """The adjoint flow in jaxsnn's variables (mu_V, mu_I), run in reversed time.

    It is `exponential_flow([[-1/tau_mem, 0], [1/tau_syn, -1/tau_syn]])` in closed form.

    **Returns:** `flow(state: LIFState, t) -> LIFState` with `V` = mu_V and `I` = mu_I.
    """

    def flow(state: LIFState, t) -> LIFState:
        a, b, c = _adjoint_matrix(params, t)
        return LIFState(a * state.V, b * state.V + c * state.I)

    return flow


def adjoint_lif_dynamic(params: LIFParameters, lambda_0, t):
    """The adjoint (mu_V, mu_I) after `t` seconds of reversed time, in closed form.

        [[e^{-t/tau_mem}, 0],
         [tau_mem / (tau_mem - tau_syn) (e^{-t/tau_mem} - e^{-t/tau_syn}), e^{-t/tau_syn}]]

    jaxsnn writes e^{-t/tau_mem} in the lower right entry; that entry is e^{-t/tau_syn}
    (the matrix exponential of the adjoint kernel, checked in the tests), and this
    function is finite at tau_mem = tau_syn.

    **Arguments:** `lambda_0`: `(2,)` or `(2, n)` (mu_V, mu_I); `t` in s.

    **Returns:** the propagated array, same shape.
    """
    a, b, c = _adjoint_matrix(params, t)
    lam = jnp.asarray(lambda_0)
    return jnp.stack([a * lam[0], b * lam[0] + c * lam[1]])


# ---------------------------------------------------------------------------------------
# Forward: solver, transitions, step, trajectory
# ---------------------------------------------------------------------------------------


def ttfs_solver(tau_mem, v_th, state: LIFState, t_max):
    """Time until V reaches `v_th` for tau_syn = tau_mem / 2, v_leak = 0 (jaxsnn's case).

    **Arguments:** `tau_mem` (s), `v_th` (unitless), `state`, `t_max` the horizon (s).

    **Returns:** the delay in s, `t_max` where V stays below `v_th` within `t_max`.
    """
    s = lif_crossing(state.V, state.I, v_th, tau_mem, 0.5 * tau_mem, t_max)
    return jnp.where(jnp.isfinite(s), s, t_max)


def lif_solver(params: LIFParameters, state: LIFState, t_max):
    """Time until each neuron reaches `v_th`, for any tau_mem, tau_syn (exact to rounding).

    **Returns:** the delay in s per neuron, `inf` where none within `t_max` (s).
    """
    return lif_crossing(
        state.V - params.v_leak,
        state.I,
        params.v_th - params.v_leak,
        params.tau_mem,
        params.tau_syn,
        t_max,
    )


def next_event(solver, neuron_state: LIFState, time, t_max) -> Spike:
    """The next own spike of a layer.

    **Arguments:** `solver(state, horizon)` gives per-neuron delays (s) with a value
    >= horizon (or inf) for none; `time` now and `t_max` the end (s).

    **Returns:** `Spike(time, idx)` with the absolute time (`inf` when none) and the
    layer-local index.
    """
    horizon = t_max - time
    delays = jnp.asarray(solver(neuron_state, horizon))
    delays = jnp.where(delays < horizon, delays, jnp.inf)
    idx = jnp.argmin(delays)
    return Spike(time + delays[idx], idx)


def _select(cond, a, b):
    return jax.tree_util.tree_map(lambda x, y: jnp.where(cond, x, y), a, b)


def _input_jump(params, state: StepState, weights, prev_layer_start):
    queue = state.input_queue
    spike = queue.peek()
    n_in = weights.input.shape[0]
    j = spike.idx - prev_layer_start
    ok = (j >= 0) & (spike.idx >= 0)
    i_new = state.neuron_state.I + jnp.where(ok, weights.input[jnp.clip(j, 0, n_in - 1)], 0.0)
    return dataclasses.replace(
        state,
        neuron_state=LIFState(state.neuron_state.V, i_new),
        input_queue=InputQueue(queue.spikes, queue.head + 1),
    )


def _transition(params, state, weights, spike_idx, spike_in_layer, prev_layer_start, rec):
    v, i = state.neuron_state.V, state.neuron_state.I
    own_v = v.at[spike_idx].set(params.v_reset)
    own_i = i + weights.recurrent[spike_idx] if rec else i
    own = dataclasses.replace(state, neuron_state=LIFState(own_v, own_i))
    return _select(spike_in_layer, own, _input_jump(params, state, weights, prev_layer_start))


def transition_without_recurrence(
    params: LIFParameters, state: StepState, weights, spike_idx, spike_in_layer, prev_layer_start
) -> StepState:
    """The jump at an event of a feed-forward layer.

    An own spike of neuron `spike_idx` (layer-local) sets its V to `v_reset`; otherwise
    the next input spike is popped from the queue and adds `weights.input[idx -
    prev_layer_start]` to I of every neuron (nothing if it is not from the previous
    layer).

    **Returns:** the new `StepState`.
    """
    return _transition(params, state, weights, spike_idx, spike_in_layer, prev_layer_start, False)


def transition_with_recurrence(
    params: LIFParameters, state: StepState, weights, spike_idx, spike_in_layer, prev_layer_start
) -> StepState:
    """As `transition_without_recurrence`, and an own spike adds
    `weights.recurrent[spike_idx]` to I."""
    return _transition(params, state, weights, spike_idx, spike_in_layer, prev_layer_start, True)


def step(dynamics, tr_dynamics, t_max, solver, step_input, *args):
    """Advance a layer to its next event (own spike or input spike) and apply the jump.

    **Arguments:**

    - `dynamics(state: LIFState, dt) -> LIFState`: the flow between events.
    - `tr_dynamics(state, weights, spike_idx, spike_in_layer, prev_layer_start)`: the jump.
    - `t_max`: end of the simulation (s).
    - `solver(neuron_state, time, t_max) -> Spike`: the next own spike (e.g.
      `partial(next_event, ...)`).
    - `step_input`: `(StepState, weights, layer_start)`; `args` are ignored (scan index).

    An own spike wins a tie with an input spike; after `t_max` the event is "none"
    (`idx = -1`, time `t_max`).

    **Returns:** `((StepState, weights, layer_start), EventPropSpike(time, idx, current))`
    with the global index (`layer_start` + local for own spikes) and the current I of the
    spiking neuron just before its spike (the input spike's `current` for inputs).
    """
    state, weights, layer_start = step_input
    prev_layer_start = layer_start - weights.input.shape[0]
    nxt = solver(state.neuron_state, state.time, t_max)
    queue = state.input_queue
    t_in = queue.next_time_or_default(jnp.inf)
    spike_in_layer = (nxt.time <= t_in) & (nxt.time <= t_max)
    input_event = ~spike_in_layer & (t_in <= t_max)
    no_event = ~spike_in_layer & ~input_event
    t_dyn = jnp.minimum(jnp.minimum(nxt.time, t_in), t_max)
    evolved = dynamics(state.neuron_state, t_dyn - state.time)
    head = queue.peek()
    current = jnp.where(spike_in_layer, evolved.I[nxt.idx], head.current)
    idx = jnp.where(no_event, -1, jnp.where(spike_in_layer, nxt.idx + layer_start, head.idx))
    moved = dataclasses.replace(state, neuron_state=evolved, time=t_dyn)
    jumped = tr_dynamics(moved, weights, nxt.idx, spike_in_layer, prev_layer_start)
    new_state = _select(no_event, moved, jumped)
    out = EventPropSpike(t_dyn, idx.astype(jnp.asarray(head.idx).dtype), current)
    return (new_state, weights, layer_start), out


def filter_spikes(input_spikes: EventPropSpike, prev_layer_start) -> EventPropSpike:
    """Keep only spikes from the previous layer (`idx >= prev_layer_start`).

    The others get time `inf` and index -1; the result is sorted by time (stable), and
    `current` is zero (a spike's current matters only in the layer that fired it).
    """
    keep = input_spikes.idx >= prev_layer_start
    time = jnp.where(keep, input_spikes.time, jnp.inf)
    idx = jnp.where(keep, input_spikes.idx, -1)
    order = jnp.argsort(time, stable=True)
    return EventPropSpike(time[order], idx[order], jnp.zeros_like(input_spikes.current)[order])


def _unpack(weights, carry):
    if carry is None:
        layer_index, prev_start = 0, 0
    elif isinstance(carry, tuple):
        layer_index, prev_start = carry
    else:  # jaxsnn's older form: the carry is where the layer's inputs start
        layer_index, prev_start = 0, carry
    if isinstance(weights, (list, tuple)) and not hasattr(weights, "input"):
        return weights[layer_index], layer_index, prev_start
    return weights, layer_index, prev_start


def _initial_state(size, input_spikes, dtype) -> StepState:
    return StepState(
        neuron_state=LIFState(jnp.zeros(size, dtype), jnp.zeros(size, dtype)),
        spike_times=-jnp.ones(size, dtype),
        spike_mask=jnp.zeros(size, bool),
        time=jnp.zeros((), dtype),
        input_queue=InputQueue(input_spikes, jnp.zeros((), jnp.int32)),
    )


def _layer_call(weights, input_spikes, carry, size, run):
    this, layer_index, prev_start = _unpack(weights, carry)
    n_in = this.input.shape[0]
    layer_start = prev_start + n_in
    spikes = filter_spikes(input_spikes, prev_start)
    dtype = jnp.result_type(this.input.dtype, float)
    s = _initial_state(size, spikes, dtype)
    out = run(s, this, layer_start)
    return (layer_index + 1, layer_start), this, out, out


def trajectory(step_fn, size: int, n_spikes: int):
    """Scan `step_fn` for exactly `n_spikes` events (gradients by autodiff through the
    loop).

    **Returns:** `apply_fn(weights, input_spikes, external=None, carry=None) ->
    (carry, weights, spikes, spikes)`. `weights` is the layer's `WeightInput` /
    `WeightRecurrent` or the list of all layers' weights (then `carry = (layer_index,
    layer_start)` picks this layer's); `spikes` is an `EventPropSpike` of length
    `n_spikes` holding the inputs it consumed and its own spikes, in order.
    """

    def run(s, weights, layer_start):
        _, spikes = jax.lax.scan(step_fn, (s, weights, layer_start), jnp.arange(n_spikes))
        return spikes

    def apply_fn(weights, input_spikes, external=None, carry=None):
        return _layer_call(weights, input_spikes, carry, size, run)

    return apply_fn


# ---------------------------------------------------------------------------------------
# Backward: adjoint transitions, step_bwd, construct_adjoint_apply_fn
# ---------------------------------------------------------------------------------------


def _adjoint_transition(params, adjoint_state, spike, layer_start, adjoint_spike, grads,
                        weights, input_queue_head, rec):  # fmt: skip
    mu_v, mu_i = adjoint_state.neuron_state.V, adjoint_state.neuron_state.I
    n = mu_v.shape[0]
    n_in = weights.input.shape[0]
    in_layer = spike.idx >= layer_start

    # Own spike of neuron k.
    k = jnp.clip(spike.idx - layer_start, 0, n - 1)
    denom = spike.current + params.v_leak - params.v_th
    denom = jnp.where(jnp.abs(denom) > _EPS, denom, _EPS)
    numer = adjoint_spike.time + mu_v[k] * (params.v_leak - params.v_reset + spike.current)
    if rec:
        numer = numer + jnp.dot(weights.recurrent[k], mu_v - mu_i)
    own_v = mu_v.at[k].set(numer / denom)
    own_grads = grads
    if rec:
        own_grads = grads._replace(
            recurrent=grads.recurrent.at[k].add(jnp.where(in_layer, -params.tau_syn * mu_i, 0.0))
        )

    # Input spike j: weight gradient and the adjoint of its time.
    j = spike.idx - (layer_start - n_in)
    ok = ~in_layer & (j >= 0)
    jc = jnp.clip(j, 0, n_in - 1)
    in_grads = own_grads._replace(
        input=own_grads.input.at[jc].add(jnp.where(ok, -params.tau_syn * mu_i, 0.0))
    )
    dt = jnp.where(ok, jnp.dot(weights.input[jc], mu_v - mu_i), 0.0)
    queue = adjoint_state.input_queue
    q_time = queue.spikes.time.at[input_queue_head].set(dt, mode="drop")
    in_queue = InputQueue(dataclasses.replace(queue.spikes, time=q_time), queue.head + 1)

    new_state = dataclasses.replace(
        adjoint_state,
        neuron_state=LIFState(jnp.where(in_layer, own_v, mu_v), mu_i),
        input_queue=_select(in_layer, queue, in_queue),
    )
    return new_state, in_grads


def adjoint_transition_without_recurrence(
    params: LIFParameters,
    adjoint_state: StepState,
    spike: EventPropSpike,
    layer_start,
    adjoint_spike: EventPropSpike,
    grads,
    weights,
    input_queue_head,
):
    """The adjoint jump at an event of a feed-forward layer (jaxsnn's variables, see the
    module docstring).

    An own spike updates mu_V of the spiking neuron from `adjoint_spike.time` (dL/dt of
    that spike); an input spike adds -tau_syn mu_I to its row of `grads.input` and
    writes the adjoint of its time at `input_queue_head` of the adjoint queue.

    **Returns:** `(adjoint_state, grads)`.
    """
    return _adjoint_transition(params, adjoint_state, spike, layer_start, adjoint_spike,
                               grads, weights, input_queue_head, False)  # fmt: skip


def adjoint_transition_with_recurrence(
    params: LIFParameters,
    adjoint_state: StepState,
    spike: EventPropSpike,
    layer_start,
    adjoint_spike: EventPropSpike,
    grads,
    weights,
    input_queue_head,
):
    """As `adjoint_transition_without_recurrence`, with the recurrent term in the jump of
    mu_V and -tau_syn mu_I added to the spiking neuron's row of `grads.recurrent`."""
    return _adjoint_transition(params, adjoint_state, spike, layer_start, adjoint_spike,
                               grads, weights, input_queue_head, True)  # fmt: skip


def step_bwd(adjoint_dynamics, adjoint_tr_dynamics, t_max, res, g):
    """One reversed event of the adjoint (EventProp).

    **Arguments:** `adjoint_dynamics(state, dt)` the adjoint flow; `adjoint_tr_dynamics`
    an adjoint transition (arguments as `adjoint_transition_without_recurrence` after
    `params`); `t_max` (s); `res = ((_, weights, layer_start), spike)` from the forward
    pass; `g = ((adjoint_state, grads, _), adjoint_spike)`.

    The adjoint time runs from 0 at `t_max` backwards. An event with `idx == -1` changes
    nothing (unlike jaxsnn it does not advance the adjoint queue; see
    `construct_adjoint_apply_fn`).

    **Returns:** `((adjoint_state, grads, layer_start), 1)`.
    """
    (_, weights, layer_start), spike = res
    (adjoint_state, grads, _), adjoint_spike = g
    reversed_time = t_max - jnp.minimum(spike.time, t_max)
    neuron_state = adjoint_dynamics(adjoint_state.neuron_state, reversed_time - adjoint_state.time)
    time = reversed_time.astype(adjoint_state.time.dtype)
    adjoint_state = dataclasses.replace(adjoint_state, neuron_state=neuron_state, time=time)
    moved, jumped_grads = adjoint_tr_dynamics(
        adjoint_state, spike, layer_start, adjoint_spike, grads, weights,
        adjoint_state.input_queue.head,
    )  # fmt: skip
    none = spike.idx == -1
    return (_select(none, adjoint_state, moved), _select(none, grads, jumped_grads), layer_start), 1


def _zero_cotangent(x):
    x = jnp.asarray(x)
    if jnp.issubdtype(x.dtype, jnp.inexact):
        return jnp.zeros_like(x)
    return np.zeros(x.shape, jax.dtypes.float0)


def construct_adjoint_apply_fn(step_fn, step_fn_bwd, size: int, n_spikes: int,
                               wrap_only_step: bool = False):  # fmt: skip
    """A layer whose gradient is the adjoint `step_fn_bwd` (EventProp) instead of autodiff.

    **Arguments:** `step_fn` (as `step`, partially applied), `step_fn_bwd` (as
    `step_bwd`, partially applied), `size` neurons, `n_spikes` events simulated.
    `wrap_only_step` is accepted for jaxsnn compatibility; the custom VJP always wraps
    the whole trajectory (jaxsnn notes that wrapping only the step gives NaNs).

    The backward pass scans `step_fn_bwd` over the events in reverse, then puts the
    adjoint input-spike times (written in reverse order of use) back in queue order:
    they are the cotangent of the input spike times, so layers chain. Cotangents of the
    final state are ignored (a layer returns only its spikes).

    **Returns:** `apply_fn(weights, input_spikes, known_spikes=None, carry=None) ->
    ((layer_index, layer_start), weights, spikes, spikes)`, as `trajectory`'s.
    """
    del wrap_only_step

    def run_plain(s, weights, layer_start):
        _, spikes = jax.lax.scan(step_fn, (s, weights, layer_start), jnp.arange(n_spikes))
        return spikes

    run = jax.custom_vjp(run_plain)

    def fwd(s, weights, layer_start):
        spikes = run_plain(s, weights, layer_start)
        return spikes, (s, weights, layer_start, spikes)

    def bwd(res, g_spikes):
        s, weights, layer_start, spikes = res
        n_queue = jnp.size(s.input_queue.spikes.time)
        dtype = s.neuron_state.V.dtype
        adjoint = StepState(
            neuron_state=LIFState(jnp.zeros(size, dtype), jnp.zeros(size, dtype)),
            spike_times=s.spike_times,
            spike_mask=s.spike_mask,
            time=jnp.zeros((), dtype),
            input_queue=InputQueue(
                EventPropSpike(
                    jnp.zeros(n_queue, dtype), s.input_queue.spikes.idx, jnp.zeros(n_queue, dtype)
                ),
                jnp.zeros((), jnp.int32),
            ),
        )
        grads = jax.tree_util.tree_map(jnp.zeros_like, weights)
        adjoint_spikes = EventPropSpike(g_spikes.time, spikes.idx, g_spikes.current)

        def body(carry, xs):
            adjoint_state, grads, ls = carry
            spike, adjoint_spike = xs
            g = ((adjoint_state, grads, 0), adjoint_spike)
            return step_fn_bwd(((None, weights, ls), spike), g)

        (adjoint, grads, _), _ = jax.lax.scan(
            body, (adjoint, grads, layer_start), (spikes, adjoint_spikes), reverse=True
        )
        # The m-th input used (forward order) was written at head - 1 - m.
        head = adjoint.input_queue.head
        src = head - 1 - jnp.arange(n_queue)
        written = adjoint.input_queue.spikes.time
        g_times = jnp.where(src >= 0, written[jnp.clip(src, 0, n_queue - 1)], 0.0)
        ct_s = jax.tree_util.tree_map(_zero_cotangent, s)
        ct_s.input_queue.spikes.time = g_times.astype(ct_s.input_queue.spikes.time.dtype)
        return ct_s, grads, _zero_cotangent(layer_start)

    run.defvjp(fwd, bwd)

    def apply_fn(weights, input_spikes, known_spikes=None, carry=None):
        return _layer_call(weights, input_spikes, carry, size, run)

    return apply_fn
