"""The Izhikevich (2003) simple model."""

from __future__ import annotations

from typing import ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp

from ..core import AbstractNeuronModel, parameter

PATTERNS = {
    "RS": dict(a=0.02, b=0.2, c=-65.0, d=8.0),
    "IB": dict(a=0.02, b=0.2, c=-55.0, d=4.0),
    "CH": dict(a=0.02, b=0.2, c=-50.0, d=2.0),
    "FS": dict(a=0.1, b=0.2, c=-65.0, d=2.0),
    "LTS": dict(a=0.02, b=0.25, c=-65.0, d=2.0),
}
"""Parameters of the classic firing patterns (Izhikevich 2003, Fig. 2): regular spiking,
intrinsically bursting, chattering, fast spiking, low-threshold spiking."""


class Izhikevich(AbstractNeuronModel):
    r"""Izhikevich's simple spiking model.

    $$\frac{dV}{dt} = 0.04 V^2 + 5 V + 140 - u + I_e + I, \qquad \frac{du}{dt} = a (b V - u)$$

    When V reaches V_th: V <- c, u <- u + d. V in mV, t in ms; the current is in the
    model's own units (mV/ms; called pA for uniformity, as in neurai), so I = 10 is the
    classic drive. u starts at b * v_init. `V_reset` is unused (c is the reset) and kept for
    neurai compatibility. "euler" (the default) updates V and u from the same old state.
    An input spike of weight w raises V by w mV. `PATTERNS` holds the classic parameter sets.
    """

    size: int = eqx.field(static=True, default=1)
    V_th: jax.Array = parameter(30.0, unit="mV", doc="spike cut-off", slider=(0.0, 40.0))
    V_reset: jax.Array = parameter(
        0.0,
        unit="mV",
        doc="unused (c is the reset); kept for neurai compatibility",
        slider=(-80.0, 0.0),
    )
    v_init: jax.Array = parameter(-65.0, unit="mV", doc="V at t = 0", slider=(-80.0, -50.0))
    a: jax.Array = parameter(
        0.02,
        unit="1/ms",
        doc="recovery rate of u",
        bounds=(0.0, None),
        slider=(0.005, 0.2),
        log=True,
    )
    b: jax.Array = parameter(0.2, unit="", doc="sensitivity of u to V", slider=(0.0, 0.3))
    c: jax.Array = parameter(-65.0, unit="mV", doc="reset value of V", slider=(-75.0, -40.0))
    d: jax.Array = parameter(8.0, unit="mV/ms", doc="jump of u at a spike", slider=(0.0, 10.0))
    I_e: jax.Array = parameter(
        0.0, unit="pA", doc="constant bias current (model units, mV/ms)", slider=(-10.0, 30.0)
    )
    method: str = eqx.field(static=True, default="euler")

    state_names: ClassVar[tuple[str, ...]] = ("V", "u")
    state_units: ClassVar[tuple[str, ...]] = ("mV", "mV/ms")

    def constraints(self):
        return [("c (the reset) must lie below V_th.", self.c < self.V_th)]

    def init_state(self, n_neurons=None):
        n = self.size if n_neurons is None else n_neurons
        v = jnp.broadcast_to(self.v_init, (n,)).astype(self.a.dtype)
        return jnp.stack([v, self.b * v], axis=1)

    def dynamics(self, t, y, args):
        v, u = y[:, 0], y[:, 1]
        dv = 0.04 * v**2 + 5.0 * v + 140.0 - u + self.I_e + args.get("I", 0.0)
        return jnp.stack([dv, self.a * (self.b * v - u)], axis=1)

    def spike_condition(self, t, y, args):
        return y[:, 0] - self.V_th

    def reset_spiked(self, y, spiked_mask):
        v = jnp.where(spiked_mask, self.c, y[:, 0])
        u = jnp.where(spiked_mask, y[:, 1] + self.d, y[:, 1])
        return jnp.stack([v, u], axis=1)
