r"""Closed form of a leaky membrane driven by several exponentially decaying currents.

With u = V - V_inf, b_j = R I_j(0) (voltages) and the currents decaying with tau_j,

    tau_m du/ds = -u + sum_j b_j exp(-s / tau_j),
    u(s) = exp(-s / tau_m) (u0 + sum_j (b_j / tau_m) s phi1(s delta_j)),
    delta_j = 1/tau_m - 1/tau_j.

f(s) = u(s) - theta lies in the span of K + 2 exponentials (rates 0, 1/tau_m, 1/tau_j), so
it may rise and fall K times: the single-extremum bracket of `lif_crossing` does not
hold. The first crossing is found exactly by the classic reduction for exponential sums:
with rates a_0 = 0, a_1 = 1/tau_m, a_{1+j} = 1/tau_j, the functions
g_0 = f, g_{m+1} = g_m' + a_m g_m satisfy d/ds [g_m exp(a_m s)] = g_{m+1} exp(a_m s), and
g_{K+1} is a single exponential (one sign). So the sign changes of g_{m+1} cut [0, horizon]
into pieces on which g_m has at most one sign change, found by a bracketed Newton search;
from the top level down this gives every sign change of f, hence its first upward one.
Each g_m (m >= 1) is a linear functional of the state (u, b_j exp(-s / tau_j)), whose
derivative is a fixed matrix, so no level needs a numerical derivative. Equal rates
(tau_j = tau_m or tau_i = tau_j) are handled by the same construction.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from ._model import phi1


def _state(u0, b, s, tm, ts):
    """(u, c_1..c_K) at times `s` `(N, P)`: shape `(N, P, K + 1)`."""
    delta = (1.0 / tm[:, None] - 1.0 / ts)[:, None, :]
    sk = s[..., None]
    drive = (b / tm[:, None])[:, None, :] * sk * phi1(sk * delta)
    u = jnp.exp(-s / tm[:, None]) * (u0[:, None] + jnp.sum(drive, axis=-1))
    c = b[:, None, :] * jnp.exp(-sk / ts[:, None, :])
    return jnp.concatenate([u[..., None], c], axis=-1)


def _broadcast(u0, b, tau_m, tau_s, *rest):
    n, k = jnp.shape(b)
    dtype = jnp.result_type(u0, b, tau_m, tau_s, *rest)
    u0 = jnp.broadcast_to(jnp.asarray(u0, dtype), (n,))
    tm = jnp.broadcast_to(jnp.asarray(tau_m, dtype), (n,))
    ts = jnp.broadcast_to(jnp.asarray(tau_s, dtype), (n, k))
    return (
        u0,
        jnp.asarray(b, dtype),
        tm,
        ts,
        [jnp.broadcast_to(jnp.asarray(r, dtype), (n,)) for r in rest],
    )


def receptors_u(u0, b, s, tau_m, tau_s):
    """u(s) = V(s) - V_inf with K synaptic currents.

    **Arguments:** `u0` = V(0) - V_inf `(N,)` (mV), `b` = R I_j(0) `(N, K)` (mV), `s` the
    time since 0 (ms, scalar or `(N,)`), `tau_m` (ms, scalar or `(N,)`), `tau_s` (ms,
    broadcastable to `(N, K)`).

    **Returns:** u(s), `(N,)` (mV).
    """
    u0, b, tm, ts, (s,) = _broadcast(u0, b, tau_m, tau_s, s)
    return _state(u0, b, s[:, None], tm, ts)[:, 0, 0]


def _newton(f, step, lo, hi, n_iter):
    """Root of f on [lo, hi] with f(lo) < 0 <= f(hi), f monotone there: Newton steps
    (x - step(x)) alternating with bisection, so that the bracket at least halves every
    second iteration (Newton alone crawls along the flat tail of an exponential sum)."""

    def body(i, carry):
        x, lo, hi = carry
        fx = f(x)
        lo = jnp.where(fx < 0, x, lo)
        hi = jnp.where(fx >= 0, x, hi)
        xn = x - step(x)
        ok = (i % 2 == 0) & jnp.isfinite(xn) & (xn >= lo) & (xn <= hi)
        return jnp.where(ok, xn, 0.5 * (lo + hi)), lo, hi

    x, _, _ = jax.lax.fori_loop(0, n_iter, body, (hi, lo, hi))
    return x


def receptors_crossing(u0, b, theta, tau_m, tau_s, horizon, n_iter: int = 64):
    """First time in [0, horizon] at which `receptors_u` reaches `theta` from below.

    **Arguments:** as `receptors_u`, plus `theta` = V_th - V_inf (mV, `(N,)`) and
    `horizon` (ms, finite, >= 0).

    **Returns:** the crossing time per neuron `(N,)`; 0 where u(0) >= theta already;
    `inf` where u stays below `theta` on [0, horizon].
    """
    u0, b, tm, ts, (theta, horizon) = _broadcast(u0, b, tau_m, tau_s, theta, horizon)
    n, k = b.shape
    rates = [jnp.zeros_like(tm), 1.0 / tm] + [1.0 / ts[:, j] for j in range(k)]
    # d/ds of the state (u, c_1..c_K) is z @ M^T with this matrix M, per neuron.
    m_row0 = jnp.concatenate([-1.0 / tm[:, None], jnp.broadcast_to(1.0 / tm[:, None], (n, k))], 1)
    m_mat = jnp.zeros((n, k + 1, k + 1), b.dtype).at[:, 0, :].set(m_row0)
    idx = jnp.arange(1, k + 1)
    m_mat = m_mat.at[:, idx, idx].set(-1.0 / ts)
    funcs = [m_mat[:, 0, :]]  # g_1 = u'
    for m in range(1, k + 1):
        w = funcs[-1]
        funcs.append(jnp.einsum("ni,nij->nj", w, m_mat) + rates[m][:, None] * w)

    def level(m, s):
        z = _state(u0, b, s, tm, ts)
        if m == 0:
            return z[..., 0] - theta[:, None]
        return jnp.sum(z * funcs[m - 1][:, None, :], axis=-1)

    roots = jnp.full((n, 0), jnp.inf, b.dtype)  # g_{K+1}: one exponential, no sign change
    for m in range(k, -1, -1):
        cuts = jnp.sort(jnp.minimum(roots, horizon[:, None]), axis=1)
        bounds = jnp.concatenate([jnp.zeros((n, 1), b.dtype), cuts, horizon[:, None]], axis=1)
        lo, hi = bounds[:, :-1], bounds[:, 1:]
        g_lo, g_hi = level(m, lo), level(m, hi)
        if m == 0:
            change = (g_lo < 0) & (g_hi >= 0)
        else:
            change = (g_lo < 0) != (g_hi < 0)
        sign = jnp.where(g_lo < 0, 1.0, -1.0)
        mm = m

        def f(s, mm=mm, sign=sign):
            return sign * level(mm, s)

        def step(s, mm=mm):
            g, dg = level(mm, s), level(mm + 1, s)
            flat = dg == 0
            return jnp.where(flat, jnp.inf, g / jnp.where(flat, 1.0, dg))

        root = _newton(f, step, lo, hi, n_iter)
        roots = jnp.where(change, root, jnp.inf)

    s = jnp.min(roots, axis=1)
    # One Newton step at the root (as lif_crossing): the same value to rounding, and
    # reverse-mode autodiff through it gives the implicit-function derivative.
    found = jnp.isfinite(s) & (s > 0)
    s_at = jnp.where(found, s, 0.0)[:, None]
    value, slope = level(0, s_at)[:, 0], level(1, s_at)[:, 0]
    ok = found & (slope > 0)
    s = jnp.where(ok, s_at[:, 0] - value / jnp.where(ok, slope, 1.0), s)
    return jnp.where(level(0, jnp.zeros((n, 1), b.dtype))[:, 0] >= 0, 0.0, s)
