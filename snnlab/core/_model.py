"""The abstract neuron model: the event-model interface shared by both engines.

A continuous-time model is defined once, by its vector field (`dynamics`), its
threshold (`spike_condition`), the jump an input spike causes (`input_spike`) and
its reset (`reset_spiked`), as in eventax's `NeuronModel`. The stepped engine
integrates `dynamics` on a grid; an event engine integrates it with diffrax and
finds threshold crossings by root finding. Unlike eventax, parameters are array
leaves (never static fields), so a new parameter value never retraces.
"""

from __future__ import annotations

import abc
import math
from typing import ClassVar, NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from ._param import check_parameters, param_specs
from ._typing import Args, Index, PerNeuron, SpikeMask, State

METHODS = ("euler", "exp_euler", "rk4", "rkf45")


class LeakyClosedForm(NamedTuple):
    """A membrane with an exact solution between events, for the event engine's fast path.

    Between events, with s the time since the segment start (ms),

        tau_m dV/ds = V_inf - V + b exp(-s / tau_s),

    and a spike is V reaching `v_th` from below. State columns in `decay_cols` decay as
    exp(-s / tau_s) (a synaptic current), all others but `v_col` stay constant.

    With K receptors, `b` is `(N, K)` and `tau_s` broadcasts to it: the drive is the sum
    of K such terms, column `decay_cols[j]` decaying with `tau_s[..., j]`.

    **Fields:** `v_col` (int, the column of V), `v_inf` (mV, per neuron), `b` (mV: the
    synaptic drive R I_syn at s = 0), `tau_m`, `tau_s` (ms), `v_th` (mV), `decay_cols`
    (tuple of ints).
    """

    v_col: int
    v_inf: jax.Array
    b: jax.Array
    tau_m: jax.Array
    tau_s: jax.Array
    v_th: jax.Array
    decay_cols: tuple[int, ...] = ()


class AbstractNeuronModel(eqx.Module):
    """Base class of every continuous-time neuron model.

    A population of `size` neurons has a state array `y` of shape `(size, S)` whose
    columns are named by `state_names`. Units follow neurai: ms, mV, pA, pF, nS, GOhm.

    **Fields:**

    - `size`: number of neurons (static: a new size recompiles).
    - `method`: the integrator the stepped engine uses by default, one of
      "euler", "exp_euler", "rk4", "rkf45" (static).

    Subclasses declare their parameters with `snnlab.core.parameter` and implement the
    abstract methods below (`state_names`, `init_state`, `dynamics`, `spike_condition`,
    `reset_spiked`): a class missing one cannot be instantiated (`TypeError` naming it).
    `args` passed to `dynamics` and `spike_condition` holds `"I"`: the external input
    current per neuron in pA (0 when absent).
    """

    size: eqx.AbstractVar[int]
    method: eqx.AbstractVar[str]

    input_state: ClassVar[str] = "V"
    """Name of the state variable an input spike jumps (`V` for delta synapses, `I_syn` for
    current-based synapses); the jump is the connection weight, in that variable's unit."""

    refractory_clamped: ClassVar[tuple[str, ...]] = ("V",)
    """State variables held at their post-reset value during the refractory period."""

    max_spike_dt: ClassVar[float | None] = None
    """The longest grid step (ms) at which the stepped engine sees every spike of this
    model, or None for no limit. The engine checks the spike condition on the grid only:
    a model that resets on a spike keeps the condition true until the grid sees it, but
    one whose spike is a free excursion (Hodgkin-Huxley) can cross the threshold and come
    back within one longer step. A run with a longer dt warns (`CoarseStepWarning`)."""

    def __check_init__(self):
        if not isinstance(self.size, int) or isinstance(self.size, bool) or self.size < 1:
            raise ValueError(
                f"{type(self).__name__}: size={self.size!r} must be a positive integer."
            )
        if self.method not in METHODS:
            raise ValueError(
                f"{type(self).__name__}: method={self.method!r} is unknown; use one of {METHODS}."
            )
        check_parameters(self, self.size)
        for message, ok in self.constraints():
            if _concrete_false(ok):
                raise ValueError(f"{type(self).__name__}: {message}")

    # ---- the event-model interface -------------------------------------------------

    @property
    @abc.abstractmethod
    def state_names(self) -> tuple[str, ...]:
        """Names of the state columns, e.g. `("V",)` or `("V", "I_syn")` (a class attribute
        in the built-in models)."""

    @property
    def state_units(self) -> tuple[str, ...]:
        """Unit of each state column, aligned with `state_names`."""
        return ("",) * len(self.state_names)

    @abc.abstractmethod
    def init_state(self, n_neurons: int | None = None) -> State:
        """The initial state, shape `(n_neurons, S)` (`n_neurons` defaults to `size`)."""

    @abc.abstractmethod
    def dynamics(self, t: float, y: State, args: Args) -> State:
        """dy/dt at time `t` (ms) for state `y`; same shape as `y`, units per ms."""

    @abc.abstractmethod
    def spike_condition(self, t: float, y: State, args: Args) -> PerNeuron:
        """A function of the state that crosses zero from below when a neuron spikes."""

    @abc.abstractmethod
    def reset_spiked(self, y: State, spiked_mask: SpikeMask) -> State:
        """The state right after the neurons in `spiked_mask` spiked."""

    def input_spike(
        self,
        y: State,
        from_idx: Index,
        to_idx: jax.Array,
        valid_mask: jax.Array,
        weight: jax.Array | float = 1.0,
    ) -> State:
        """The state after a presynaptic spike from `from_idx` reaches the `to_idx` targets.

        `to_idx` may be padded; `valid_mask` marks the real targets. `weight` (scalar or one
        per target) is the jump of `input_state`. `from_idx` does not change the effect in
        the built-in models (the sign of the weight picks a receptor where there are two).
        """
        del from_idx
        w = jnp.where(valid_mask, jnp.broadcast_to(weight, to_idx.shape), 0.0).astype(y.dtype)
        dense = jnp.zeros(y.shape[0], y.dtype).at[to_idx].add(w)
        return self.input_jump(y, dense)

    def observe(self, y: State) -> State:
        """Readout channels, shape `(neurons, channels)`; the state itself by default.

        Both engines record these (named by `observe_names`), not the raw state, so a model
        whose state is a transformed variable can show the physical one.
        """
        return y

    @property
    def observe_names(self) -> tuple[str, ...]:
        """Names of the `observe` channels (what `Result[...]` and `record=` accept);
        `state_names` by default. A model overriding `observe` should override this too
        (otherwise its channels take the state names when there are as many, else
        "obs0", "obs1", ...)."""
        if type(self).observe is AbstractNeuronModel.observe:
            return tuple(self.state_names)
        n_obs = jax.eval_shape(self.observe, jax.eval_shape(self.init_state)).shape[1]
        if n_obs == len(self.state_names):  # e.g. a wrapper delegating to its model
            return tuple(self.state_names)
        return tuple(f"obs{i}" for i in range(n_obs))

    def closed_form(self, y: State, args: Args) -> LeakyClosedForm | None:
        """The exact membrane solution between events at state `y`, or None (the default:
        the event engine then integrates `dynamics` with diffrax).

        Whether it returns None must not depend on the values of `y` or the parameters
        (it decides the engine's code path). LIF and ExpLIF provide it; a subclass that
        changes their `dynamics` gets None unless it provides its own.
        """
        del y, args
        return None

    def __call__(self, t, y, args):
        return self.dynamics(t, y, args)

    # ---- hooks with defaults -------------------------------------------------------

    @property
    def n_receptor(self) -> int:
        """Number of receptors (synaptic currents an input `Connection` can choose with
        `receptor=`); 1 unless a model has several (e.g. `ExpLIF(tau_syn=[2.0, 8.0])`)."""
        return 1

    def input_jump(self, y: State, weight_sum: PerNeuron) -> State:
        """Apply the summed weight of all spikes arriving at each neuron in one instant.

        Models with `n_receptor > 1` take `receptor=r` (an int) as well; the engines pass
        it for receptors other than 0 only.
        """
        col = self.state_names.index(self.input_state)
        return y.at[:, col].add(weight_sum)

    def refractory_period(self) -> PerNeuron | float:
        """Refractory period in ms (0 for none)."""
        return 0.0

    def constraints(self) -> list[tuple[str, jax.Array | bool]]:
        """Relations between parameters that must hold: `(message, condition)` pairs."""
        return []

    def exp_euler_step(self, t: float, y: State, args: Args, dt: float) -> State:
        """One exponential-Euler step of length `dt` (ms).

        The default linearises each state variable on its own (the diagonal of the
        Jacobian, from `jax.jvp`) and integrates that linear part exactly; models whose
        sub-dynamics are linear override it with their exact propagator.
        """
        f = self.dynamics(t, y, args)
        n_states = y.shape[1]
        cols = []
        for s in range(n_states):
            tangent = jnp.zeros_like(y).at[:, s].set(1.0)
            _, df = jax.jvp(lambda z: self.dynamics(t, z, args), (y,), (tangent,))
            cols.append(df[:, s])
        a = jnp.stack(cols, axis=1)
        return y + dt * phi1(a * dt) * f

    def column(self, y: State, name: str) -> PerNeuron:
        """The state variable `name` for every neuron."""
        return y[:, self.state_names.index(name)]

    @classmethod
    def parameter_specs(cls):
        """The declared parameters and their metadata (see `snnlab.core.ParamSpec`)."""
        return param_specs(cls)


@jax.custom_jvp
def phi1(z: jax.Array) -> jax.Array:
    """(exp(z) - 1) / z, continuous at z = 0 (value 1), with an accurate derivative."""
    # expm1(z) / z is accurate to an ulp or two down to the smallest z; only z = 0 needs
    # its own value. (A test |z| < eps here made an HH rk4 step 35% slower in float64.)
    zero = z == 0
    return jnp.where(zero, 1.0, jnp.expm1(z) / jnp.where(zero, 1.0, z))


_PHI1_SERIES = 0.1
"""Below this |z|, phi1's derivative is summed from its Taylor series (the closed form
(e^z - phi1(z)) / z loses digits to cancellation near 0)."""


@phi1.defjvp
def _phi1_jvp(primals, tangents):
    (z,), (dz,) = primals, tangents
    f = phi1(z)
    small = jnp.abs(z) < _PHI1_SERIES
    zs = jnp.where(small, 1.0, z)
    closed = (jnp.exp(zs) - jnp.where(small, 1.0, f)) / zs
    # phi1'(z) = sum_k k z^(k-1) / (k + 1)!, to k = 9 (remainder < 1e-16 for |z| < 0.1)
    series = jnp.zeros_like(z)
    for k in range(9, 0, -1):
        series = series * z + k / math.factorial(k + 1)
    return f, dz * jnp.where(small, series, closed)


def _concrete_false(ok) -> bool:
    if isinstance(ok, jax.core.Tracer):
        return False
    return not bool(np.all(np.asarray(ok)))


class AbstractStepwiseModel(eqx.Module):
    """Base class of discrete-time models (one step = `dt`), run by the stepped engine only.

    The state is a pytree. Each step receives the summed input `x` per neuron (current
    plus weighted spikes) and returns the new state and the spikes.
    """

    size: eqx.AbstractVar[int]

    @property
    @abc.abstractmethod
    def state_names(self) -> tuple[str, ...]:
        """Names that `record_state` returns, e.g. `("V",)`."""

    @property
    def state_units(self) -> tuple[str, ...]:
        """Unit of each recorded variable, aligned with `state_names`."""
        return ("",) * len(self.state_names)

    @abc.abstractmethod
    def init_state(self, n_neurons: int | None = None):
        """The initial state pytree."""

    @abc.abstractmethod
    def step(self, state, x: PerNeuron):
        """One step: `(state, x) -> (state, spikes)`, spikes of shape `(size,)`."""

    @abc.abstractmethod
    def record_state(self, state) -> jax.Array:
        """The recorded variables, shape `(size, len(state_names))`."""

    @classmethod
    def parameter_specs(cls):
        """The declared parameters and their metadata (see `snnlab.core.ParamSpec`)."""
        return param_specs(cls)
