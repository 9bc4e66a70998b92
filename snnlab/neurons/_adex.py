"""Exponential integrate-and-fire (EIF) and its adaptive version (AdEx)."""

from __future__ import annotations

from typing import ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp

from ..core import AbstractNeuronModel, parameter, phi1
from ._reset import reset_membrane

ADEX_PATTERNS = {
    "tonic": dict(
        C=200.0,
        g_L=10.0,
        E_L=-70.0,
        V_T=-50.0,
        Delta_T=2.0,
        a=2.0,
        tau_w=30.0,
        b=0.0,
        V_r=-58.0,
        I_e=500.0,
    ),
    "adapting": dict(
        C=200.0,
        g_L=12.0,
        E_L=-70.0,
        V_T=-50.0,
        Delta_T=2.0,
        a=2.0,
        tau_w=300.0,
        b=60.0,
        V_r=-58.0,
        I_e=500.0,
    ),
    "initial_burst": dict(
        C=130.0,
        g_L=18.0,
        E_L=-58.0,
        V_T=-50.0,
        Delta_T=2.0,
        a=4.0,
        tau_w=150.0,
        b=120.0,
        V_r=-50.0,
        I_e=400.0,
    ),
    "regular_bursting": dict(
        C=200.0,
        g_L=10.0,
        E_L=-58.0,
        V_T=-50.0,
        Delta_T=2.0,
        a=2.0,
        tau_w=120.0,
        b=100.0,
        V_r=-46.0,
        I_e=210.0,
    ),
    "delayed_accelerating": dict(
        C=200.0,
        g_L=12.0,
        E_L=-70.0,
        V_T=-50.0,
        Delta_T=2.0,
        a=-10.0,
        tau_w=300.0,
        b=0.0,
        V_r=-58.0,
        I_e=300.0,
    ),
    "delayed_regular_bursting": dict(
        C=100.0,
        g_L=10.0,
        E_L=-65.0,
        V_T=-50.0,
        Delta_T=2.0,
        a=-10.0,
        tau_w=90.0,
        b=30.0,
        V_r=-47.0,
        I_e=110.0,
    ),
    "transient": dict(
        C=100.0,
        g_L=10.0,
        E_L=-65.0,
        V_T=-50.0,
        Delta_T=2.0,
        a=10.0,
        tau_w=90.0,
        b=100.0,
        V_r=-47.0,
        I_e=180.0,
    ),
    "irregular": dict(
        C=100.0,
        g_L=12.0,
        E_L=-60.0,
        V_T=-50.0,
        Delta_T=2.0,
        a=-11.0,
        tau_w=130.0,
        b=30.0,
        V_r=-48.0,
        I_e=160.0,
    ),
}
"""AdEx parameter sets of the firing patterns of Naud, Marcille, Clopath and Gerstner (2008),
"Firing patterns in the adaptive exponential integrate-and-fire model", Biol. Cybern. 99:335,
Table 1 (C in pF, g_L and a in nS, voltages in mV, tau_w in ms, b and the step current I_e
in pA)."""

_EXP_CAP = 10.0
"""Largest exponent of the spike-generating term. At V = V_T + 10 Delta_T the upstroke is
already ~1000 mV/ms (it reaches V_peak within ~0.02 ms); capping it there keeps the field
finite in float32 and lets the adaptive "rkf45" step reach V_peak in a few sub-steps."""


class _AbstractExpIF(AbstractNeuronModel):
    """The exponential membrane shared by EIF and AdEx."""

    size: int = eqx.field(static=True, default=1)
    C: jax.Array = parameter(
        200.0,
        unit="pF",
        doc="membrane capacitance",
        bounds=(0.0, None),
        inclusive=(False, True),
        slider=(50.0, 400.0),
        log=True,
    )
    g_L: jax.Array = parameter(
        10.0,
        unit="nS",
        doc="leak conductance",
        bounds=(0.0, None),
        inclusive=(False, True),
        slider=(2.0, 40.0),
        log=True,
    )
    E_L: jax.Array = parameter(
        -70.0, unit="mV", doc="leak reversal potential", slider=(-80.0, -55.0)
    )
    V_T: jax.Array = parameter(
        -50.0, unit="mV", doc="threshold slope point (rheobase potential)", slider=(-60.0, -40.0)
    )
    Delta_T: jax.Array = parameter(
        2.0,
        unit="mV",
        doc="slope factor (sharpness of spike initiation)",
        bounds=(0.0, None),
        inclusive=(False, True),
        slider=(0.5, 5.0),
    )
    V_peak: jax.Array = parameter(
        0.0, unit="mV", doc="spike cut-off: a spike when V reaches it", slider=(-30.0, 20.0)
    )
    V_r: jax.Array = parameter(-58.0, unit="mV", doc="reset potential", slider=(-75.0, -40.0))
    v_init: jax.Array = parameter(-70.0, unit="mV", doc="V at t = 0", slider=(-80.0, -50.0))
    I_e: jax.Array = parameter(0.0, unit="pA", doc="constant bias current", slider=(-200.0, 1000.0))
    tau_ref: jax.Array = parameter(
        None,
        unit="ms",
        doc="refractory period (V held at V_r); None means 0",
        bounds=(0.0, None),
        slider=(0.0, 5.0),
        optional=True,
    )
    method: str = eqx.field(static=True, default="rk4")

    def constraints(self):
        return [("V_r (the reset) must lie below V_peak.", self.V_r < self.V_peak)]

    def refractory_period(self):
        return self.tau_ref

    def spike_condition(self, t, y, args):
        return y[:, 0] - self.V_peak

    def _leak_rates(self):
        """The linear decay rate (1/ms) of each state column, integrated exactly by
        "exp_euler" (the exponential term is treated as a forcing: linearising it instead
        would overflow on the upstroke)."""
        raise NotImplementedError

    def exp_euler_step(self, t, y, args, dt):
        rates = jnp.stack(jnp.broadcast_arrays(*self._leak_rates()), axis=-1)
        return y + dt * phi1(rates * dt) * self.dynamics(t, y, args)

    def _dv_membrane(self, v, args):
        """C dV/dt without adaptation (pA); V is clipped at V_peak so that a state that
        overshot the cut-off inside a step keeps a finite vector field."""
        v = jnp.minimum(v, self.V_peak)
        spike = jnp.exp(jnp.minimum((v - self.V_T) / self.Delta_T, _EXP_CAP))
        return (
            -self.g_L * (v - self.E_L)
            + self.g_L * self.Delta_T * spike
            + self.I_e
            + args.get("I", 0.0)
        )


class EIF(_AbstractExpIF):
    r"""Exponential integrate-and-fire neuron (Fourcaud-Trocmé, Hansel, van Vreeswijk and
    Brunel 2003).

    $$C \frac{dV}{dt} = -g_L (V - E_L) + g_L \Delta_T e^{(V - V_T)/\Delta_T} + I_e + I$$

    When V reaches V_peak: V <- V_r, held there for `tau_ref` ms. Units: mV, ms, pA, nS, pF.
    Its rheobase is $g_L (V_T - E_L - \Delta_T)$ (the saddle-node of the two fixed points).
    An input spike of weight w raises V by w mV.
    """

    state_names: ClassVar[tuple[str, ...]] = ("V",)
    state_units: ClassVar[tuple[str, ...]] = ("mV",)

    def init_state(self, n_neurons=None):
        n = self.size if n_neurons is None else n_neurons
        return jnp.broadcast_to(self.v_init, (n,))[:, None].astype(self.C.dtype)

    def _leak_rates(self):
        return (-self.g_L / self.C,)

    def dynamics(self, t, y, args):
        return (self._dv_membrane(y[:, 0], args) / self.C)[:, None]

    def reset_spiked(self, y, spiked_mask):
        return reset_membrane(y, spiked_mask, self.V_r)


class AdEx(_AbstractExpIF):
    r"""Adaptive exponential integrate-and-fire neuron (Brette and Gerstner 2005).

    $$C \frac{dV}{dt} = -g_L (V - E_L) + g_L \Delta_T e^{(V - V_T)/\Delta_T} - w + I_e + I,
      \qquad \tau_w \frac{dw}{dt} = a (V - E_L) - w$$

    When V reaches V_peak: V <- V_r and w <- w + b. Units: mV, ms, pA (w, b, I), nS (g_L, a),
    pF. Defaults are the "tonic" set of Naud et al. (2008) without its current; the other
    firing patterns of their Table 1 are in `ADEX_PATTERNS`. When $a/g_L < C/(g_L\tau_w)$ the
    rest state disappears in a saddle-node at the rheobase

    $$I_{rh} = (g_L + a)\left(V_T - E_L - \Delta_T + \Delta_T \ln(1 + a/g_L)\right)$$

    (Touboul 2008). An input spike of weight w raises V by w mV.
    """

    a: jax.Array = parameter(
        2.0, unit="nS", doc="subthreshold adaptation coupling", slider=(-12.0, 20.0)
    )
    tau_w: jax.Array = parameter(
        30.0,
        unit="ms",
        doc="adaptation time constant",
        bounds=(0.0, None),
        inclusive=(False, True),
        slider=(10.0, 500.0),
        log=True,
    )
    b: jax.Array = parameter(
        0.0, unit="pA", doc="spike-triggered adaptation jump", slider=(0.0, 150.0)
    )
    w_init: jax.Array = parameter(0.0, unit="pA", doc="w at t = 0", slider=(-100.0, 300.0))

    state_names: ClassVar[tuple[str, ...]] = ("V", "w")
    state_units: ClassVar[tuple[str, ...]] = ("mV", "pA")

    def init_state(self, n_neurons=None):
        n = self.size if n_neurons is None else n_neurons
        v = jnp.broadcast_to(self.v_init, (n,)).astype(self.C.dtype)
        return jnp.stack([v, jnp.broadcast_to(self.w_init, (n,)).astype(v.dtype)], axis=1)

    def _leak_rates(self):
        return (-self.g_L / self.C, -1.0 / self.tau_w)

    def dynamics(self, t, y, args):
        v, w = y[:, 0], y[:, 1]
        dv = (self._dv_membrane(v, args) - w) / self.C
        dw = (self.a * (jnp.minimum(v, self.V_peak) - self.E_L) - w) / self.tau_w
        return jnp.stack([dv, dw], axis=1)

    def reset_spiked(self, y, spiked_mask):
        v = jnp.where(spiked_mask, self.V_r, y[:, 0])
        w = jnp.where(spiked_mask, y[:, 1] + self.b, y[:, 1])
        return jnp.stack([v, w], axis=1)

    def rheobase(self) -> jax.Array:
        r"""The saddle-node current $I_{rh}$ (pA) above, counted on top of `I_e`."""
        return (self.g_L + self.a) * (
            self.V_T - self.E_L - self.Delta_T + self.Delta_T * jnp.log1p(self.a / self.g_L)
        ) - self.I_e
