"""Fixed-grid integrators for the stepped engine: euler, exp_euler, rk4, rkf45.

Each advances a model's state by one grid step `dt` (ms) with the external input
held constant over the step. "rkf45" is adaptive *inside* the step: diffrax solves
[t, t + dt] with the Runge-Kutta-Fehlberg 4(5) pair and a PID step-size controller.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

import diffrax
import numpy as np

from ._model import AbstractNeuronModel
from ._typing import Args, State

RKF45_RTOL = 1e-6
RKF45_ATOL = 1e-6
RKF45_MAX_SUBSTEPS = 64

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


def rkf45(model: AbstractNeuronModel, t, y: State, args: Args, dt) -> State:
    """Adaptive RKF45 over one grid step (rtol = atol = 1e-6, at most 64 sub-steps)."""
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
    return sol.ys[0]


INTEGRATORS = {"euler": euler, "exp_euler": exp_euler, "rk4": rk4, "rkf45": rkf45}
