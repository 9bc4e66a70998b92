"""The time-stepped engine: one `lax.scan` over a fixed grid.

Sources are sampled per window [k dt, (k + 1) dt): an input spike in window k acts
at time k dt (exactly at its time when it lies on the grid), and the current of
window k is held over step k. One step k, from t = k dt to t + dt:
1. the chosen integrator advances the state by dt with the window-k current;
2. the spikes of window k + 1 jump the neurons' `input_state` at t + dt;
3. neurons in their refractory period are held at their post-reset values (so input
   spikes arriving then are dropped);
4. a spike is an upward zero crossing of `spike_condition` at t + dt; spiking neurons
   are reset and start a refractory count of round(refractory_period / dt) steps;
5. the state is recorded at t + dt (right-continuous: after the jumps at t + dt).
Spikes of window 0 act on the initial state, which is the first sample (t = 0), so a
run of n steps has n + 1 samples.

The number of steps is the only static value besides the model's structure; it is
rounded up to a bucket so that moving a duration slider reuses compiled code.

A run may continue another: `init` is the engine's full carry at the last sample of the
previous run (the state, refractory counters, the condition value used to detect the
next crossing, the current of the next window, generator memory, the last spikes) and
`k0` its global step index; time and inputs use global steps, so a run cut into chunks
gives the same numbers, bit for bit, as one long run.
"""

from __future__ import annotations

import collections
import contextlib
import math

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from ._connection import Connection
from ._deliver import deliver, jump_receptors, overrides_input_spike, receptors_used
from ._integrators import STEPPERS
from ._model import AbstractNeuronModel, AbstractStepwiseModel
from ._plan import window_open
from ._spike import surrogate_reset

_trace_count = 0


def trace_count() -> int:
    """How many times the stepped engine has been traced (compiled) in this process."""
    return _trace_count


def bucket_steps(n_steps: int) -> int:
    """Round `n_steps` up to one of 8 buckets per octave (at most 12.5% extra work)."""
    if n_steps <= 64:
        return n_steps
    grain = 2 ** (int(math.log2(n_steps)) - 3)
    return int(math.ceil(n_steps / grain) * grain)


_RUNNERS: collections.OrderedDict = collections.OrderedDict()
_MAX_RUNNERS = 256

_CLASSIC_EMITTERS_MAX_NEURONS = 4
"""Runners of at most this many neurons compile with XLA's classic CPU loop emitters
instead of its (default) fusion emitters, which set up an MLIR pipeline per kernel: a
first call compiles ~40% faster (W1, one LIF: 213 -> 126 ms on the benchmark machine)
and runs as fast (LIF with 1 and 4 neurons, HH with 1, raster and counting mode alike).
From 16 neurons on the classic emitters' code is slower (HH with 16 neurons 1.6x, 64
neurons 2.8x; LIF with 256 irregularly spiking neurons 1.7x), so larger populations keep
the fusion emitters. Off a CPU the option is ignored."""


def stepped_runner(
    model,
    connections,
    n_steps,
    method,
    record_cols,
    windows,
    init=None,
    count=False,
    to_host=False,
):
    """The jitted stepped engine for this structure, and the arrays to call it with.

    **Returns:** `(run, arrays)`: `run(arrays, dt, seed, n_valid, k0)` is
    `run_stepped(model, connections, n_steps, dt, seed, method, record_cols, windows,
    n_valid, k0, init, count)`. Every array of the model, the connections, the windows and
    `init` is an argument of `run` (traced: new values never recompile); everything
    else is part of its cache key. `run` is a plain `jax.jit` function, so a caller
    that keeps `run` and `arrays` pays only JAX's own dispatch per call.

    With `to_host=True`, `run` returns the same outputs as numpy arrays (read-only),
    brought from the device in one transfer: the jitted function packs them into a
    single byte buffer (the large recordings of a long run travel as they are). The
    first non-finite sample comes per neuron then (`least_sample` reduces it). Each
    output array of a jitted call costs about as much as a small run's step loop.
    """
    leaves, treedef = jax.tree_util.tree_flatten((model, connections, windows, init))
    traced = tuple(eqx.is_array(leaf) for leaf in leaves)
    arrays = [leaf for leaf, t in zip(leaves, traced, strict=True) if t]
    static = tuple(None if t else leaf for leaf, t in zip(leaves, traced, strict=True))
    key = (treedef, traced, static, n_steps, method, record_cols, count, to_host)
    run = _RUNNERS.get(key)
    if run is None:
        layouts = {}

        def run(arrays, dt, seed, n_valid, k0):
            out = engine(arrays, dt, seed, n_valid, k0)
            if not to_host:
                return out
            packed, layout = pack_outputs(out)
            layouts[_signature((arrays, dt, seed, n_valid, k0))] = layout
            return packed

        def engine(arrays, dt, seed, n_valid, k0):
            given = iter(arrays)
            full = [next(given) if t else leaf for leaf, t in zip(static, traced, strict=True)]
            model, connections, windows, init = jax.tree_util.tree_unflatten(treedef, full)
            return _run_stepped(
                model,
                connections,
                n_steps,
                dt,
                seed,
                method,
                record_cols,
                windows,
                n_valid,
                k0,
                init,
                count,
                first_bad_per_neuron=to_host,
            )

        # (JAX takes compiler options only for a jit called outside any trace: the
        # host runner's, which `simulate` calls; `run_stepped` may be traced)
        options = _compiler_options(model) if to_host else None
        jitted = jax.jit(run, compiler_options=options)
        run = _HostRun(jitted, layouts) if to_host else jitted
        _RUNNERS[key] = run
        while len(_RUNNERS) > _MAX_RUNNERS:
            with contextlib.suppress(KeyError):
                _RUNNERS.popitem(last=False)
    else:
        with contextlib.suppress(KeyError):  # evicted meanwhile by another thread
            _RUNNERS.move_to_end(key)
    return run, arrays


def _compiler_options(model) -> dict | None:
    """XLA options of the runner for `model` (see `_CLASSIC_EMITTERS_MAX_NEURONS`)."""
    if model.size <= _CLASSIC_EMITTERS_MAX_NEURONS:
        return {"xla_cpu_use_fusion_emitters": False}
    return None


_PACK_LEAF_BYTES = 4096
"""`pack_outputs` packs the outputs of at most this many bytes; larger ones (recordings)
travel alone: copying them into the buffer costs more than their own transfer (W1: 10k
samples, 0.24 ms per run with the recordings alone, 0.27 ms with everything packed)."""


def pack_outputs(out):
    """The leaves of `out` (JAX arrays, inside a jitted function) as `(alone, buffer)`:
    the large leaves as they are and the others in one uint32 vector, and the layout that
    `unpack_outputs` needs to rebuild `out` on the host (static).

    Every packed leaf becomes 32-bit words by an elementwise conversion (a bitcast for 4-
    and 8-byte types, a widening for narrower ones), so that XLA packs them all in one
    kernel: a kernel costs ~8 ms of compilation on a first call, and byte-wise
    bitcasts made one per leaf."""
    leaves, treedef = jax.tree_util.tree_flatten(out)
    alone, parts, entries, offset = [], [], [], 0
    for leaf in leaves:
        nbytes = leaf.size * leaf.dtype.itemsize
        plain = isinstance(leaf.dtype, np.dtype)  # not a key or other extended dtype
        if not plain or nbytes > _PACK_LEAF_BYTES:
            entries.append((len(alone), None, 0, None))
            alone.append(leaf)
            continue
        dtype = np.dtype(leaf.dtype)
        if dtype.itemsize == 8 and offset % 2:  # 8-byte values start 8-byte aligned
            parts.append(jnp.zeros(1, jnp.uint32))
            offset += 1
        words = _as_words(leaf.reshape(-1))
        parts.append(words)
        entries.append((offset, dtype, leaf.size, tuple(leaf.shape)))
        offset += words.size
    return (tuple(alone), _concatenate(parts)), (treedef, tuple(entries))


_FUSED_CONCATENATE = 8
"""XLA's CPU backend fuses a concatenate of at most this many operands with the kernels
that make them; a larger one costs a kernel per operand."""


def _concatenate(parts):
    """`jnp.concatenate(parts)` (uint32 vectors) as concatenates of at most
    `_FUSED_CONCATENATE` operands (the barrier keeps XLA from merging them back into one):
    XLA then makes the whole in one kernel."""
    if not parts:
        return jnp.zeros(0, jnp.uint32)
    while len(parts) > _FUSED_CONCATENATE:
        step = _FUSED_CONCATENATE
        parts = [
            jax.lax.optimization_barrier(jnp.concatenate(parts[i : i + step]))
            for i in range(0, len(parts), step)
        ]
    return jnp.concatenate(parts)


def _as_words(flat):
    """A flat array as uint32 words: one per element (two for 8-byte types)."""
    dtype = np.dtype(flat.dtype)
    if dtype.itemsize >= 4:
        return jax.lax.bitcast_convert_type(flat, jnp.uint32).reshape(-1)
    if dtype == np.bool_ or dtype.kind == "u":
        return flat.astype(jnp.uint32)
    if dtype.kind == "i":
        return jax.lax.bitcast_convert_type(flat.astype(jnp.int32), jnp.uint32)
    narrow = jnp.uint16 if dtype.itemsize == 2 else jnp.uint8  # 2- or 1-byte floats
    return jax.lax.bitcast_convert_type(flat, narrow).astype(jnp.uint32)


def _from_words(buffer, offset, dtype, count):
    """`count` values of `dtype` packed by `_as_words` at word `offset` of `buffer`."""
    if dtype.itemsize >= 4:
        return np.frombuffer(buffer, dtype, count, offset * 4)
    if dtype == np.bool_:
        return np.frombuffer(buffer, np.uint32, count, offset * 4) != 0
    if dtype.kind in "iu":
        return np.frombuffer(buffer, np.dtype(f"{dtype.kind}4"), count, offset * 4).astype(dtype)
    words = np.frombuffer(buffer, np.uint32, count, offset * 4)
    return words.astype(np.dtype(f"u{dtype.itemsize}")).view(dtype)


def unpack_outputs(packed, layout):
    """`out` as numpy arrays from `pack_outputs`'s result (one transfer from the device):
    4- and 8-byte values as read-only views of one buffer, narrower ones as copies."""
    alone, buffer = packed
    # (np.asarray per array: jax.device_get's tree handling costs more for a few arrays)
    return _unpack([np.asarray(a) for a in alone], np.asarray(buffer), layout)


def _unpack(alone, buffer, layout):
    """`unpack_outputs` given the outputs already as numpy arrays."""
    treedef, entries = layout
    leaves = [
        alone[where] if dtype is None else _from_words(buffer, where, dtype, count).reshape(shape)
        for where, dtype, count, shape in entries
    ]
    return treedef.unflatten(leaves)


def _signature(args):
    """What a jitted function is traced for: the shapes and dtypes of its arguments."""
    return tuple(
        (np.shape(a), a.dtype if hasattr(a, "dtype") else np.result_type(a))
        for a in jax.tree_util.tree_leaves(args)
    )


class _HostRun:
    """A runner made with `to_host=True`: the jitted packing function and its layouts."""

    def __init__(self, jitted, layouts):
        self.jitted, self.layouts = jitted, layouts

    def __call__(self, arrays, dt, seed, n_valid, k0, signature=None):
        """The outputs as numpy arrays; `signature` is `_signature` of the arguments, for
        a caller that calls with arguments of the same shapes again and again."""
        packed = self.jitted(arrays, dt, seed, n_valid, k0)
        if signature is None:
            signature = _signature((arrays, dt, seed, n_valid, k0))
        return unpack_outputs(packed, self.layouts[signature])

    def bind(self, arrays, dt, n_valid, k0, defer_last=False):
        """`seed -> self(arrays, dt, seed, n_valid, k0)`, for a caller that runs the same
        arguments with many seeds (`seed` a Python or numpy integer). With `defer_last`,
        the last output (a tuple's last element) is returned as a function that makes it:
        a caller that may never read it (a run's final carry) skips its unpacking.

        (Passing the arguments as one array per dtype instead, sliced apart inside the
        program, saves a few microseconds of dispatch but makes XLA slice them in every
        step of the loop: W1 ~25% slower.)"""
        jitted, layouts = self.jitted, self.layouts
        signature = _signature((arrays, dt, np.uint32(0), n_valid, k0))
        head = tail = None

        def call(seed):
            nonlocal head, tail
            packed = jitted(arrays, dt, np.asarray(seed, np.uint32), n_valid, k0)
            if head is None:  # the layout is known once the first call has traced the run
                head = layouts[signature]
                if defer_last:
                    treedef, entries = head
                    parts = treedef.children()
                    n_head = sum(p.num_leaves for p in parts[:-1])
                    head = (jax.tree_util.treedef_tuple(parts[:-1]), entries[:n_head])
                    tail = (parts[-1], entries[n_head:])
            if not defer_last:
                return unpack_outputs(packed, head)
            alone, buffer = packed
            alone, buffer = [np.asarray(a) for a in alone], np.asarray(buffer)
            return (*_unpack(alone, buffer, head), lambda: _unpack(alone, buffer, tail))

        return call


def run_stepped(
    model,
    connections: tuple[Connection, ...],
    n_steps: int,
    dt: jax.Array,
    seed: jax.Array,
    method: str,
    record_cols: tuple[int, ...],
    windows: tuple,
    n_valid: jax.Array,
    k0: jax.Array,
    init=None,
    count: bool = False,
    surrogate=None,
):
    """Simulate `n_steps` steps (of which the first `n_valid` are wanted) from global step
    `k0`, from the model's initial state or from `init` (a carry returned before).

    Compiled once per structure (`n_steps`, `method`, `record_cols` and the static parts
    of the model, connections and `init`); arrays, `dt`, `seed`, `n_valid` and `k0` are
    traced. See `stepped_runner` to keep the compiled function between calls.

    With a `surrogate` (continuous-time models; `n_valid` then a Python int), spikes are
    0.0 / 1.0 floats differentiable through it and resets act through them
    (`snnlab.core._spike.surrogate_reset`): the run can be differentiated in reverse mode.

    `windows` holds, per connection, `(delay_steps, first_step, n_steps)` from the
    source's `on_grid` (exact, computed on the host: `snnlab.core.plan_on_grid`).

    **Returns:** recorded `(n+1, N, R)`, spikes `(n+1, N)`, the first non-finite sample
    (or -1), the first sample whose step the integrator could not complete (or -1), and
    the carry at sample `n_valid` (to continue from). With `count=True` no raster is
    kept: spikes is `(count, first, last)`, int32 `(N,)` each: per neuron the number of
    samples 0..n_valid with a spike and the first and last of them (-1 for none).
    """
    if surrogate is not None:  # reverse mode needs a Python int n_valid: not the jit runner
        return _run_stepped(
            model, connections, n_steps, dt, seed, method, record_cols, windows, n_valid, k0,
            init, count, surrogate,
        )  # fmt: skip
    run, arrays = stepped_runner(
        model, connections, n_steps, method, record_cols, windows, init, count
    )
    return run(arrays, dt, seed, n_valid, k0)


def _run_stepped(
    model,
    connections: tuple[Connection, ...],
    n_steps: int,
    dt: jax.Array,
    seed: jax.Array,
    method: str,
    record_cols: tuple[int, ...],
    windows: tuple,
    n_valid: jax.Array,
    k0: jax.Array,
    init=None,
    count: bool = False,
    surrogate=None,
    first_bad_per_neuron: bool = False,
):
    global _trace_count
    _trace_count += 1

    n = model.size
    if any(c.source.random or c.source.stateful or c.rule == "random" for c in connections):
        keys = jax.random.split(jax.random.PRNGKey(seed), 3 * len(connections))
    else:
        # Nothing draws random numbers: no hashing of the seed (it makes a program ~10%
        # larger to trace, lower and compile even where XLA then removes it), and one
        # fixed key for the deterministic sources' signature.
        keys = [jax.random.PRNGKey(0)] * (3 * len(connections))
    gen_keys = keys[0::3]
    matrices = [c.matrix(keys[3 * i + 1], n) for i, c in enumerate(connections)]
    float_dtype = dt.dtype

    # A model with its own input_spike gets each channel's spikes through it (see
    # core/_deliver.py); the others one summed jump per step.
    per_spike = not isinstance(model, AbstractStepwiseModel) and overrides_input_spike(model)
    spike_conns = [i for i, c in enumerate(connections) if c.source.output_kind() != "current"]
    if per_spike and spike_conns:
        offsets = np.cumsum([0] + [c.source.size for c in connections])
        spike_from = jnp.concatenate(
            [n + offsets[i] + jnp.arange(connections[i].source.size) for i in spike_conns]
        )
        spike_rows = jnp.concatenate(
            [connections[i].rows(matrices[i], n).astype(float_dtype) for i in spike_conns]
        )

    # The key of source step k_src is fold_in(gen_key, k_src), as a function of the global
    # step only (chunked runs equal one run). The keys of every step of this run are made
    # here in one vectorised call: hashing one key per step inside the loop costs about as
    # much as drawing the numbers themselves. step_keys[i][k - k0] is the key of step k.
    first_src = [k0 - windows[i][0] for i in range(len(connections))]
    span = jnp.arange(n_steps + 2)
    step_keys = [
        jax.vmap(lambda j, i=i: jax.random.fold_in(gen_keys[i], first_src[i] + j))(span)
        if c.source.random
        else None
        for i, c in enumerate(connections)
    ]

    n_rec = receptors_used(connections)

    def inputs_at(carries, k):
        current = jnp.zeros(n, float_dtype)
        spikes_in = jnp.zeros((n_rec, n), float_dtype)  # summed weights per receptor
        counts = []
        new_carries = []
        for i, c in enumerate(connections):
            delay, first, n_open = windows[i]
            k_src = k - delay
            key_k = step_keys[i][k - k0] if c.source.random else gen_keys[i]
            carry, s = c.source.raw_advance(carries[i], key_k, k_src, dt)
            s = jnp.where(window_open(k_src, first, n_open), s, 0)
            new_carries.append(carry)
            if c.source.output_kind() == "current":
                current = current + c.route(s, matrices[i], n)
            elif per_spike:
                counts.append(s.astype(float_dtype))
            else:
                spikes_in = spikes_in.at[c.receptor].add(c.route(s, matrices[i], n))
        return tuple(new_carries), current, (jnp.concatenate(counts) if counts else spikes_in)

    def receive(model, y, spikes_in):
        if not spike_conns:  # no spike inputs: nothing to deliver
            return y
        if per_spike:
            return deliver(model, y, spike_from, spikes_in, spike_rows)
        return jump_receptors(model, y, spikes_in)

    carries0 = tuple(c.source.init_carry(keys[3 * i + 2], dt) for i, c in enumerate(connections))
    # Inputs that are currents given by the step alone (no random numbers, no memory),
    # or no inputs at all (a zero current).
    inputs_at.pure_current = all(
        c.source.output_kind() == "current" and not c.source.random and not c.source.stateful
        for c in connections
    )
    scan = _scan_stepwise if isinstance(model, AbstractStepwiseModel) else _scan_continuous
    rec, spikes, first_bad, first_fail, state = scan(
        model,
        inputs_at,
        receive,
        carries0,
        n_steps,
        dt,
        method,
        record_cols,
        n_valid,
        k0,
        init,
        count,
        **({} if surrogate is None else {"surrogate": surrogate}),
    )
    if not first_bad_per_neuron:
        first_bad = least_sample(first_bad)
    return rec, spikes, first_bad, first_fail, state


def least_sample(first_bad):
    """The least sample index at or after 0 in `first_bad` (a scalar, or int32 per
    neuron), or -1 for none: -1 is the largest uint32, so this is one unsigned min. On
    numpy arrays it runs on the host (`simulate` takes the min there: two kernels fewer
    to compile), on jax arrays in the program."""
    if isinstance(first_bad, np.ndarray | np.integer):
        if first_bad.size == 1:  # one neuron: its own index (W1: 9 -> 3 us in a run's loop)
            return int(first_bad.item())
        # (an ndarray method and Python ints: np.min's dispatch is most of a W1 call's 10 us)
        least = int(np.asarray(first_bad, np.int32).reshape(-1).view(np.uint32).min())
        return least - (1 << 32) if least >= 1 << 31 else least
    return jax.lax.bitcast_convert_type(
        jnp.min(jax.lax.bitcast_convert_type(first_bad, jnp.uint32)), jnp.int32
    )


def _scan_continuous(
    model: AbstractNeuronModel,
    inputs_at,
    receive,
    carries0,
    n_steps,
    dt,
    method,
    record_cols,
    n_valid,
    k0,
    init,
    count=False,
    surrogate=None,
):
    n = model.size
    integrate = STEPPERS[method]
    packed, unpack = _pack_floats(model, dt.dtype)
    names = model.state_names
    clamp = jnp.array([name in model.refractory_clamped for name in names])
    # () or (n,), as the model's period (a broadcast of it would be a kernel of its own);
    # lax.round is jnp.round without its nested jit (traced and lowered apart)
    ref_steps = jax.lax.round(
        model.refractory_period() / dt, jax.lax.RoundingMethod.TO_NEAREST_EVEN
    ).astype(jnp.int32)
    cols = jnp.array(record_cols, dtype=jnp.int32)

    def advance(y, refractory, current, gen, k):
        # One step from sample k to k + 1 (see the module docstring); the model is rebuilt
        # from one vector (the barrier keeps XLA from hoisting the slices out of the loop).
        model = unpack(jax.lax.optimization_barrier(packed))
        kg = k0 + k
        t = kg * dt
        held = refractory > 0
        carried = current
        if pure_current:
            # recomputed rather than carried, for the same reason as c_prev below
            current = jnp.where(k == 0, carried, inputs_at(gen, kg)[1])
        # The condition after the previous step's reset, recomputed from the carried state
        # and current (the same function of the same values as when that step ended), so
        # it is not one more array written per step; sample 0's is given.
        c_prev = jnp.where(k == 0, c_prev0, model.spike_condition(t, y, {"I": current}))
        y_new, ok = integrate(model, t, y, {"I": current}, dt)
        gen, next_current, spikes_in = inputs_at(gen, kg + 1)
        args = {"I": next_current}
        y_new = receive(model, y_new, spikes_in)
        y_new = jnp.where(held[:, None] & clamp[None, :], y, y_new)
        c = model.spike_condition(t + dt, y_new, args)
        spiked = (c >= 0) & (c_prev < 0) & ~held
        # Checked before the reset, which could otherwise hide a blow-up behind a "spike".
        bad = ~jnp.all(jnp.isfinite(y_new), axis=1)
        if surrogate is None:
            y_new, out = model.reset_spiked(y_new, spiked), spiked
        else:
            gate = (c_prev < 0) & ~held
            y_new, out = surrogate_reset(model, y_new, c, spiked, gate, surrogate)
        refractory = jnp.where(spiked, ref_steps, jnp.maximum(refractory - 1, 0))
        return y_new, refractory, carried if pure_current else next_current, gen, out, bad, ok

    if init is None:
        gen0, current0, spikes0 = inputs_at(carries0, k0)
        y0 = receive(model, model.init_state(), spikes0)
        init = (
            y0,
            jnp.zeros(n, jnp.int32),
            jnp.full(n, -1.0, y0.dtype),
            current0,
            gen0,
            jnp.zeros(n, bool if surrogate is None else y0.dtype),
        )
    y0, ref0, c_prev0, current0, gen0, out0 = init
    first0 = _first_bad_rows(jnp.full(n, -1, jnp.int32), y0, 0)
    fail0 = jnp.asarray(-1, jnp.int32)

    pure_current = getattr(inputs_at, "pure_current", False)

    def last_condition(y, current, n_done):
        # the carry's current and condition at sample n_done (see `advance`)
        if pure_current:
            current = jnp.where(n_done == 0, current, inputs_at(gen0, k0 + n_done)[1])
        model_ = unpack(packed)
        t = (k0 + n_done) * dt
        c = jnp.where(n_done == 0, c_prev0, model_.spike_condition(t, y, {"I": current}))
        return current, c

    if count and surrogate is None:
        # Counting mode. In XLA's CPU loops every array a step writes is a kernel of its
        # own that recomputes the state update for each element it writes, so a step
        # writes only the state and two int32 (N,) arrays: the refractory count and the
        # step's events (`_event_code`), and the events of the chunk's samples so far,
        # two bits each. Only the first needs the update; the tally of `_tally` is
        # brought up to date from the second once per chunk of `_COUNT_CHUNK` steps.
        # (As one (2, N) array the two were one kernel that recomputed the update for
        # both rows: W6 ~3% slower, warm and first call.)
        def counted(carry, k, j):
            (y, current, gen), ints, first_fail = carry
            code = ints[0]
            # the events of sample k, in a mask begun afresh with each chunk
            mask = jnp.where(j == 0, 0, ints[1]) | ((code & 3) << (2 * j))
            y, refractory, current, gen, spiked, bad, ok = advance(y, code >> 2, current, gen, k)
            first_fail = jnp.where((first_fail < 0) & ~ok, k + 1, first_fail).astype(jnp.int32)
            ints = (_event_code(refractory, spiked, bad), mask)
            return (y, current, gen), ints, first_fail

        # (constants: no kernel to compile)
        stats0 = jnp.stack([jnp.zeros(n, jnp.int32), *[jnp.full(n, -1, jnp.int32)] * 3])
        # sample 0's events wait in the event code as every later sample's do: the first
        # step moves them into the chunk's mask (or, with no step, the last tally takes
        # them), so no tally of their own
        ints0 = (_event_code(ref0, out0, first0 == 0), jnp.zeros(n, jnp.int32))
        carry0 = ((y0, current0, gen0), ints0, fail0)
        final, stats, rec = _count_loop(
            counted, lambda c: model.observe(c[0][0])[:, cols], carry0, stats0, n_valid, n_steps + 1
        )
        (y, current, gen), ints, first_fail = final
        code = ints[0]
        stats = _tally(stats, (code & 1) == 1, (code & 2) == 2, n_valid)
        refractory = code >> 2
        spikes = (stats[0], stats[1], stats[2])
        first_bad = stats[3]
        out = stats[2] == n_valid
        current, c_last = last_condition(y, current, n_valid)
        state = (y, refractory, c_last, current, gen, out)
    else:

        def emit(carry):
            # The sample at step k: the state and the spikes of the step that ended there.
            (y, *_, spiked_prev), _, _ = carry
            return model.observe(y)[:, cols], spiked_prev

        def step(carry, k):
            (y, refractory, current, gen, _), first_bad, first_fail = carry
            y, refractory, current, gen, out, bad, ok = advance(y, refractory, current, gen, k)
            first_fail = jnp.where((first_fail < 0) & ~ok, k + 1, first_fail).astype(jnp.int32)
            first_bad = jnp.where((first_bad < 0) & bad, k + 1, first_bad).astype(jnp.int32)
            return (y, refractory, current, gen, out), first_bad, first_fail

        carry0 = ((y0, ref0, current0, gen0, out0), first0, fail0)
        if surrogate is None:
            final, (rec, spikes) = _loop_raster(step, emit, carry0, n_valid, n_steps + 1)
        else:  # a static trip count (a scan) can be differentiated in reverse mode
            final, (rec, spikes) = _loop_direct(step, emit, carry0, n_valid, n_steps + 1)
        (y, refractory, current, gen, out), first_bad, first_fail = final
        current, c_last = last_condition(y, current, n_valid)
        state = (y, refractory, c_last, current, gen, out)
    return rec, spikes, first_bad, first_fail, state


def _tally(stats, spiked, bad, k):
    """Counting mode's per-neuron record after sample `k`: rows spike count, first and
    last spiking sample (-1 for none), first non-finite sample (-1 while finite)."""
    return jnp.stack(
        [
            stats[0] + spiked,
            jnp.where(spiked & (stats[1] < 0), k, stats[1]),
            jnp.where(spiked, k, stats[2]),
            jnp.where(bad & (stats[3] < 0), k, stats[3]),
        ]
    ).astype(jnp.int32)


def _event_code(refractory, spiked, bad):
    """Counting mode's int32 per neuron: the refractory count times 4, plus 1 for a spike
    and 2 for a non-finite state at the sample."""
    return (
        refractory * 4 + jnp.asarray(spiked, jnp.int32) + 2 * jnp.asarray(bad, jnp.int32)
    ).astype(jnp.int32)


def _tally_chunk(stats, mask, start):
    """`_tally` brought up to date with a chunk's events: `mask` holds two bits per sample
    of the chunk (spike, non-finite), the lowest pair for sample `start`."""
    spikes = mask & 0x55555555
    bad = jax.lax.shift_right_logical(mask, jnp.ones_like(mask)) & 0x55555555

    def half(v):  # v // 2 as a shift: jnp's // is a nested jit, ~5 ms of tracing each
        return jax.lax.shift_right_arithmetic(v, jnp.asarray(1, v.dtype))

    def lowest(bits):  # the sample of the lowest pair set (bits != 0)
        return start + half(31 - jax.lax.clz(bits & -bits))

    def highest(bits):
        return start + half(31 - jax.lax.clz(bits))

    some = spikes != 0
    return jnp.stack(
        [
            stats[0] + jax.lax.population_count(spikes),
            jnp.where(some & (stats[1] < 0), lowest(spikes), stats[1]),
            jnp.where(some, highest(spikes), stats[2]),
            jnp.where((bad != 0) & (stats[3] < 0), lowest(bad), stats[3]),
        ]
    ).astype(jnp.int32)


_COUNT_CHUNK = 16
"""Steps per chunk of counting mode: an int32 holds the events of 16 samples."""


def _count_loop(step, emit, carry0, stats0, n_valid, n_buf):
    """Counting mode's loop: steps 0 .. n_valid - 1 in chunks of `_COUNT_CHUNK`, with
    `step(carry, k, j)` (j the step's place in its chunk) adding the events of sample k to
    the chunk's mask (the second of the carry's int arrays), folded into `stats` after each
    chunk. Returns the carry at sample n_valid, the stats of samples 0 .. n_valid - 1 and
    `emit`'s samples (rows past n_valid unset)."""
    shapes = jax.eval_shape(emit, carry0)
    keep = any(math.prod(a.shape) for a in jax.tree_util.tree_leaves(shapes))
    bufs = jax.tree_util.tree_map(lambda a: jnp.zeros((n_buf, *a.shape), a.dtype), shapes)
    if keep:
        bufs = _put(bufs, 0, emit(carry0))

    def chunk(loop_carry):
        start, carry, stats, bufs = loop_carry

        def body(j, inner_carry):
            carry, bufs = inner_carry
            carry = step(carry, start + j, j)
            if keep:
                bufs = _put(bufs, start + j + 1, emit(carry))
            return carry, bufs

        m = jnp.minimum(_COUNT_CHUNK, n_valid - start)
        carry, bufs = jax.lax.fori_loop(0, m, body, (carry, bufs))
        return start + _COUNT_CHUNK, carry, _tally_chunk(stats, carry[1][1], start), bufs

    # the chunk's first step is carried (no trip count or step index computed apart: each
    # is one more kernel to compile)
    start0 = jnp.zeros((), jnp.int32)
    _, carry, stats, bufs = jax.lax.while_loop(
        lambda c: c[0] < n_valid, chunk, (start0, carry0, stats0, bufs)
    )
    return carry, stats, bufs


_CHUNK = 32
"""Steps per chunk of `_loop`: samples go to a small buffer of this many rows, copied into
the run's buffer once per chunk (W2, HH rk4 in float64: ~2x faster than writing every
sample into the large buffer; larger chunks lose it again)."""

_CHUNK_NARROW = 96
"""Steps per chunk when a sample is at most 8 bytes (W1, one LIF in float32: ~10% faster
than 32; W2 in float64, 16-byte samples, is ~1.6x slower with chunks of 64 or more)."""

_DIRECT_MAX_CARRY = 40
"""`_loop` writes samples straight into the run's buffer also when the loop's carry is at
most this many bytes (one LIF, one HH in float32): XLA's CPU backend then compiles the
whole loop into one function (its loops of under 1 KiB accessed per iteration), which
beats the chunks (W1 float32: 0.19 vs 0.27 ms; the floor 0.12 ms). HH in float64 (53
bytes) is not compiled so and needs the chunks (11 vs 18 ms)."""

_CHUNK_MAX_SAMPLE = 64
"""`_loop` writes samples of more elements than this straight into the run's buffer: for
a large population the copy through the small buffer costs more than it saves (W3, 1000
neurons: ~25% slower)."""


def _loop(step, emit, carry0, n_valid, n_buf, count=False):
    """`_loop_raster`, or with `count` `emit`'s spikes (its second output) summed in the
    loop instead of kept per sample: `(count, first, last)` per neuron (see
    `run_stepped`), the samples' other output as before."""
    if not count:
        return _loop_raster(step, emit, carry0, n_valid, n_buf)

    def tally(stats, spiked, k):
        # one (3, N) array: a single fused update per step
        n_spikes, first, last = stats[0], stats[1], stats[2]
        return jnp.stack(
            [
                n_spikes + spiked,
                jnp.where(spiked & (first < 0), k, first),
                jnp.where(spiked, k, last),
            ]
        )

    _, spiked0 = emit(carry0)
    stats0 = jnp.zeros((3, *spiked0.shape), jnp.int32).at[1:].set(-1)
    stats0 = tally(stats0, spiked0, 0)

    def counted_step(carry, k):
        carry, stats = carry
        carry = step(carry, k)
        return carry, tally(stats, emit(carry)[1], k + 1)

    (carry, stats), rec = _loop_raster(
        counted_step, lambda c: emit(c[0])[0], (carry0, stats0), n_valid, n_buf
    )
    return carry, (rec, (stats[0], stats[1], stats[2]))


def _loop_raster(step, emit, carry0, n_valid, n_buf):
    """Sample 0, then steps 0 .. n_valid - 1, each emitting the sample it ends at: outputs
    in buffers of `n_buf` (static) rows, rows past n_valid unset, and the carry at sample
    n_valid (to continue from). A loop with a traced trip count keeps the final state
    exact without recompiling for each duration and without a per-step copy of the state.

    The steps run in chunks of `_CHUNK` (or `_CHUNK_NARROW`): an inner loop (traced trip
    count, so no step past n_valid is taken) writes its samples into a small buffer, which
    the outer loop copies into the large one. Writing each sample straight into the large
    buffer costs about as much as an HH rk4 step in float64. A sample is emitted from the
    carry the step has just made (reading the previous carry after it is replaced would
    make XLA copy it in every step). The step itself is the same in every chunk, so
    results do not depend on where a run is cut."""
    shapes = jax.eval_shape(emit, carry0)
    leaves, treedef = jax.tree_util.tree_flatten(shapes)
    if all(math.prod(a.shape) == 0 for a in leaves):  # nothing to keep per sample
        carry = jax.lax.fori_loop(0, n_valid, lambda k, c: step(c, k), carry0)
        empty = jax.tree_util.tree_map(lambda a: jnp.zeros((n_buf, *a.shape), a.dtype), shapes)
        return carry, empty
    if (
        sum(math.prod(a.shape) for a in leaves) > _CHUNK_MAX_SAMPLE
        or _nbytes(carry0) <= _DIRECT_MAX_CARRY
    ):
        return _loop_direct(step, emit, carry0, n_valid, n_buf)
    floats = [a.dtype for a in leaves if jnp.issubdtype(a.dtype, jnp.floating)]
    if len(leaves) > 1 and floats and all(a.dtype in (floats[0], jnp.bool_) for a in leaves):
        # one row per sample for all outputs (bools as 0/1): one buffer update per step
        def flat(carry):
            out = jax.tree_util.tree_leaves(emit(carry))
            return jnp.concatenate([a.astype(floats[0]).reshape(-1) for a in out])

        carry, buf = _loop_raster(step, flat, carry0, n_valid, n_buf)
        outs, start = [], 0
        for a in leaves:
            size = math.prod(a.shape)
            part = buf[:, start : start + size].reshape(n_buf, *a.shape)
            outs.append(part != 0 if a.dtype == jnp.bool_ else part)
            start += size
        return carry, jax.tree_util.tree_unflatten(treedef, outs)
    narrow = sum(math.prod(a.shape) * a.dtype.itemsize for a in leaves) <= 8
    chunk_steps = _CHUNK_NARROW if narrow else _CHUNK
    n_chunks = -(-(n_buf - 1) // chunk_steps)
    bufs = jax.tree_util.tree_map(
        lambda a: jnp.zeros((1 + n_chunks * chunk_steps, *a.shape), a.dtype), shapes
    )
    bufs = _put(bufs, 0, emit(carry0))
    small0 = jax.tree_util.tree_map(lambda a: jnp.zeros((chunk_steps, *a.shape), a.dtype), shapes)

    def chunk(c, loop_carry):
        carry, bufs = loop_carry
        start = c * chunk_steps

        def body(j, inner_carry):
            carry, small = inner_carry
            carry = step(carry, start + j)
            return carry, _put(small, j, emit(carry))

        m = jnp.minimum(chunk_steps, n_valid - start)
        carry, small = jax.lax.fori_loop(0, m, body, (carry, small0))
        # 1 + start + chunk_steps <= 1 + n_chunks * chunk_steps: the slice is never shifted back
        bufs = jax.tree_util.tree_map(
            lambda b, s: jax.lax.dynamic_update_slice_in_dim(b, s, start + 1, 0), bufs, small
        )
        return carry, bufs

    carry, bufs = jax.lax.fori_loop(
        0, (n_valid + chunk_steps - 1) // chunk_steps, chunk, (carry0, bufs)
    )
    return carry, jax.tree_util.tree_map(lambda b: b[:n_buf], bufs)


def _nbytes(tree) -> int:
    """Bytes of the arrays of `tree` (traced or not)."""
    return sum(
        math.prod(np.shape(a)) * np.dtype(a.dtype).itemsize for a in jax.tree_util.tree_leaves(tree)
    )


def _put(bufs, k, out):
    """`bufs` with row `k` set to `out`: a dynamic update, no bounds-checking scatter.
    (`lax.dynamic_update_index_in_dim` makes the same optimized program but is a nested
    jit, traced and lowered apart, four times in a W1 program. Leaving out its wrapping
    of negative indices, which `k` never is, made XLA's W1 loop slower: 230 -> 245 us.)"""
    return jax.tree_util.tree_map(
        lambda b, o: jax.lax.dynamic_update_slice_in_dim(b, o.astype(b.dtype)[None], k, 0),
        bufs,
        out,
    )


def _loop_direct(step, emit, carry0, n_valid, n_buf):
    """`_loop` writing every sample straight into the run's buffer (for large samples)."""
    shapes = jax.eval_shape(emit, carry0)
    bufs = jax.tree_util.tree_map(lambda a: jnp.zeros((n_buf, *a.shape), a.dtype), shapes)
    bufs = _put(bufs, 0, emit(carry0))

    def body(k, loop_carry):
        carry, bufs = loop_carry
        carry = step(carry, k)
        return carry, _put(bufs, k + 1, emit(carry))

    return jax.lax.fori_loop(0, n_valid, body, (carry0, bufs))


def _pack_floats(tree, dtype):
    """The `dtype` arrays of `tree` as one vector, and the function that rebuilds `tree`
    from it (exactly: slices and reshapes). A loop body that rebuilds the model from the
    vector passes one buffer to each of its kernels instead of one per parameter, which
    makes an HH rk4 step about 20% faster in float64."""
    leaves, treedef = jax.tree_util.tree_flatten(tree)
    idx = [i for i, a in enumerate(leaves) if isinstance(a, jax.Array) and a.dtype == dtype]
    if not idx:
        return None, lambda packed: tree
    shapes = [leaves[i].shape for i in idx]
    packed = jnp.concatenate([jnp.ravel(leaves[i]) for i in idx])

    def unpack(packed):
        out, start = list(leaves), 0
        for i, shape in zip(idx, shapes, strict=True):
            size = math.prod(shape)
            out[i] = packed[start : start + size].reshape(shape)
            start += size
        return jax.tree_util.tree_unflatten(treedef, out)

    return packed, unpack


def _first_bad_rows(first_bad, y, k):
    """Per neuron (row of `y`), the first sample index whose state is not finite (-1 while
    all are): an elementwise update per step, where one index for the population would
    reduce over all neurons in every step."""
    bad = ~jnp.all(jnp.isfinite(y), axis=1)
    return jnp.where((first_bad < 0) & bad, k, first_bad).astype(jnp.int32)


def _first_bad(first_bad, y, k):
    """The first sample index whose state is not finite (-1 while all are finite)."""
    bad = ~jnp.all(jnp.isfinite(jnp.asarray(y)))
    return jnp.where((first_bad < 0) & bad, k, first_bad).astype(jnp.int32)


def _scan_stepwise(
    model: AbstractStepwiseModel,
    inputs_at,
    receive,
    carries0,
    n_steps,
    dt,
    method,
    record_cols,
    n_valid,
    k0,
    init,
    count=False,
):
    del dt, method, receive
    cols = jnp.array(record_cols, dtype=jnp.int32)

    def emit(carry):
        neuron, _, spiked_prev = carry[0]
        return model.record_state(neuron)[:, cols], spiked_prev

    def step(carry, k):
        (neuron, gen, _), first_bad = carry
        gen, current, spikes_in = inputs_at(gen, k0 + k)
        neuron, spiked = model.step(neuron, current + jnp.sum(spikes_in, axis=0))
        first_bad = _first_bad(first_bad, model.record_state(neuron), k + 1)
        return (neuron, gen, spiked.astype(bool)), first_bad

    if init is None:
        init = (model.init_state(), carries0, jnp.zeros(model.size, bool))
    first0 = _first_bad(jnp.asarray(-1), model.record_state(init[0]), 0)
    (saved, first_bad), (rec, spikes) = _loop(
        step, emit, (init, first0), n_valid, n_steps + 1, count
    )
    return rec, spikes, first_bad, jnp.asarray(-1, jnp.int32), saved


run_stepped.__wrapped__ = _run_stepped
