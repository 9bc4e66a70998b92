r"""Spikes with a surrogate derivative: a step forward, a smooth pulse backward.

`spike_fn` is used by the stepwise models and by the stepped engine's differentiable
runs (`simulate(..., surrogate=...)`); the surrogate objects themselves (Sigmoid,
SuperSpike, ...) live in `snnlab.neurons`.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp


def heaviside(x: jax.Array) -> jax.Array:
    r"""The step $\Theta(x)$: 1 where $x \ge 0$, else 0, in the dtype of `x`.

    A neuron whose potential equals its threshold exactly fires (neurai's $V \ge \theta$).
    """
    x = jnp.asarray(x)
    return (x >= 0).astype(x.dtype if jnp.issubdtype(x.dtype, jnp.floating) else jnp.float32)


@jax.custom_jvp
def spike_fn(x: jax.Array, surrogate) -> jax.Array:
    r"""$\Theta(x)$ forward; `surrogate.derivative(x)` as its derivative backward.

    **Arguments:**

    - `x`: distance to threshold, $H - V_{th}$ (any shape, floating point; units of the
      membrane variable).
    - `surrogate`: an object with `derivative(x)` giving $\sigma'(x)$ (an
      `snnlab.neurons.AbstractSurrogate`).

    **Returns:**

    Spikes (0.0 or 1.0) of the shape and dtype of `x`.
    """
    return heaviside(x)


@spike_fn.defjvp
def _spike_fn_jvp(primals, tangents):
    x, surrogate = primals
    x_dot, _ = tangents
    # The output of the step does not depend on the surrogate's width, so its tangent is
    # dropped: width parameters receive an exact zero gradient.
    return spike_fn(x, surrogate), surrogate.derivative(x) * x_dot


def surrogate_reset(model, y, condition, spiked, gate, surrogate):
    """The reset of the spiking neurons with spikes differentiable through `surrogate`.

    **Arguments:** `y` the state `(N, S)` before the reset, `condition` the model's
    `spike_condition` there, `spiked` (bool `(N,)`) who spikes, `gate` (bool `(N,)`) who
    may spike (armed and not refractory).

    **Returns:** `(y_reset, s)`: forward, exactly `model.reset_spiked(y, spiked)` and
    `spiked` as 0.0 / 1.0; backward, the spike s = Theta(condition) carries the surrogate
    derivative and the reset acts as y + s (y_reset - y), so gradients flow through
    spikes and resets alike.
    """
    s = spike_fn(condition, surrogate) * gate.astype(y.dtype)
    reset = model.reset_spiked(y, spiked)
    y_out = jnp.where(spiked[:, None], reset, y)
    return y_out + (s - jax.lax.stop_gradient(s))[:, None] * (reset - y), s
