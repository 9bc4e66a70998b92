"""The sensitivity lab's mathematics: d(rate or first spike time)/d(parameter).

For a neuron driven by a constant current `I` (pA) the quantities are:

- the **first spike time** T1 (ms): the first upward threshold crossing from the initial
  state;
- the **firing rate** f = 1000 / (t_ref + T) (Hz), with T the time from the state just
  after a reset to the next threshold crossing (the steady rate of LIF and ExpLIF under
  a constant current; the rate of the first interval for adapting models).

Three gradient methods, as the model allows:

- **exact** (every model whose `closed_form` hook gives a single-current leaky membrane:
  LIF, ExpLIF): the crossing time from the event engine's closed-form solution and root
  finder (`snnlab.core.lif_crossing`), with the implicit-function derivative
  -dF/dtheta / dF/ds at the root;
- **stepped** (every continuous model): the model's own integrator over a grid of step
  `dt`, the crossing located by linear interpolation between the two samples around it,
  so T is a smooth function of the parameters; its gradient is exact for that
  discretisation and approaches the true one as dt shrinks (error of order dt);
- **surrogate** (the discrete-time SNN* family): the mean spike count over the run,
  differentiated through the models' surrogate spike functions (a training signal, not
  the true derivative of a step function).

All methods and both quantities are computed by one jitted function in forward mode
(`jax.jacfwd`): the stepped search is a `lax.while_loop` that stops at the crossing, so
only the steps up to it are taken, and the grid's length is data, not a shape. A change
of any parameter, of the current, of `dt` or of the quantity reuses the compiled code;
only a new model (another class or structure) compiles.
"""

from __future__ import annotations

import math

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from ..core import INTEGRATORS, AbstractStepwiseModel, lif_crossing, lif_u

CURRENT = "I"
"""Name of the input current (pA) among the differentiated parameters."""

QUANTITIES = {"rate": "Hz", "first spike": "ms"}
"""What is differentiated, with its unit."""

T_MAX = 500.0
"""Horizon (ms) searched for a crossing by default."""

SURROGATE_BIN = 1.0
"""One step of a discrete-time SNN* model is one time bin of this many ms."""

_METHODS: dict = {}


def _closed_form_shape(model):
    """What the model's `closed_form` hook returns for one neuron (shapes only; None where
    the model has no closed form). The hook's None must not depend on values."""

    def probe(m):
        y = m.init_state()[:1]
        return m.closed_form(y, {"I": jnp.zeros(1, y.dtype)})

    return eqx.filter_eval_shape(probe, model)


def gradient_methods(model) -> tuple[str, ...]:
    """The gradient methods that apply to `model`: "exact", "stepped", "surrogate".

    "exact" applies where the model's `closed_form` hook describes its membrane by one
    synaptic current (the event engine's single-exponential crossing), whatever the
    model's class or module; a subclass that changes the dynamics loses it."""
    key = (type(model), jax.tree_util.tree_structure(model))
    if key not in _METHODS:
        if isinstance(model, AbstractStepwiseModel):
            _METHODS[key] = ("surrogate",)
        else:
            form = _closed_form_shape(model)
            single = form is not None and len(form.b.shape) == 1
            _METHODS[key] = ("exact", "stepped") if single else ("stepped",)
    return _METHODS[key]


def _first(x):
    return jnp.reshape(x, (-1,))[0]


def _with_values(model, values: dict):
    """`model` with the parameters in `values` replaced (same shapes; no re-validation)."""
    names = [n for n in values if n != CURRENT]
    if not names:
        return model
    leaves = [jnp.broadcast_to(values[n], jnp.shape(getattr(model, n))) for n in names]
    return eqx.tree_at(lambda m: [getattr(m, n) for n in names], model, leaves)


def _refractory(model):
    t_ref = model.refractory_period()
    return _first(jnp.asarray(0.0 if t_ref is None else t_ref))


# ---- stepped ---------------------------------------------------------------------------


def _crossing(model, y0, current, dt, n_valid, integrate, active, skip_first=False):
    """First upward crossing of the spike condition from `y0` within `n_valid` steps of
    `dt` (ms), linearly interpolated between the samples around it: `(t, state there,
    found)`. No reset; the loop stops at the crossing (or does nothing unless `active`).
    With `skip_first`, a crossing counts only after the condition has been below zero."""
    args = {"I": current}

    def cond(t, y):
        return model.spike_condition(t, y, args)[0]

    c0 = cond(0.0, y0)
    armed0 = (c0 < 0) & (not skip_first)

    def body(s):
        k, y, c, armed, _done, y_a, c_a = s
        t = k * dt
        y1 = integrate(model, t, y, args, dt)
        c1 = cond(t + dt, y1)
        hit = armed & (c1 >= 0)
        y_a = jnp.where(hit, y, y_a)  # the sample before the crossing
        c_a = jnp.where(hit, c, c_a)
        return k + 1, y1, c1, armed | (c1 < 0), hit, y_a, c_a

    def going(s):
        return active & ~s[4] & (s[0] < n_valid)

    init = (jnp.asarray(0, jnp.int32), y0, c0, armed0, jnp.asarray(False), y0, c0)
    k, y_b, c_b, _, found, y_a, c_a = jax.lax.while_loop(going, body, init)
    gap = jnp.where(c_a == c_b, -1.0, c_a - c_b)
    frac = jnp.where(found & (c_a < 0), c_a / gap, 0.0)
    t = (k - 1 + frac) * dt
    return t, y_a + frac * (y_b - y_a), found


def _stepped(model, current, dt, n_valid, integrator: str) -> dict:
    integrate = INTEGRATORS[integrator]
    y0 = model.init_state()[:1]
    yes = jnp.asarray(True)
    t1, y_star, found1 = _crossing(model, y0, current, dt, n_valid, integrate, yes)
    y_r = model.reset_spiked(y_star, jnp.ones(1, bool))  # the state right after a spike
    t_pass, _, found2 = _crossing(
        model, y_r, current, dt, n_valid, integrate, found1, skip_first=True
    )
    rate = 1000.0 / (_refractory(model) + t_pass)
    return {
        "first spike": jnp.where(found1, t1, jnp.nan),
        "rate": jnp.where(found1 & found2, rate, 0.0),
    }


# ---- exact ------------------------------------------------------------------------------


def _implicit_crossing(u0, b, theta, tau_m, tau_s, t_max):
    """The event engine's crossing time with its implicit-function derivative.

    The value is `lif_crossing`'s (root finding on the closed-form membrane); the
    derivative is -dF/dtheta / dF/ds at the root, F(s) = u(s) - theta, obtained by
    subtracting F / stop_gradient(dF/ds) (zero in value at the root), so no derivative
    flows through the root finder's iterations."""
    sg = jax.lax.stop_gradient
    s = sg(lif_crossing(sg(u0), sg(b), sg(theta), sg(tau_m), sg(tau_s), t_max))
    found = jnp.isfinite(s)
    s0 = jnp.where(found, s, 0.0)

    def big_f(ss, u0, b, theta, tau_m, tau_s):
        return lif_u(u0, b, ss, tau_m, tau_s) - theta

    fixed = tuple(map(sg, (u0, b, theta, tau_m, tau_s)))
    _, slope = jax.jvp(lambda ss: big_f(ss, *fixed), (s0,), (jnp.ones_like(s0),))
    slope = jnp.where(found & (slope > 0), slope, 1.0)
    t = s0 - big_f(s0, u0, b, theta, tau_m, tau_s) / sg(slope)
    return jnp.where(found, t, jnp.inf)


def _exact(model, current, t_max) -> dict:
    args = {"I": current}

    def crossing(y):
        form = model.closed_form(y, args)
        v_inf = _first(form.v_inf)
        u0 = _first(y[:, form.v_col]) - v_inf
        theta = _first(form.v_th) - v_inf
        t = _implicit_crossing(
            u0, _first(form.b), theta, _first(form.tau_m), _first(form.tau_s), t_max
        )
        return t, form

    y0 = model.init_state()[:1]
    t1, form = crossing(y0)
    # the state at the first crossing: V on the threshold, the synaptic currents decayed
    h = jnp.where(jnp.isfinite(t1), t1, 0.0)
    y_star = y0.at[:, form.v_col].set(_first(form.v_th))
    for col in form.decay_cols:
        y_star = y_star.at[:, col].multiply(jnp.exp(-h / _first(form.tau_s)))
    t_pass, _ = crossing(model.reset_spiked(y_star, jnp.ones(1, bool)))
    rate = jnp.where(jnp.isfinite(t_pass), 1000.0 / (_refractory(model) + t_pass), 0.0)
    return {"first spike": jnp.where(jnp.isfinite(t1), t1, jnp.nan), "rate": rate}


# ---- surrogate --------------------------------------------------------------------------


def _surrogate(model, current, n_steps: int) -> dict:
    x = jnp.full((n_steps, model.size), current)
    _, spikes, _ = model.run(x)
    rate = spikes[:, 0].mean() * 1000.0 / SURROGATE_BIN
    return {"rate": rate, "first spike": jnp.full_like(rate, jnp.nan)}


@eqx.filter_jit
def _values_and_jacobians(model, values, dt, t_max, n_valid, *, methods, integrator, n_bins):
    """`{method: {quantity: value}}` and `{method: {quantity: {name: derivative}}}`."""

    def f(vals):
        m = _with_values(model, vals)
        cur = vals[CURRENT]
        out = {}
        for method in methods:
            if method == "exact":
                out[method] = _exact(m, cur, t_max)
            elif method == "surrogate":
                out[method] = _surrogate(m, cur, n_bins)
            else:
                out[method] = _stepped(m, cur, dt, n_valid, integrator)
        return out, out

    jac, value = jax.jacfwd(f, has_aux=True)(values)
    return value, jac


def _dtype():
    return np.dtype(jax.dtypes.canonicalize_dtype(np.float64))


def all_sensitivities(
    model,
    names,
    *,
    current: float,
    methods=None,
    dt: float = 0.05,
    t_max: float = T_MAX,
    integrator: str = "rk4",
) -> dict[str, dict[str, tuple[float, dict[str, float]]]]:
    """Both quantities and their gradients by every method in `methods` (default: all
    that apply), from one call of one compiled function.

    **Arguments:** as `sensitivities`; `methods` a tuple of `gradient_methods(model)`.

    **Returns:** `{method: {quantity: (value, {name: derivative})}}`, values in Hz or ms
    and derivatives in the quantity's unit per unit of each parameter (`"I"`: per pA).
    """
    methods = tuple(gradient_methods(model) if methods is None else methods)
    dtype = _dtype()
    values = {n: np.asarray(np.ravel(getattr(model, n))[0], dtype) for n in names}
    values[CURRENT] = np.asarray(current, dtype)
    value, jac = _values_and_jacobians(
        model,
        values,
        np.asarray(dt, dtype),
        np.asarray(t_max, dtype),
        np.asarray(int(math.ceil(t_max / dt)), np.int32),
        methods=methods,
        integrator=integrator,
        n_bins=int(math.ceil(t_max / SURROGATE_BIN)),
    )
    value, jac = jax.device_get((value, jac))
    return {
        m: {
            q: (float(value[m][q]), {n: float(jac[m][q][n]) for n in [*names, CURRENT]})
            for q in QUANTITIES
        }
        for m in methods
    }


def sensitivities(
    model,
    names,
    *,
    current: float,
    quantity: str = "rate",
    method: str = "stepped",
    dt: float = 0.05,
    t_max: float = T_MAX,
    integrator: str = "rk4",
) -> tuple[float, dict[str, float]]:
    """The value of `quantity` and its gradient with respect to each parameter in `names`.

    **Arguments:**

    - `model`: a neuron model (continuous, or a discrete-time SNN* model).
    - `names`: parameter names of the model to differentiate by; `"I"` is the input
      current (pA).
    - `current`: the constant input current besides `I_e` (pA; for SNN* models the
      dimensionless input per step).
    - `quantity`: "rate" (Hz) or "first spike" (ms).
    - `method`: "exact", "stepped" or "surrogate" (see `gradient_methods`).
    - `dt`: grid step (ms) of the stepped method; for the surrogate method one step of
      an SNN* model is one time bin of 1 ms.
    - `t_max`: horizon (ms) searched for a crossing.
    - `integrator`: integrator of the stepped method.

    **Returns:** `(value, grads)`: the quantity (Hz or ms; NaN for a first spike that
    never comes, 0 Hz for no firing) and d quantity / d parameter per name, in the
    quantity's unit per unit of the parameter.
    """
    if quantity not in QUANTITIES:
        raise ValueError(f"quantity={quantity!r}; use one of {list(QUANTITIES)}.")
    if method not in gradient_methods(model):
        raise ValueError(
            f"method={method!r} does not apply to {type(model).__name__}; "
            f"use one of {gradient_methods(model)}."
        )
    out = all_sensitivities(
        model,
        names,
        current=current,
        methods=(method,),
        dt=dt,
        t_max=t_max,
        integrator=integrator,
    )
    return out[method][quantity]


__all__ = [
    "CURRENT",
    "QUANTITIES",
    "T_MAX",
    "all_sensitivities",
    "gradient_methods",
    "sensitivities",
]
