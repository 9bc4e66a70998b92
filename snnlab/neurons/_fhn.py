"""The FitzHugh-Nagumo model (dimensionless)."""

from __future__ import annotations

from typing import ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp

from ..core import AbstractNeuronModel, parameter


class FitzHughNagumo(AbstractNeuronModel):
    r"""FitzHugh-Nagumo model (FitzHugh 1961; Nagumo, Arimoto and Yoshizawa 1962).

    $$\frac{dV}{dt} = V - \frac{V^3}{3} - w + I_e + I, \qquad
      \tau \frac{dw}{dt} = V + a - b w$$

    Dimensionless: V, w, I and every parameter have no unit (unit ""); one unit of model time
    is one ms of simulated time, so a 1000 ms run is 1000 time units and rates in "Hz" are
    events per 1000 time units. Defaults a = 0.7, b = 0.8, tau = 12.5 are FitzHugh's.
    A spike is an upward crossing of V_th; there is no reset. An input spike of weight w
    raises V by w.

    The V-nullcline is the cubic $w = V - V^3/3 + I$, the w-nullcline the line
    $w = (V + a)/b$ (the vertical line $V = -a$ when b = 0).
    """

    size: int = eqx.field(static=True, default=1)
    a: jax.Array = parameter(0.7, unit="", doc="offset of the w-nullcline", slider=(-1.0, 1.5))
    b: jax.Array = parameter(
        0.8, unit="", doc="slope of the recovery feedback", bounds=(0.0, None), slider=(0.0, 2.0)
    )
    tau: jax.Array = parameter(
        12.5,
        unit="",
        doc="recovery time scale (1 / epsilon)",
        bounds=(0.0, None),
        inclusive=(False, True),
        slider=(1.0, 100.0),
        log=True,
    )
    I_e: jax.Array = parameter(0.0, unit="", doc="constant bias current", slider=(-1.0, 2.0))
    V_th: jax.Array = parameter(
        1.0, unit="", doc="a spike is an upward crossing of V_th", slider=(0.0, 1.8)
    )
    v_init: jax.Array = parameter(-1.2, unit="", doc="V at t = 0", slider=(-2.5, 2.5))
    w_init: jax.Array = parameter(-0.6, unit="", doc="w at t = 0", slider=(-1.0, 2.0))
    tau_ref: jax.Array = parameter(
        None,
        unit="ms",
        doc="no spike is counted within it after a spike; None means 0",
        bounds=(0.0, None),
        slider=(0.0, 5.0),
        optional=True,
    )
    method: str = eqx.field(static=True, default="rk4")

    state_names: ClassVar[tuple[str, ...]] = ("V", "w")
    state_units: ClassVar[tuple[str, ...]] = ("", "")
    refractory_clamped: ClassVar[tuple[str, ...]] = ()

    def refractory_period(self):
        return self.tau_ref

    def init_state(self, n_neurons=None):
        n = self.size if n_neurons is None else n_neurons
        v = jnp.broadcast_to(self.v_init, (n,)).astype(self.a.dtype)
        return jnp.stack([v, jnp.broadcast_to(self.w_init, (n,)).astype(v.dtype)], axis=1)

    def dynamics(self, t, y, args):
        v, w = y[:, 0], y[:, 1]
        dv = v - v**3 / 3.0 - w + self.I_e + args.get("I", 0.0)
        dw = (v + self.a - self.b * w) / self.tau
        return jnp.stack([dv, dw], axis=1)

    def spike_condition(self, t, y, args):
        return y[:, 0] - self.V_th

    def reset_spiked(self, y, spiked_mask):
        return y
