"""The floor: minimal hand-written jitted `lax.scan` loops of the benchmark's equations.

Each function is what a careful JAX user would write for one workload without a library:
one scan, the state in the carry, the recorded arrays as the scan's output. Units and
conventions are snnlab's (mV, ms, pA, GOhm, nS, pF; a spike is an upward crossing of
V_th, then V is held at V_reset for round(tau_ref / dt) steps). The dtype follows JAX's
default float (float64 under JAX_ENABLE_X64=1).
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp

# W1 / W6 / W3 membrane (snnlab LIF defaults) and the W3 synapse.
V_REST, V_RESET, V_TH, R, TAU, TAU_REF, TAU_SYN = -70.0, -70.0, -55.0, 0.04, 10.0, 2.0, 2.0


def _lif_step(v, ref, v_inf, i_syn, dt):
    """One exact step of tau dV/dt = v_inf - V + R I_syn (I_syn decaying with TAU_SYN)."""
    a, b = jnp.exp(-dt / TAU), jnp.exp(-dt / TAU_SYN)
    kernel = R * TAU_SYN / (TAU_SYN - TAU) * (b - a) if TAU_SYN != TAU else R * dt / TAU * a
    v_new = jnp.where(ref > 0, v, v_inf + (v - v_inf) * a + kernel * i_syn)
    spiked = (v_new >= V_TH) & (v < V_TH) & (ref == 0)
    ref = jnp.where(spiked, round(TAU_REF / dt), jnp.maximum(ref - 1, 0))
    return jnp.where(spiked, V_RESET, v_new), ref, spiked


@functools.partial(jax.jit, static_argnames=("n_steps", "dt"))
def lif(i_e, n_steps: int, dt: float):
    """W1 (i_e of shape (1,)): V and spikes of every step. Returns ((T, N), (T, N))."""
    v_inf = V_REST + R * i_e

    def step(carry, _):
        v, ref, spiked = _lif_step(*carry, v_inf, 0.0, dt)
        return (v, ref), (v, spiked)

    init = (jnp.full_like(i_e, V_REST), jnp.zeros(i_e.shape, jnp.int32))
    return jax.lax.scan(step, init, None, length=n_steps)[1]


@functools.partial(jax.jit, static_argnames=("n_steps", "dt"))
def fi_curve(i_e, n_steps: int, dt: float):
    """W6: spike counts of one LIF per current in `i_e`, nothing recorded. Returns (N,)."""
    v_inf = V_REST + R * i_e

    def step(carry, _):
        v, ref, count = carry
        v, ref, spiked = _lif_step(v, ref, v_inf, 0.0, dt)
        return (v, ref, count + spiked), None

    init = (jnp.full_like(i_e, V_REST), jnp.zeros(i_e.shape, jnp.int32), jnp.zeros_like(i_e))
    return jax.lax.scan(step, init, None, length=n_steps)[0][2]


@functools.partial(jax.jit, static_argnames=("n", "n_steps", "dt"))
def explif_bernoulli(key, prob, weight, n: int, n_steps: int, dt: float):
    """W3: n ExpLIF, each with its own Bernoulli(prob) input per step raising I_syn by
    `weight` pA; the random numbers are drawn inside the scan. Returns V (T, n), spikes."""
    dtype = jnp.result_type(float)
    key = jax.random.split(key, 2)[0]  # the same stream as snnlab's first generator

    def step(carry, k):
        v, ref, i_syn = carry
        s = jax.random.uniform(jax.random.fold_in(key, k), (n,), dtype) < prob
        i_syn = i_syn + weight * s
        v, ref, spiked = _lif_step(v, ref, V_REST, i_syn, dt)
        return (v, ref, i_syn * jnp.exp(-dt / TAU_SYN)), (v, spiked)

    init = (jnp.full(n, V_REST, dtype), jnp.zeros(n, jnp.int32), jnp.zeros(n, dtype))
    return jax.lax.scan(step, init, jnp.arange(n_steps))[1]


@functools.partial(jax.jit, static_argnames=("n", "n_steps", "dt"))
def explif_bernoulli_split(key, prob, weight, n: int, n_steps: int, dt: float):
    """W3 as `explif_bernoulli`, with the step keys split once before the scan (one
    vectorised split instead of a `fold_in` per step; another random stream, the same
    statistics). Returns V (T, n), spikes."""
    dtype = jnp.result_type(float)
    keys = jax.random.split(jax.random.split(key, 2)[0], n_steps)

    def step(carry, k):
        v, ref, i_syn = carry
        s = jax.random.uniform(k, (n,), dtype) < prob
        i_syn = i_syn + weight * s
        v, ref, spiked = _lif_step(v, ref, V_REST, i_syn, dt)
        return (v, ref, i_syn * jnp.exp(-dt / TAU_SYN)), (v, spiked)

    init = (jnp.full(n, V_REST, dtype), jnp.zeros(n, jnp.int32), jnp.zeros(n, dtype))
    return jax.lax.scan(step, init, keys)[1]


# W2: the Hodgkin-Huxley membrane with neurai's (NEST hh_psc_alpha's) parameters.
C_M, G_NA, G_K, G_L, E_NA, E_K, E_L = 100.0, 12000.0, 3600.0, 30.0, 50.0, -77.0, -54.402


def _hh_rates(v):
    am = 0.1 * (v + 40.0) / -jnp.expm1(-(v + 40.0) / 10.0)
    an = 0.01 * (v + 55.0) / -jnp.expm1(-(v + 55.0) / 10.0)
    bm, bn = 4.0 * jnp.exp(-(v + 65.0) / 18.0), 0.125 * jnp.exp(-(v + 65.0) / 80.0)
    ah, bh = 0.07 * jnp.exp(-(v + 65.0) / 20.0), 1.0 / (1.0 + jnp.exp(-(v + 35.0) / 10.0))
    return am, bm, ah, bh, an, bn


def _hh_rhs(y, i_ext):
    v, m, h, n = y
    am, bm, ah, bh, an, bn = _hh_rates(v)
    i_ion = G_NA * m**3 * h * (v - E_NA) + G_K * n**4 * (v - E_K) + G_L * (v - E_L)
    dv = (i_ext - i_ion) / C_M
    return jnp.stack([dv, am * (1 - m) - bm * m, ah * (1 - h) - bh * h, an * (1 - n) - bn * n])


@functools.partial(jax.jit, static_argnames=("n_steps", "dt"))
def hh_rk4(i_ext, v0, n_steps: int, dt: float):
    """W2: one HH neuron under a constant current, classic RK4. Returns V (T,)."""
    am, bm, ah, bh, an, bn = _hh_rates(v0)
    y0 = jnp.stack([v0, am / (am + bm), ah / (ah + bh), an / (an + bn)])

    def step(y, _):
        k1 = _hh_rhs(y, i_ext)
        k2 = _hh_rhs(y + dt / 2 * k1, i_ext)
        k3 = _hh_rhs(y + dt / 2 * k2, i_ext)
        k4 = _hh_rhs(y + dt * k3, i_ext)
        y = y + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        return y, y[0]

    return jax.lax.scan(step, y0, None, length=n_steps)[1]
