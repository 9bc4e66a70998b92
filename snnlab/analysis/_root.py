"""The one root solver of the phase-plane pipeline: Newton's method from optimistix.

Fixed points of the plane and the steady state of the states off the plane are both roots of
a vector field; both go through `newton_root`, so they share tolerances and failure handling.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import optimistix as optx


@jax.custom_jvp
def finite(x):
    """`x` with non-finite values replaced by 1e6 (zero derivative there), so that Newton's
    linear solves never see NaN when an iterate leaves the model's domain."""
    return jnp.where(jnp.isfinite(x), x, 1e6)


@finite.defjvp
def _finite_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return finite(x), jnp.where(jnp.isfinite(x) & jnp.isfinite(t), t, 0.0)


def newton_root(fn, x0, *, max_steps: int = 100, tol: float = 1e-6):
    """A root of `fn` (an array function of an array) near `x0`, by Newton's method.

    Never raises inside jit: an iterate that fails to converge is returned as it stands,
    and the caller judges it by its residual (optimistix' own flag is too strict in float32,
    whose roundoff bounds the attainable residual). Differentiable through the implicit
    function theorem (optimistix), so a root can sit inside another Newton solve.

    **Arguments:** `fn` maps an array like `x0` to one of the same shape; `max_steps`;
    `tol` the relative and absolute step tolerance.

    **Returns:** the last iterate, shaped like `x0`.
    """
    sol = optx.root_find(
        lambda z, _: finite(fn(z)),
        optx.Newton(rtol=tol, atol=tol),
        x0,
        max_steps=max_steps,
        throw=False,
    )
    return sol.value
