r"""Discrete-time spiking neurons for training (neurai's `StepwiseNeuron` family).

One step of every model here is: integrate the input into a pre-reset potential $H[t]$,
fire $s[t] = \Theta(H[t] - V_{th})$ with a surrogate gradient, then reset:

- `reset_type="hard"` (the default, also for `None`): $V[t] = H[t](1 - s[t]) + V_{reset}\,s[t]$;
- `reset_type="soft"`, or `V_reset=None`: $V[t] = H[t] - V_{th}\,s[t]$.

Both are written as arithmetic on $s$ so that gradients flow through the reset too
(`detach_reset=True` stops them there). Potentials are dimensionless (normalised units);
one step is one time bin, which `snnlab.simulate` labels with its `dt`.

Each model runs three ways that give identical numbers:

- `model.step(state, x)`: one step (what `snnlab.simulate(..., engine="stepped")` calls);
- `model.run(x)` / `multi_step(model, x)`: all steps of `x` of shape `(T, ..., size)` in one
  `lax.scan`, for a training loop;
- `model(x)`: one or the other depending on `step_mode`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp

from ..core import AbstractStepwiseModel, check_parameters, parameter
from ._surrogate import (
    AbstractSurrogate,
    GatedSurrogate,
    MultiGaussian,
    Rectangular,
    Sigmoid,
    spike_fn,
)

RESET_TYPES = (None, "hard", "soft")
STEP_MODES = ("single", "multi")

State = dict[str, jax.Array]


def _bool_field(default: bool) -> Any:
    return eqx.field(static=True, default=default)


class AbstractStepwiseNeuron(AbstractStepwiseModel):
    r"""Base of the discrete-time models: state, surrogate spike, step and scan.

    **Fields shared by every model:**

    - `size`: number of neurons (static).
    - `V_th`: firing threshold; `V_reset`: potential after a spike (`None`: subtract the
      threshold); `v_init`: potential at step 0 (neurai starts at 0).
    - `surrogate_grad_fn`: an `AbstractSurrogate` (default `Sigmoid()`).
    - `reset_type`: `"hard"`, `"soft"` or `None` (hard) (static).
    - `step_mode`: `"multi"` (default) or `"single"`: what `model(x)` does (static).
    - `detach_reset`: stop gradients through the reset (static).
    - `record_H`: also record the pre-reset potential `H` (static).

    The state is a dict of arrays of shape `batch_shape + (size,)`; it always holds `V`
    (after reset) and `H` (before reset). Subclasses implement `integrate`.
    """

    size: int = eqx.field(static=True, default=1)
    V_th: jax.Array = parameter(1.0, unit="", doc="firing threshold", slider=(0.1, 3.0))
    V_reset: jax.Array | None = parameter(
        0.0,
        unit="",
        doc="potential after a spike (hard reset); None: subtract V_th (reset_type='soft')",
        slider=(-1.0, 0.9),
        optional=True,
    )
    v_init: jax.Array = parameter(
        0.0, unit="", doc="potential at step 0 (not a neurai argument; neurai starts at 0)"
    )
    surrogate_grad_fn: AbstractSurrogate = Sigmoid()
    reset_type: str | None = eqx.field(static=True, default=None)
    step_mode: str = eqx.field(static=True, default="multi")
    detach_reset: bool = _bool_field(False)
    record_H: bool = _bool_field(False)

    def __post_init__(self):
        self._resolve_reset()

    def _resolve_reset(self):
        # The parameter converter stores V_reset=None as 0.0 (so toggling it keeps the
        # pytree); the meaning of None, "subtract the threshold", lives in the static
        # reset_type instead.
        if self.V_reset is None and self.reset_type != "soft":
            self.reset_type = "soft"

    def __check_init__(self):
        name = type(self).__name__
        if not isinstance(self.size, int) or isinstance(self.size, bool) or self.size < 1:
            raise ValueError(f"{name}: size={self.size!r} must be a positive integer.")
        if self.reset_type not in RESET_TYPES:
            raise ValueError(
                f"{name}: reset_type={self.reset_type!r} is unknown; use 'hard', 'soft' or None."
            )
        if self.step_mode not in STEP_MODES:
            raise ValueError(
                f"{name}: step_mode={self.step_mode!r} is unknown; use 'single' or 'multi'."
            )
        if not isinstance(self.surrogate_grad_fn, AbstractSurrogate):
            raise ValueError(
                f"{name}: surrogate_grad_fn must be a surrogate from snnlab.neurons "
                f"(e.g. Sigmoid()), got {type(self.surrogate_grad_fn).__name__}."
            )
        check_parameters(self, self.size)

    # ---- state ---------------------------------------------------------------------

    @property
    def state_names(self) -> tuple[str, ...]:
        """`("V",)`, plus `"H"` when `record_H` is set."""
        return self._recorded() + (("H",) if self.record_H else ())

    @property
    def state_units(self) -> tuple[str, ...]:
        """All potentials are dimensionless."""
        return ("",) * len(self.state_names)

    def _recorded(self) -> tuple[str, ...]:
        return ("V",)

    def _dtype(self):
        return jnp.result_type(self.V_th.dtype, jnp.result_type(float))

    def init_state(self, n_neurons: int | None = None, batch_shape: tuple[int, ...] = ()) -> State:
        """The state before the first step.

        **Arguments:**

        - `n_neurons`: neurons per sample (default `size`).
        - `batch_shape`: leading batch axes.

        **Returns:**

        A dict with `V` (at `v_init`) and `H` (zero), each of shape
        `batch_shape + (n_neurons,)`.
        """
        shape = tuple(batch_shape) + (self.size if n_neurons is None else n_neurons,)
        v = jnp.broadcast_to(self.v_init, shape).astype(self._dtype())
        return {"V": v, "H": jnp.zeros(shape, v.dtype)}

    def record_state(self, state: State) -> jax.Array:
        """The recorded variables stacked on a last axis, shape `(..., size, R)`."""
        return jnp.stack([state[n] for n in self.state_names], axis=-1)

    # ---- one step ------------------------------------------------------------------

    def integrate(self, state: State, x: jax.Array) -> jax.Array:
        """neurai's `neuronal_integrate`: the pre-reset potential `H[t]` from the state at
        `t - 1` and the input `x[t]`."""
        raise NotImplementedError

    @property
    def resets_by_subtraction(self) -> bool:
        """True for a soft reset (`reset_type="soft"`, or `V_reset=None` at construction)."""
        return self.reset_type == "soft"

    def fire(self, h: jax.Array, threshold: jax.Array | None = None) -> jax.Array:
        r"""Spikes $\Theta(H - \theta)$ with the model's surrogate gradient."""
        theta = self.V_th if threshold is None else threshold
        return spike_fn(h - theta, self.surrogate_grad_fn)

    def neuronal_reset(
        self, h: jax.Array, spikes: jax.Array, threshold: jax.Array | None = None
    ) -> jax.Array:
        r"""The potential after the reset: $H(1-s) + V_{reset}s$ or $H - \theta s$."""
        s = jax.lax.stop_gradient(spikes) if self.detach_reset else spikes
        theta = self.V_th if threshold is None else threshold
        if self.resets_by_subtraction:
            return h - theta * s
        return h * (1.0 - s) + self.V_reset * s

    def step(self, state: State, x: jax.Array) -> tuple[State, jax.Array]:
        """One step.

        **Arguments:**

        - `state`: the state after the previous step (see `init_state`).
        - `x`: the summed input of this step, shape `(..., size)`.

        **Returns:**

        `(state, spikes)`: the new state and the spikes (0.0 / 1.0, float so that the
        surrogate gradient flows), shape of `x`.
        """
        h = self.integrate(state, x)
        s = self.fire(h)
        return {"V": self.neuronal_reset(h, s), "H": h}, s

    # ---- many steps ----------------------------------------------------------------

    def run(
        self, x: jax.Array, state: State | None = None
    ) -> tuple[State, jax.Array, dict[str, jax.Array]]:
        """All steps of an input sequence in one `lax.scan` (neurai's multi-step mode).

        **Arguments:**

        - `x`: inputs of shape `(T, ..., size)`, time first.
        - `state`: the initial state (default `init_state` with the batch axes of `x`).

        **Returns:**

        `(final_state, spikes, traces)`: spikes of shape `(T, ..., size)` and a dict of the
        recorded variables (`state_names`), each `(T, ..., size)`.
        """
        x = jnp.asarray(x, self._dtype())
        if x.ndim < 2 or x.shape[-1] != self.size:
            raise ValueError(
                f"{type(self).__name__}.run: x has shape {x.shape}; expected (T, ..., {self.size})."
            )
        if state is None:
            state = self.init_state(batch_shape=x.shape[1:-1])

        def body(carry, x_t):
            carry, s = self.step(carry, x_t)
            return carry, (s, {n: carry[n] for n in self.state_names})

        state, (spikes, traces) = jax.lax.scan(body, state, x)
        return state, spikes, traces

    def __call__(self, x: jax.Array, state: State | None = None):
        """`step` when `step_mode="single"` (returns `(state, spikes)`, `x` of shape
        `(..., size)`), `run` when `"multi"` (returns `(state, spikes, traces)`)."""
        if self.step_mode == "single":
            x = jnp.asarray(x, self._dtype())
            if state is None:
                state = self.init_state(batch_shape=x.shape[:-1])
            return self.step(state, x)
        return self.run(x, state)


def multi_step(model: AbstractStepwiseNeuron, x: jax.Array, state: State | None = None):
    """`model.run(x, state)`: every step of `x` (shape `(T, ..., size)`) in one scan.

    **Returns:**

    `(final_state, spikes, traces)` as `AbstractStepwiseNeuron.run`.
    """
    return model.run(x, state)


def single_step(model: AbstractStepwiseNeuron, state: State, x: jax.Array):
    """`model.step(state, x)`: one step; returns `(state, spikes)`."""
    return model.step(state, x)


_TAU_STEPS = dict(unit="steps", bounds=(1.0, None), slider=(1.0, 100.0), log=True)
_POSITIVE = dict(bounds=(0.0, None), inclusive=(False, True))


# ---- integrate-and-fire family ----------------------------------------------------------


class SNNIF(AbstractStepwiseNeuron):
    r"""Integrate-and-fire neuron (neurai `SNNIF`).

    $$H[t] = V[t-1] + X[t]$$

    then fire at $H \ge V_{th}$ and reset (hard by default). Dimensionless potential;
    one step per time bin.
    """

    def integrate(self, state, x):
        return state["V"] + x


class SNNLIF(AbstractStepwiseNeuron):
    r"""Leaky integrate-and-fire neuron (neurai `SNNLIF`).

    $$H[t] = V[t-1]\left(1 - \frac{1}{\tau}\right) + \frac{V_{rest} + R\,X[t]}{\tau}$$

    With $V_{rest} = 0$ (the default) this is neurai's documented update
    $V(1 - 1/\tau) + RX/\tau$; neurai lists `V_rest` but leaves it out of the formula, so
    here it is the potential the leak relaxes to. $\tau$ is in steps ($\ge 1$).
    """

    reset_type: str | None = eqx.field(static=True, default="hard")
    V_rest: jax.Array = parameter(0.0, unit="", doc="resting potential the leak relaxes to")
    R: jax.Array = parameter(
        1.0,
        unit="",
        doc="input gain (membrane resistance)",
        slider=(0.1, 10.0),
        log=True,
        **_POSITIVE,
    )
    tau: jax.Array = parameter(10.0, doc="membrane time constant", **_TAU_STEPS)

    def integrate(self, state, x):
        v = state["V"]
        return v * (1.0 - 1.0 / self.tau) + (self.V_rest + self.R * x) / self.tau


class SparseLIF(AbstractStepwiseNeuron):
    r"""LIF for sparse spiking gradient descent (Perez-Nieves & Goodman 2021; neurai
    `SparseLIF`).

    Input spikes enter the membrane directly, without a synaptic filter:

    $$H[t] = \alpha V[t-1] + X[t], \qquad \alpha = e^{-\Delta t / \tau_m}$$

    with $\Delta t$ = `time_step` and $\tau_m$ = `tau_m` (both in s). The backward pass is
    sparse: the surrogate derivative is zero unless $H > BV_{th}$ (the backward threshold),
    so only neurons near threshold carry gradient.

    `V_rest`, `R` and `tau` are inherited from neurai's `SNNLIF` signature and are not
    used by this update. `features`, `tau_readout`, `weight_multiplier`,
    `target_neuronNum`, `readout` and the rate-regularisation terms (`f_upper`,
    `f_lower`, `lambda_upper`, `lambda_lower`, `p_up`) describe the surrounding layer in
    neurai; they are stored for that layer and checked, not used by the neuron step.
    Known doc discrepancy: neurai's doc gives `time_step=1.0` and `BV_th=1.0`; its
    signature (kept here) gives 0.001 and 0.8.
    """

    reset_type: str | None = eqx.field(static=True, default="hard")
    V_rest: jax.Array = parameter(0.0, unit="", doc="unused (SNNLIF signature)")
    R: jax.Array = parameter(1.0, unit="", doc="unused (SNNLIF signature)", **_POSITIVE)
    tau: jax.Array = parameter(10.0, doc="unused (SNNLIF signature)", **_TAU_STEPS)
    features: int = eqx.field(static=True, default=0)
    time_step: jax.Array = parameter(
        0.001,
        unit="s",
        doc="sampling time of one step",
        slider=(1e-4, 1e-2),
        log=True,
        **_POSITIVE,
    )
    BV_th: jax.Array = parameter(
        0.8, unit="", doc="backward threshold: no gradient below it", slider=(0.0, 1.0)
    )
    tau_m: jax.Array = parameter(
        0.01, unit="s", doc="membrane time constant", slider=(1e-3, 0.1), log=True, **_POSITIVE
    )
    tau_readout: jax.Array = parameter(
        0.01, unit="s", doc="membrane time constant of a readout layer", log=True, **_POSITIVE
    )
    weight_multiplier: jax.Array = parameter(20.0, unit="", doc="weight scaling of the layer")
    target_neuronNum: int | None = eqx.field(static=True, default=None)
    readout: bool = _bool_field(False)
    f_upper: jax.Array = parameter(
        1.0, unit="spikes", doc="upper mean spike count per neuron", bounds=(0.0, None)
    )
    f_lower: jax.Array = parameter(
        0.001, unit="spikes", doc="lower mean spike count per neuron", bounds=(0.0, None)
    )
    lambda_upper: jax.Array = parameter(
        0.06, unit="", doc="weight of the upper rate regulariser", bounds=(0.0, None)
    )
    lambda_lower: jax.Array = parameter(
        100.0, unit="", doc="weight of the lower rate regulariser", bounds=(0.0, None)
    )
    p_up: jax.Array = parameter(
        1.0, unit="", doc="exponent of the upper rate regulariser", **_POSITIVE
    )

    def __check_init__(self):
        if self.readout and self.target_neuronNum is None:
            raise ValueError(
                "SparseLIF: readout=True needs target_neuronNum (the number of output neurons)."
            )

    @property
    def alpha(self) -> jax.Array:
        """Per-step membrane decay $e^{-\\Delta t/\\tau_m}$."""
        return jnp.exp(-self.time_step / self.tau_m)

    def integrate(self, state, x):
        return self.alpha * state["V"] + x

    def fire(self, h, threshold=None):
        theta = self.V_th if threshold is None else threshold
        gated = GatedSurrogate(self.surrogate_grad_fn, self.BV_th - theta)
        return spike_fn(h - theta, gated)


class SNNEIF(AbstractStepwiseNeuron):
    r"""Exponential integrate-and-fire neuron (neurai `SNNEIF`; Fourcaud-Trocmé et al. 2003).

    $$H[t] = V[t-1] + \frac{1}{\tau}\left(-(V[t-1] - V_{rest}) + R\,X[t]
      + \Delta_T \exp\frac{V[t-1] - v_T}{\Delta_T}\right)$$

    $\tau$ in steps; `v_T` is the soft threshold where the exponential takes over,
    `V_th` the hard one where a spike is emitted.
    """

    reset_type: str | None = eqx.field(static=True, default="hard")
    V_reset: jax.Array | None = parameter(
        -0.1,
        unit="",
        doc="potential after a spike (hard reset); None: subtract V_th (reset_type='soft')",
        slider=(-1.0, 0.9),
        optional=True,
    )
    R: jax.Array = parameter(
        1.0, unit="", doc="input gain", slider=(0.1, 10.0), log=True, **_POSITIVE
    )
    tau: jax.Array = parameter(2.0, doc="membrane time constant", **_TAU_STEPS)
    delta_T: jax.Array = parameter(
        1.0, unit="", doc="spike slope factor", slider=(0.05, 3.0), log=True, **_POSITIVE
    )
    v_T: jax.Array = parameter(0.8, unit="", doc="soft threshold", slider=(0.0, 1.5))
    V_rest: jax.Array = parameter(0.0, unit="", doc="resting potential")

    def integrate(self, state, x):
        v = state["V"]
        spike_current = self.delta_T * jnp.exp((v - self.v_T) / self.delta_T)
        return v + (-(v - self.V_rest) + self.R * x + spike_current) / self.tau


class SNNQIF(AbstractStepwiseNeuron):
    r"""Quadratic integrate-and-fire neuron (neurai `SNNQIF`).

    $$H[t] = V[t-1] + \frac{1}{\tau}\left(a_0 (V[t-1] - V_{rest})(V[t-1] - v_c)
      + R\,X[t]\right)$$

    Known doc discrepancy: neurai's doc says `V_reset` defaults to -0.1; its signature
    (kept here) says 0.0.
    """

    reset_type: str | None = eqx.field(static=True, default="hard")
    R: jax.Array = parameter(
        1.0, unit="", doc="input gain", slider=(0.1, 10.0), log=True, **_POSITIVE
    )
    tau: jax.Array = parameter(2.0, doc="membrane time constant", **_TAU_STEPS)
    a0: jax.Array = parameter(
        1.0,
        unit="",
        doc="curvature of the quadratic term",
        slider=(0.05, 5.0),
        log=True,
        **_POSITIVE,
    )
    v_c: jax.Array = parameter(0.8, unit="", doc="critical (unstable) potential", slider=(0.0, 1.5))
    V_rest: jax.Array = parameter(0.0, unit="", doc="resting (stable) potential")

    def integrate(self, state, x):
        v = state["V"]
        quadratic = self.a0 * (v - self.V_rest) * (v - self.v_c)
        # Two quotients rather than one: XLA fuses a multiply-add into an FMA inside a scan
        # but not in a lone step, which would make single and multi step differ in the last
        # bit; a division between them keeps both modes bitwise identical.
        return v + quadratic / self.tau + (self.R * x) / self.tau


class SNNKLIF(AbstractStepwiseNeuron):
    r"""KLIF: LIF with a learnable scale $k$ before the threshold (Jiang & Zhang 2023,
    arXiv 2302.09238; neurai `SNNKLIF`).

    With `decay_input=True`:
    $\tilde H[t] = V[t-1] + \frac{1}{\tau}\left(R\,X[t] - (V[t-1] - V_{reset})\right)$;
    with `decay_input=False`:
    $\tilde H[t] = V[t-1] - \frac{1}{\tau}(V[t-1] - V_{reset}) + R\,X[t]$. Then

    $$H[t] = \mathrm{ReLU}(k\,\tilde H[t])$$

    is compared with `V_th`. With `scale_reset=True` the reset undoes the scaling:
    hard $V = (H/k)(1 - s) + V_{reset}s$, soft $V = (H - V_{th}s)/k$. With `V_reset=None`
    the leak pulls towards 0. `R=1` (the default) gives neurai's documented formula, which
    has no `R`. Known doc discrepancy: neurai's doc gives `step_mode` multi and
    `decay_input=False`; its signature (kept here) gives single and True.
    """

    reset_type: str | None = eqx.field(static=True, default="hard")
    step_mode: str = eqx.field(static=True, default="single")
    R: jax.Array = parameter(
        1.0, unit="", doc="input gain", slider=(0.1, 10.0), log=True, **_POSITIVE
    )
    tau: jax.Array = parameter(2.0, doc="membrane time constant", **_TAU_STEPS)
    k: jax.Array = parameter(
        1.0,
        unit="",
        doc="learnable scale before the threshold (KLIF's k)",
        slider=(0.1, 5.0),
        log=True,
        **_POSITIVE,
    )
    scale_reset: bool = _bool_field(False)
    decay_input: bool = _bool_field(True)

    def integrate(self, state, x):
        v = state["V"]
        leak = (v - self.V_reset) / self.tau
        if self.decay_input:
            h = v + self.R * x / self.tau - leak
        else:
            h = v - leak + self.R * x
        return jax.nn.relu(self.k * h)

    def neuronal_reset(self, h, spikes, threshold=None):
        if not self.scale_reset:
            return super().neuronal_reset(h, spikes, threshold)
        s = jax.lax.stop_gradient(spikes) if self.detach_reset else spikes
        if self.resets_by_subtraction:
            return (h - self.V_th * s) / self.k
        return (h / self.k) * (1.0 - s) + self.V_reset * s


class SNNParamtricLIF(AbstractStepwiseNeuron):
    r"""Parametric LIF with a learnable membrane time constant (Fang et al. 2021,
    arXiv 2007.05785; neurai `SNNParamtricLIF`).

    $$H[t] = V[t-1] + \frac{1}{\tau}\left(X[t] - (V[t-1] - V_{reset})\right),
      \qquad \frac{1}{\tau} = \mathrm{sigmoid}(w)$$

    `w` is the trained leaf; when not given it starts at $-\ln(\tau_{init} - 1)$ so that
    $\tau = $ `init_tau` (in steps, $> 1$). With `V_reset=None` the leak pulls towards 0.
    """

    init_tau: jax.Array = parameter(
        10.0,
        unit="steps",
        doc="initial membrane time constant",
        bounds=(1.0, None),
        inclusive=(False, True),
        slider=(1.1, 100.0),
        log=True,
    )
    w: jax.Array | None = parameter(
        None,
        unit="",
        doc="learnable weight, 1/tau = sigmoid(w); None: from init_tau",
        slider=(-6.0, 6.0),
        optional=True,
    )

    def __post_init__(self):
        self._resolve_reset()
        if self.w is None:
            self.w = -jnp.log(jnp.asarray(self.init_tau) - 1.0)

    @property
    def tau(self) -> jax.Array:
        """The current membrane time constant $1/\\mathrm{sigmoid}(w)$, in steps."""
        return 1.0 / jax.nn.sigmoid(self.w)

    def integrate(self, state, x):
        v = state["V"]
        return v + (x - (v - self.V_reset)) * jax.nn.sigmoid(self.w)


# ---- adaptive threshold -----------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class NormalIniter:
    """Draw values from a normal distribution (neurai's `NormalIniter(mean, stddev)`).

    **Arguments:**

    - `mean`, `stddev`: of the distribution.

    Calling it with `(key, shape, dtype)` returns the sample.
    """

    mean: float = 0.0
    stddev: float = 1.0

    def __call__(self, key, shape, dtype=None):
        dtype = jnp.result_type(float) if dtype is None else dtype
        return self.mean + self.stddev * jax.random.normal(key, shape, dtype)


class SNNALIF(AbstractStepwiseNeuron):
    r"""Adaptive LIF with a spike-triggered threshold (Yin, Corradi & Bohté 2021;
    neurai `SNNALIF`).

    With $\alpha = e^{-\Delta t/\tau_m}$, $\rho = e^{-\Delta t/\tau_{adp}}$ and $s[t-1]$
    the previous step's spikes:

    $$b[t] = \rho\, b[t-1] + (1 - \rho)\, s[t-1], \qquad
      \theta[t] = v_{th0} + \beta\, b[t]$$
    $$H[t] = \alpha V[t-1] + (1 - \alpha) R\, X[t]$$

    Reset: with `reset_type=None` (the default, the paper's rule) a spike is paid for at
    the next step, $V[t] = H[t] - \theta[t]\, s[t-1]\, \Delta t$, and the spike test uses
    that $V[t]$: $s[t] = \Theta(V[t] - \theta[t])$. With `"hard"` / `"soft"` the usual
    immediate reset of $H[t]$ to `V_reset` / by $\theta[t]$ applies instead. `V_th` is not used:
    the threshold is $\theta$. $b$ starts at `Eta`. $\Delta t$ = `time_step`, $\tau_m$,
    $\tau_{adp}$ in ms.

    `size` defaults to the last axis of `tau_shape` (neurai's `SNNALIF(tau_shape=(512,))`
    is 512 neurons). `tau_m` and `tau_adp` (shape `tau_shape`, or `(size,)`) are drawn with
    `tau_m_initializer` / `tau_adp_initializer` from `key` when not given (neurai's
    `NormalIniter(20, 5)` and `NormalIniter(150, 10)`; the seed's signature shows
    `NormalIniter(key=None)`, its doc these means).
    """

    surrogate_grad_fn: AbstractSurrogate = MultiGaussian()
    tau_shape: tuple[int, ...] = eqx.field(static=True, default=(1,))
    v_th0: jax.Array = parameter(0.01, unit="", doc="baseline threshold", slider=(0.0, 1.0))
    R: jax.Array = parameter(
        1.0, unit="", doc="input gain", slider=(0.1, 10.0), log=True, **_POSITIVE
    )
    Eta: jax.Array = parameter(1.0, unit="", doc="initial adaptation variable b")
    beta: jax.Array = parameter(
        1.8,
        unit="",
        doc="threshold increase per unit of b",
        bounds=(0.0, None),
        slider=(0.0, 5.0),
    )
    time_step: jax.Array = parameter(
        1.0, unit="ms", doc="duration of one step", slider=(0.1, 10.0), log=True, **_POSITIVE
    )
    tau_m: jax.Array | None = parameter(
        None,
        unit="ms",
        doc="membrane time constant; None: drawn by tau_m_initializer",
        slider=(1.0, 100.0),
        log=True,
        optional=True,
        **_POSITIVE,
    )
    tau_adp: jax.Array | None = parameter(
        None,
        unit="ms",
        doc="adaptation time constant; None: drawn by tau_adp_initializer",
        slider=(10.0, 1000.0),
        log=True,
        optional=True,
        **_POSITIVE,
    )
    tau_m_initializer: Callable = eqx.field(static=True, default=NormalIniter(20.0, 5.0))
    tau_adp_initializer: Callable = eqx.field(static=True, default=NormalIniter(150.0, 10.0))
    key: dataclasses.InitVar[jax.Array | None] = None

    def __post_init__(self, key):
        # reset_type=None is the paper's own (subtractive) reset here, so V_reset=None
        # only turns an explicit hard reset into a soft one.
        if self.V_reset is None and self.reset_type == "hard":
            self.reset_type = "soft"
        # neurai's example SNNALIF(tau_shape=(512,)) gives no size: the time constants'
        # shape sets it.
        if self.size == 1 and tuple(self.tau_shape) not in ((), (1,)):
            self.size = int(tuple(self.tau_shape)[-1])
        key = jax.random.PRNGKey(0) if key is None else key
        k_m, k_adp = jax.random.split(key)
        dtype = jnp.result_type(float)
        if self.tau_m is None:
            self.tau_m = self.tau_m_initializer(k_m, tuple(self.tau_shape), dtype)
        if self.tau_adp is None:
            self.tau_adp = self.tau_adp_initializer(k_adp, tuple(self.tau_shape), dtype)

    def _recorded(self):
        return ("V", "b", "theta")

    def init_state(self, n_neurons=None, batch_shape=()):
        state = super().init_state(n_neurons, batch_shape)
        v = state["V"]
        b = jnp.broadcast_to(self.Eta, v.shape).astype(v.dtype)
        state.update(
            b=b,
            theta=self.v_th0 + self.beta * b,
            s=jnp.zeros_like(v),
        )
        return state

    def step(self, state, x):
        dt = self.time_step
        alpha = jnp.exp(-dt / self.tau_m)
        rho = jnp.exp(-dt / self.tau_adp)
        b = rho * state["b"] + (1.0 - rho) * state["s"]
        theta = self.v_th0 + self.beta * b
        h = alpha * state["V"] + (1.0 - alpha) * self.R * x
        if self.reset_type is None:
            s_prev = jax.lax.stop_gradient(state["s"]) if self.detach_reset else state["s"]
            h_paid = h - theta * s_prev * dt
            s = self.fire(h_paid, theta)
            v = h_paid
        else:
            s = self.fire(h, theta)
            v = self.neuronal_reset(h, s, theta)
        return {"V": v, "H": h, "b": b, "theta": jnp.broadcast_to(theta, v.shape), "s": s}, s


# ---- spike response model ---------------------------------------------------------------


def _kernel_epsilon(args: tuple, epsilon):
    # (epsilon,), (key,), (key, epsilon) or (): a key is an integer array or a typed key.
    if len(args) > 2:
        raise TypeError("kernel takes (key, epsilon), (epsilon) or no positional argument.")
    args = list(args)
    if args and _is_key(args[0]):
        args.pop(0)
    return args[0] if args else epsilon


def _is_key(x) -> bool:
    dtype = getattr(x, "dtype", None)
    if dtype is None or isinstance(x, (bool, int, float)):
        return False
    if jax.dtypes.issubdtype(dtype, jax.dtypes.prng_key):
        return True
    return bool(jnp.issubdtype(dtype, jnp.integer) and jnp.ndim(x) >= 1)


def _alpha_kernel(t, tau, mult, epsilon):
    # mult * (t/tau) exp(1 - t/tau), cut to 0 past the peak once below epsilon * |mult|
    # (SLAYER's truncation rule, relative to the kernel's peak).
    k = mult * (t / tau) * jnp.exp(1.0 - t / tau)
    if epsilon is None:
        return k
    return jnp.where((t > tau) & (jnp.abs(k) < epsilon * jnp.abs(mult)), 0.0, k)


class SNNSRM(AbstractStepwiseNeuron):
    r"""Spike response model in discrete time (SLAYER, Shrestha & Orchard 2018; neurai
    `SNNSRM`).

    The potential is a sum of kernels over the past `kernel_window` steps:

    $$V[t] = V_{rest} + \sum_{k=0}^{K-1} \varepsilon(k\Delta t)\, X[t-k]
      + \sum_{j=1}^{K} \nu(j\Delta t)\, s[t-j]$$
    $$\varepsilon(t) = \frac{t}{\tau_{res}} e^{1 - t/\tau_{res}}, \qquad
      \nu(t) = -2 V_{th} \frac{t}{\tau_{ref}} e^{1 - t/\tau_{ref}}$$

    and $s[t] = \Theta(V[t] - V_{th})$. The refractory kernel $\nu$ is the reset, so
    `V_reset` and `reset_type` are not used; `H` equals `V`. $\Delta t$ = `time_step`,
    $\tau_{res}$, $\tau_{ref}$ in ms. `time_window` (neurai: samples per sequence) is kept
    for compatibility; the number of steps is the input's length. Only
    `computation_type="forloop"` exists, as in neurai. Known doc discrepancy: neurai's doc
    gives `V_th=1`, `tau_res=10`, `tau_ref=1`; its signature (kept here) gives 10, 5, 5.
    """

    V_th: jax.Array = parameter(10.0, unit="", doc="firing threshold", slider=(0.5, 30.0))
    surrogate_grad_fn: AbstractSurrogate = Rectangular()
    V_rest: jax.Array = parameter(0.0, unit="", doc="resting potential")
    tau_res: jax.Array = parameter(
        5.0,
        unit="ms",
        doc="time constant of the response (PSP) kernel",
        slider=(0.5, 20.0),
        log=True,
        **_POSITIVE,
    )
    tau_ref: jax.Array = parameter(
        5.0,
        unit="ms",
        doc="time constant of the refractory kernel",
        slider=(0.5, 20.0),
        log=True,
        **_POSITIVE,
    )
    time_step: jax.Array = parameter(
        1.0, unit="ms", doc="duration of one step", slider=(0.1, 5.0), log=True, **_POSITIVE
    )
    time_window: int = eqx.field(static=True, default=100)
    kernel_window: int = eqx.field(static=True, default=38)
    computation_type: str = eqx.field(static=True, default="forloop")

    def __check_init__(self):
        if self.computation_type != "forloop":
            raise ValueError(
                f"SNNSRM: computation_type={self.computation_type!r} is not supported; "
                "only 'forloop' is."
            )
        for name in ("kernel_window", "time_window"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"SNNSRM: {name}={value!r} must be a positive integer.")

    def response_kernel(self, *args, epsilon: float | None = 0.01) -> jax.Array:
        r"""$\varepsilon(k\Delta t)$ for $k = 0..K-1$; values past the peak below
        `epsilon` (relative to the peak, 1) are cut to 0.

        Called as neurai's `response_kernel(key, epsilon=0.01)` or as
        `response_kernel(epsilon)`: a PRNG key argument is accepted and unused (the
        kernel is deterministic)."""
        epsilon = _kernel_epsilon(args, epsilon)
        t = jnp.arange(self.kernel_window, dtype=self._dtype()) * self.time_step
        return _alpha_kernel(t, self.tau_res, 1.0, epsilon)

    def refractory_kernel(self, *args, epsilon: float | None = 0.001) -> jax.Array:
        r"""$\nu(j\Delta t)$ for $j = 1..K$; values past the peak below `epsilon` relative to
        the peak $2V_{th}$ are cut to 0. Takes neurai's `(key, epsilon)` too (see
        `response_kernel`)."""
        epsilon = _kernel_epsilon(args, epsilon)
        t = jnp.arange(1, self.kernel_window + 1, dtype=self._dtype()) * self.time_step
        return _alpha_kernel(t, self.tau_ref, -2.0 * self.V_th, epsilon)

    def init_state(self, n_neurons=None, batch_shape=()):
        state = super().init_state(n_neurons, batch_shape)
        v = state["V"]
        state["V"] = jnp.broadcast_to(self.V_rest, v.shape).astype(v.dtype)
        history = jnp.zeros((self.kernel_window,) + v.shape, v.dtype)
        state.update(x_hist=history, s_hist=history)
        return state

    def step(self, state, x):
        x_hist = jnp.concatenate([x[None].astype(state["x_hist"].dtype), state["x_hist"][:-1]])
        eps = self.response_kernel()
        nu = self.refractory_kernel()
        v = (
            self.V_rest
            + jnp.tensordot(eps, x_hist, axes=(0, 0))
            + jnp.tensordot(nu, state["s_hist"], axes=(0, 0))
        )
        s = self.fire(v)
        s_hist = jnp.concatenate([s[None], state["s_hist"][:-1]])
        return {"V": v, "H": v, "x_hist": x_hist, "s_hist": s_hist}, s


STEPWISE_MODELS: dict[str, type[AbstractStepwiseNeuron]] = {
    cls.__name__: cls
    for cls in (
        SNNIF,
        SNNLIF,
        SparseLIF,
        SNNEIF,
        SNNQIF,
        SNNKLIF,
        SNNALIF,
        SNNParamtricLIF,
        SNNSRM,
    )
}
"""The discrete-time models by name."""
