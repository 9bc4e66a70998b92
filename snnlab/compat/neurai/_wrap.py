"""Subclasses of snnlab's models that take neurai's constructor arguments and methods.

A wrapped class has the snnlab model's name, fields and behaviour, and in addition:

- accepts neurai's common arguments: `pid`, `id`, `neuron_start_id`, `stdp_tau`,
  `tau_triplet`, `area_name`, `parent`, `frozen_params`, `rng_col` (recorded in
  `neurai_options`, no effect: multi-process ids, APU ids and STDP traces have no
  meaning here), `name`;
- neurons take `dendritic_delay` (steps, default 1 as in neurai's signature; an int, an
  array or an initializer), which `StaticSynapse` turns into the connection delay
  (SEED-NOTES decision 14), and `get_dendritic_delay_data`;
- `tau_syn` given as a list or a 1-D array is one synaptic current per receptor, as in
  neurai (`receptor=` on the connection chooses one; a per-neuron `tau_syn` comes from an
  initializer);
- continuous neurons take `surrogate_grad_fn` (kept on the model; see
  `snnlab.simulate(..., surrogate=True)`);
- stepwise neurons take `record_v`, `time_recurrent`, `before_reset_mem`,
  `param_dtype` and have `init_neuron_state`, `neuronal_integrate`,
  `neuronal_reset(spike)` and a stateful `__call__` returning spikes, as neurai's;
- any per-neuron parameter, `v_init` or a generator's `prob` may be an initializer,
  resolved for `size` neurons from `seed` (default 0);
- generators have `reset()` and `is_spike_binary`.
"""

from __future__ import annotations

import warnings
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from ...core import AbstractGenerator
from ...neurons import AbstractStepwiseNeuron, Sigmoid, is_initializer, resolve_initializers
from . import const

IGNORED = (
    "pid",
    "id",
    "neuron_start_id",
    "stdp_tau",
    "tau_triplet",
    "area_name",
    "parent",
    "frozen_params",
    "rng_col",
)
"""neurai arguments accepted and recorded in `neurai_options`, without effect."""


class _Memo:
    """Per-instance memory of the stateful neurai calls (hashes by identity)."""

    def __init__(self):
        self.state = None
        self.h = None


def _options(kwargs: dict, names) -> tuple:
    return tuple((k, repr(kwargs.pop(k))) for k in list(kwargs) if k in names)


def _convert(kwargs: dict) -> dict:
    for key in ("method", "step_mode", "reset_type", "computation_type"):
        if key in kwargs:
            kwargs[key] = const.as_name(kwargs[key])
    return kwargs


class NeuraiNeuronMixin:
    """neurai's methods shared by the wrapped neurons."""

    def get_dendritic_delay_data(self, delay_step=None) -> jax.Array:
        """The dendritic delay in steps per neuron, `(size,)` int: `dendritic_delay`, or
        `delay_step` if given. snnlab applies delays on the connection (`StaticSynapse`
        passes `delay * dt` ms to `snnlab.Connection`)."""
        d = self.dendritic_delay if delay_step is None else delay_step
        return jnp.broadcast_to(jnp.asarray(d, jnp.int32), (self.size,))


class NeuraiStepwiseMixin(NeuraiNeuronMixin):
    """neurai's stateful stepwise interface on top of snnlab's pure `step`/`run`."""

    def init_neuron_state(self, input_shape) -> dict:
        """The state for an input of `input_shape`: `(..., size)` in single-step mode,
        `(T, ..., size)` in multi-step mode (snnlab's time-first layout). Also stored as
        the state the next `__call__` starts from.

        **Returns:** the state dict (see `init_state`)."""
        shape = tuple(input_shape)
        if self.step_mode == "multi":
            shape = shape[1:]
        state = self.init_state(batch_shape=shape[:-1])
        self.memo.state = state
        return state

    def neuronal_integrate(self, input, state: dict | None = None) -> jax.Array:
        """neurai's integrate part: the pre-reset potential H from the held (or given)
        state and the `input` of one step. **Returns:** H, shape of `input`."""
        state = self._held(input) if state is None else state
        h = self.integrate(state, jnp.asarray(input, self._dtype()))
        self.memo.h = h
        return h

    def neuronal_reset(self, *args, **kwargs):
        """`neuronal_reset(spike)` (neurai): the potential after the reset of the H from
        the last `neuronal_integrate`; or snnlab's `neuronal_reset(h, spikes,
        threshold=None)`."""
        if len(args) + len(kwargs) == 1:
            spike = args[0] if args else kwargs.popitem()[1]
            if self.memo.h is None:
                raise ValueError("neuronal_reset(spike) needs a neuronal_integrate call first.")
            return super().neuronal_reset(self.memo.h, spike)
        return super().neuronal_reset(*args, **kwargs)

    def _held(self, x):
        if self.memo.state is None:
            self.memo.state = self.init_state(batch_shape=jnp.shape(x)[:-1])
        return self.memo.state

    def __call__(self, x, state: dict | None = None):
        """neurai's call: advance the held state by one step (single) or by every step of
        `x` (multi, time first) and return the spikes, or `(spikes, V)` with `record_v`.

        Stateful (the state lives on this instance): for jit and gradients use the pure
        `step` / `run`, which this calls."""
        x = jnp.asarray(x, self._dtype())
        if self.step_mode == "single":
            start = self._held(x) if state is None else state
            new, s = self.step(start, x)
            v = new["V"]
        else:
            if state is None:
                state = self.memo.state
                if state is None:
                    state = self.init_state(batch_shape=x.shape[1:-1])
            new, s, traces = self.run(x, state)
            v = traces["V"]
        self.memo.state = new
        return (s, v) if self.record_v else s

    def reset_state(self):
        """Forget the held state (the next call starts from `init_state`)."""
        self.memo.state = None
        self.memo.h = None


class NeuraiGeneratorMixin:
    """neurai's generator methods."""

    def reset(self):
        """neurai's `reset()`: snnlab's generators hold no state between runs (each run
        starts from its seed), so this returns `self`."""
        return self


def wrap(base: type, is_spike_binary: bool | None = None, doc: str = "") -> type:
    """The neurai-compatible subclass of the snnlab model class `base` (see module doc)."""
    stepwise = issubclass(base, AbstractStepwiseNeuron)
    generator = issubclass(base, AbstractGenerator)
    # equinox warns that a class with its own __init__ skips __post_init__; base.__init__
    # (the dataclass one) still runs the base's __post_init__, which the models rely on.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return _finish(_make(base, generator, stepwise, is_spike_binary), base, doc)


def _make(base, generator, stepwise, is_spike_binary):
    if generator:

        class Wrapped(NeuraiGeneratorMixin, base):
            name: Any = eqx.field(static=True, default=None)
            neurai_options: tuple = eqx.field(static=True, default=())

            def __init__(self, size=1, *args, **kwargs):
                opts = _options(kwargs, IGNORED)
                name = kwargs.pop("name", None)
                seed = kwargs.pop("seed", 0)
                kwargs = resolve_initializers(kwargs, size, seed)
                base.__init__(self, size, *args, **kwargs)
                self.name = name
                self.neurai_options = opts

        if is_spike_binary is not None:
            Wrapped.is_spike_binary = is_spike_binary

    elif stepwise:

        class Wrapped(NeuraiStepwiseMixin, base):
            dendritic_delay: jax.Array = eqx.field(converter=np.asarray, default=1)
            name: Any = eqx.field(static=True, default=None)
            record_v: bool = eqx.field(static=True, default=False)
            time_recurrent: bool = eqx.field(static=True, default=False)
            param_dtype: Any = eqx.field(static=True, default=None)
            neurai_options: tuple = eqx.field(static=True, default=())
            memo: _Memo = eqx.field(static=True, default=None)

            def __init__(self, size=1, **kwargs):
                opts = _options(kwargs, IGNORED)
                name = kwargs.pop("name", None)
                seed = kwargs.pop("seed", 0)
                delay = kwargs.pop("dendritic_delay", 1)
                record_v = bool(kwargs.pop("record_v", False))
                time_recurrent = bool(kwargs.pop("time_recurrent", False))
                param_dtype = kwargs.pop("param_dtype", None)
                before = kwargs.pop("before_reset_mem", None)
                if before:
                    kwargs.setdefault("record_H", True)
                kwargs = resolve_initializers(_convert(kwargs), size, seed, param_dtype)
                if is_initializer(delay):
                    delay = resolve_initializers({"dendritic_delay": delay}, size, seed)[
                        "dendritic_delay"
                    ]
                base.__init__(self, size=size, **kwargs)
                self.dendritic_delay = np.rint(np.asarray(delay)).astype(np.int32)
                self.name = name
                self.record_v = record_v
                self.time_recurrent = time_recurrent
                self.param_dtype = param_dtype
                self.neurai_options = opts
                self.memo = _Memo()

    else:

        class Wrapped(NeuraiNeuronMixin, base):
            dendritic_delay: jax.Array = eqx.field(converter=np.asarray, default=1)
            surrogate_grad_fn: Any = None
            name: Any = eqx.field(static=True, default=None)
            neurai_options: tuple = eqx.field(static=True, default=())

            def __init__(self, size=1, **kwargs):
                opts = _options(kwargs, IGNORED)
                name = kwargs.pop("name", None)
                seed = kwargs.pop("seed", 0)
                delay = kwargs.pop("dendritic_delay", 1)
                surrogate = kwargs.pop("surrogate_grad_fn", None)
                if "tau_syn" in kwargs and np.ndim(kwargs["tau_syn"]) == 1:
                    # neurai: a list or array of tau_syn is one current per receptor
                    kwargs["tau_syn"] = [float(t) for t in np.asarray(kwargs["tau_syn"])]
                kwargs = resolve_initializers(_convert(kwargs), size, seed)
                if is_initializer(delay):
                    delay = resolve_initializers({"dendritic_delay": delay}, size, seed)[
                        "dendritic_delay"
                    ]
                base.__init__(self, size=size, **kwargs)
                self.dendritic_delay = np.rint(np.asarray(delay)).astype(np.int32)
                self.surrogate_grad_fn = Sigmoid() if surrogate is None else surrogate
                self.name = name
                self.neurai_options = opts

    return Wrapped


def _finish(Wrapped, base, doc):
    Wrapped.__name__ = base.__name__
    Wrapped.__qualname__ = base.__name__
    Wrapped.__module__ = "snnlab.compat.neurai.nn"
    Wrapped.__doc__ = (
        f"neurai's `{base.__name__}` on `{base.__module__.split('._')[0]}.{base.__name__}`"
        f" (see `snnlab.compat.neurai`).{doc}\n\n{base.__doc__ or ''}"
    )
    return Wrapped
