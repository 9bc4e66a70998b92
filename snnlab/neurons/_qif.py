"""Quadratic integrate-and-fire neuron (QIF)."""

from __future__ import annotations

from typing import ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp

from ..core import AbstractNeuronModel, parameter
from ._reset import reset_membrane


class QIF(AbstractNeuronModel):
    r"""Quadratic integrate-and-fire neuron (Latham et al. 2000; Ermentrout and Kopell's
    theta neuron in voltage form).

    $$\tau \frac{dV}{dt} = c (V - V_{rest})(V - V_c) + R (I_e + I)$$

    When V reaches V_th: V <- V_reset, held there for `tau_ref` ms. Units: mV, ms, pA, GOhm
    (R I in mV), c in 1/mV. Below the rheobase $R I_{rh} = c (V_c - V_{rest})^2 / 4$ it has
    two fixed points,

    $$V_\pm = \frac{V_{rest} + V_c}{2} \pm \sqrt{\left(\frac{V_c - V_{rest}}{2}\right)^2
      - \frac{R (I_e + I)}{c}},$$

    the lower stable, the upper a threshold (unstable); they merge in a saddle-node at
    $I_{rh}$ (the normal form $\dot x = x^2 + I$ with its fixed points $\pm\sqrt{-I}$).
    Defaults follow BrainPy's `QuaIF`, with R in GOhm. An input spike of weight w raises V
    by w mV.
    """

    size: int = eqx.field(static=True, default=1)
    V_rest: jax.Array = parameter(-65.0, unit="mV", doc="resting potential", slider=(-80.0, -55.0))
    V_c: jax.Array = parameter(
        -50.0, unit="mV", doc="critical (unstable) potential at I = 0", slider=(-60.0, -40.0)
    )
    c: jax.Array = parameter(
        0.07,
        unit="1/mV",
        doc="curvature of the quadratic",
        bounds=(0.0, None),
        inclusive=(False, True),
        slider=(0.01, 0.2),
        log=True,
    )
    V_th: jax.Array = parameter(-30.0, unit="mV", doc="spike cut-off", slider=(-40.0, 0.0))
    V_reset: jax.Array = parameter(
        -68.0, unit="mV", doc="membrane potential after a spike", slider=(-80.0, -50.0)
    )
    v_init: jax.Array = parameter(-65.0, unit="mV", doc="V at t = 0", slider=(-80.0, -50.0))
    R: jax.Array = parameter(
        0.04,
        unit="GOhm",
        doc="membrane resistance (R * I in mV for I in pA)",
        bounds=(0.0, None),
        inclusive=(False, True),
        slider=(0.005, 0.2),
        log=True,
    )
    tau: jax.Array = parameter(
        10.0,
        unit="ms",
        doc="membrane time constant",
        bounds=(0.0, None),
        inclusive=(False, True),
        slider=(1.0, 100.0),
        log=True,
    )
    I_e: jax.Array = parameter(0.0, unit="pA", doc="constant bias current", slider=(-500.0, 1500.0))
    tau_ref: jax.Array = parameter(
        None,
        unit="ms",
        doc="refractory period (V held at V_reset); None means 0",
        bounds=(0.0, None),
        slider=(0.0, 10.0),
        optional=True,
    )
    method: str = eqx.field(static=True, default="rk4")

    state_names: ClassVar[tuple[str, ...]] = ("V",)
    state_units: ClassVar[tuple[str, ...]] = ("mV",)

    def constraints(self):
        return [("V_reset must lie below V_th.", self.V_reset < self.V_th)]

    def refractory_period(self):
        return self.tau_ref

    def init_state(self, n_neurons=None):
        n = self.size if n_neurons is None else n_neurons
        return jnp.broadcast_to(self.v_init, (n,))[:, None].astype(self.c.dtype)

    def dynamics(self, t, y, args):
        # Above V_th the field is frozen at its threshold value: a state that overshot the
        # cut-off inside a step is reset at its end, and V^2 cannot overflow meanwhile.
        v = jnp.minimum(y[:, 0], self.V_th)
        drive = self.R * (self.I_e + args.get("I", 0.0))
        return ((self.c * (v - self.V_rest) * (v - self.V_c) + drive) / self.tau)[:, None]

    def spike_condition(self, t, y, args):
        return y[:, 0] - self.V_th

    def reset_spiked(self, y, spiked_mask):
        return reset_membrane(y, spiked_mask, self.V_reset)

    def fixed_point_formula(self, current=0.0) -> tuple[jax.Array, jax.Array]:
        r"""The two fixed points $V_\pm$ (mV) at external current `current` (pA); NaN above
        the rheobase."""
        mid = 0.5 * (self.V_rest + self.V_c)
        half = 0.5 * (self.V_c - self.V_rest)
        root = jnp.sqrt(half**2 - self.R * (self.I_e + current) / self.c)
        return mid - root, mid + root
