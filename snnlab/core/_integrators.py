"""Fixed-grid integrators for the stepped engine: euler, exp_euler, rk4, rkf45.

Each advances a model's state by one grid step `dt` (ms) with the external input
held constant over the step. "rkf45" is adaptive *inside* the step: diffrax solves
[t, t + dt] with the Runge-Kutta-Fehlberg 4(5) pair and a PID step-size controller,
taking as many sub-steps as the tolerances need, up to `RKF45_MAX_SUBSTEPS` per grid
step. A step that does not reach its end is a failure: `STEPPERS` report it (the
stepped engine marks the run), and the plain `INTEGRATORS` return NaN for it, never
the state of an unfinished step.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

import diffrax
import jax.numpy as jnp
import numpy as np
from jax import Array

from ._model import AbstractNeuronModel
from ._typing import Args, State

RKF45_RTOL = 1e-6
"""Relative tolerance of each rkf45 sub-step (of the state's own units)."""
RKF45_ATOL = 1e-6
"""Absolute tolerance of each rkf45 sub-step (mV for V, unitless for gates)."""
RKF45_MAX_SUBSTEPS = 4096
"""Bound on the adaptive sub-steps of one rkf45 grid step. HH at dt = 10 ms needs a few
hundred; a step that would need more is reported as failed (it is a stiff or broken
model, not a slow one)."""

_rkf45_tableau = diffrax.ButcherTableau(
    c=np.array([1 / 4, 3 / 8, 12 / 13, 1.0, 1 / 2]),
    a_lower=(
        np.array([1 / 4]),
        np.array([3 / 32, 9 / 32]),
        np.array([1932 / 2197, -7200 / 2197, 7296 / 2197]),
        np.array([439 / 216, -8.0, 3680 / 513, -845 / 4104]),
        np.array([-8 / 27, 2.0, -3544 / 2565, 1859 / 4104, -11 / 40]),
    ),
    b_sol=np.array([25 / 216, 0.0, 1408 / 2565, 2197 / 4104, -1 / 5, 0.0]),
    b_error=np.array(
        [
            25 / 216 - 16 / 135,
            0.0,
            1408 / 2565 - 6656 / 12825,
            2197 / 4104 - 28561 / 56430,
            -1 / 5 + 9 / 50,
            -2 / 55,
        ]
    ),
)


class RKF45(diffrax.AbstractERK):
    """Runge-Kutta-Fehlberg 4(5): fourth-order solution, fifth-order error estimate."""

    tableau: ClassVar[diffrax.ButcherTableau] = _rkf45_tableau
    interpolation_cls: ClassVar[Callable] = diffrax.ThirdOrderHermitePolynomialInterpolation.from_k

    def order(self, terms):
        del terms
        return 4


def euler(model: AbstractNeuronModel, t, y: State, args: Args, dt) -> State:
    """Forward Euler: y + dt f(t, y)."""
    return y + dt * model.dynamics(t, y, args)


def exp_euler(model: AbstractNeuronModel, t, y: State, args: Args, dt) -> State:
    """Exponential Euler: exact for the model's linear sub-dynamics (see the model)."""
    return model.exp_euler_step(t, y, args, dt)


def rk4(model: AbstractNeuronModel, t, y: State, args: Args, dt) -> State:
    """Classic fourth-order Runge-Kutta."""
    k1 = model.dynamics(t, y, args)
    k2 = model.dynamics(t + dt / 2, y + dt / 2 * k1, args)
    k3 = model.dynamics(t + dt / 2, y + dt / 2 * k2, args)
    k4 = model.dynamics(t + dt, y + dt * k3, args)
    return y + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)


def rkf45_checked(model: AbstractNeuronModel, t, y: State, args: Args, dt) -> tuple[State, Array]:
    """Adaptive RKF45 over one grid step `dt` (ms), with its outcome.

    **Returns:** `(y_new, ok)`: `ok` is False when the solver did not reach `t + dt` (more
    than `RKF45_MAX_SUBSTEPS` sub-steps, or a non-finite vector field); `y_new` is then
    NaN, never the state of the unfinished step.
    """
    sol = diffrax.diffeqsolve(
        diffrax.ODETerm(lambda tt, yy, aa: model.dynamics(tt, yy, aa)),
        RKF45(),
        t0=t,
        t1=t + dt,
        dt0=dt,
        y0=y,
        args=args,
        stepsize_controller=diffrax.PIDController(rtol=RKF45_RTOL, atol=RKF45_ATOL),
        saveat=diffrax.SaveAt(t1=True),
        max_steps=RKF45_MAX_SUBSTEPS,
        throw=False,
    )
    ok = sol.result == diffrax.RESULTS.successful
    y_new = jnp.where(ok, sol.ys[0], jnp.nan)
    return y_new, ok


def rkf45(model: AbstractNeuronModel, t, y: State, args: Args, dt) -> State:
    """Adaptive RKF45 over one grid step (rtol = atol = 1e-6, at most `RKF45_MAX_SUBSTEPS`
    sub-steps); NaN where the step could not be completed."""
    return rkf45_checked(model, t, y, args, dt)[0]


def _always_ok(integrate):
    def stepper(model, t, y, args, dt):
        return integrate(model, t, y, args, dt), jnp.asarray(True)

    stepper.__doc__ = f"`{integrate.__name__}` with its outcome (a fixed step always completes)."
    return stepper


INTEGRATORS = {"euler": euler, "exp_euler": exp_euler, "rk4": rk4, "rkf45": rkf45}
"""Method name -> `f(model, t, y, args, dt) -> y_new`: one grid step (NaN if it failed)."""

STEPPERS = {
    "euler": _always_ok(euler),
    "exp_euler": _always_ok(exp_euler),
    "rk4": _always_ok(rk4),
    "rkf45": rkf45_checked,
}
"""Method name -> `f(model, t, y, args, dt) -> (y_new, ok)`: one grid step and whether it
reached its end (`ok`, a bool scalar); what the stepped engine uses."""
