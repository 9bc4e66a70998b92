"""Exact one-step propagators shared by the integrate-and-fire models."""

import jax.numpy as jnp

from ..core import phi1


def leaky_membrane_step(v, v_inf, tau, resistance, currents, current_taus, dt):
    """Exact V after `dt` for tau dV/dt = v_inf - V + R * sum_j I_j, dI_j/dt = -I_j / tau_j.

    **Arguments:**

    - `v`, `v_inf`: membrane and its steady state without the decaying currents (mV), `(N,)`.
    - `tau`: membrane time constant (ms); `resistance`: R (GOhm), broadcastable to `(N,)`.
    - `currents`: the decaying currents at the start of the step (pA), `(N, K)` (K may be 0).
    - `current_taus`: their time constants (ms), broadcastable to `(N, K)`.
    - `dt`: step (ms).

    **Returns:**

    V after `dt`. Each current contributes R I_j tau_j / (tau_j - tau) (e^{-dt/tau_j} -
    e^{-dt/tau}), written with phi1 so that tau_j = tau is handled by continuity.
    """
    # expm1 keeps the increment accurate in float32 when dt << tau.
    v_new = v - (v_inf - v) * jnp.expm1(-dt / tau)
    if currents.shape[-1] == 0:
        return v_new
    tau_c = tau[..., None] if jnp.ndim(tau) else tau
    delta = 1.0 / tau_c - 1.0 / current_taus
    kernel = jnp.exp(-dt / tau_c) * (dt / tau_c) * phi1(dt * delta)
    r = resistance[..., None] if jnp.ndim(resistance) else resistance
    return v_new + jnp.sum(r * currents * kernel, axis=-1)
