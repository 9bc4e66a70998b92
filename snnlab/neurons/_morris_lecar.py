"""The Morris-Lecar model with the class I and class II sets of Rinzel and Ermentrout."""

from __future__ import annotations

from typing import ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp

from ..core import AbstractNeuronModel, parameter

MORRIS_LECAR_PRESETS = {
    "class_II": dict(g_Ca=4.4, V_3=2.0, V_4=30.0, phi=0.04),
    "class_I": dict(g_Ca=4.0, V_3=12.0, V_4=17.4, phi=1.0 / 15.0),
}
"""The two classic sets of Rinzel and Ermentrout (1989), "Analysis of neural excitability and
oscillations", Methods in Neuronal Modeling, ch. 7, Table 7.1, as used by Tsumoto, Kitajima,
Yoshinaga, Aihara and Kawakami (2006), "Bifurcations in Morris-Lecar neuron model",
Neurocomputing 69:293. "class_II": the rest state loses stability in a subcritical Hopf
bifurcation at I ~ 93.86 pA; "class_I": a saddle-node on the invariant circle at I ~ 39.96 pA,
so the firing rate rises continuously from 0. Shared values are the model defaults."""


def _conductance(default, doc, slider):
    return parameter(default, unit="nS", doc=doc, bounds=(0.0, None), slider=slider)


class MorrisLecar(AbstractNeuronModel):
    r"""Morris-Lecar model (Morris and Lecar 1981, in the form of Rinzel and Ermentrout 1989).

    $$C \frac{dV}{dt} = -g_L (V - E_L) - g_{Ca} m_\infty(V) (V - E_{Ca}) - g_K w (V - E_K)
      + I_e + I, \qquad \frac{dw}{dt} = \phi \frac{w_\infty(V) - w}{\tau_w(V)}$$

    $$m_\infty = \tfrac12\left(1 + \tanh\tfrac{V - V_1}{V_2}\right),\quad
      w_\infty = \tfrac12\left(1 + \tanh\tfrac{V - V_3}{V_4}\right),\quad
      \tau_w = 1 / \cosh\tfrac{V - V_3}{2 V_4}$$

    Units: mV, ms, pA, nS, pF: the published values per cm^2 (uF, mS, uA) read as pF, nS, pA
    for a 100 um^2 patch, so every number keeps its published value. Defaults are the class II
    (Hopf) set; `MORRIS_LECAR_PRESETS` also holds the class I (saddle-node on invariant circle)
    set. A spike is an upward crossing of V_th; there is no reset. An input spike of weight w
    raises V by w mV.
    """

    size: int = eqx.field(static=True, default=1)
    C: jax.Array = parameter(
        20.0,
        unit="pF",
        doc="membrane capacitance",
        bounds=(0.0, None),
        inclusive=(False, True),
        slider=(5.0, 40.0),
        log=True,
    )
    g_L: jax.Array = _conductance(2.0, "leak conductance", (0.5, 4.0))
    g_Ca: jax.Array = _conductance(4.4, "maximal calcium conductance", (2.0, 6.0))
    g_K: jax.Array = _conductance(8.0, "maximal potassium conductance", (4.0, 12.0))
    E_L: jax.Array = parameter(
        -60.0, unit="mV", doc="leak reversal potential", slider=(-70.0, -50.0)
    )
    E_Ca: jax.Array = parameter(
        120.0, unit="mV", doc="calcium reversal potential", slider=(100.0, 140.0)
    )
    E_K: jax.Array = parameter(
        -84.0, unit="mV", doc="potassium reversal potential", slider=(-100.0, -70.0)
    )
    V_1: jax.Array = parameter(
        -1.2, unit="mV", doc="half-activation of m_inf", slider=(-10.0, 10.0)
    )
    V_2: jax.Array = parameter(
        18.0,
        unit="mV",
        doc="slope of m_inf",
        bounds=(0.0, None),
        inclusive=(False, True),
        slider=(10.0, 30.0),
    )
    V_3: jax.Array = parameter(2.0, unit="mV", doc="half-activation of w_inf", slider=(-10.0, 20.0))
    V_4: jax.Array = parameter(
        30.0,
        unit="mV",
        doc="slope of w_inf",
        bounds=(0.0, None),
        inclusive=(False, True),
        slider=(10.0, 40.0),
    )
    phi: jax.Array = parameter(
        0.04,
        unit="1/ms",
        doc="rate scale of w",
        bounds=(0.0, None),
        inclusive=(False, True),
        slider=(0.01, 0.3),
        log=True,
    )
    I_e: jax.Array = parameter(0.0, unit="pA", doc="constant bias current", slider=(-50.0, 300.0))
    V_th: jax.Array = parameter(
        0.0, unit="mV", doc="a spike is an upward crossing of V_th", slider=(-20.0, 20.0)
    )
    v_init: jax.Array = parameter(
        -60.0, unit="mV", doc="V at t = 0; w starts at w_inf(v_init)", slider=(-80.0, 20.0)
    )
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
    state_units: ClassVar[tuple[str, ...]] = ("mV", "")
    refractory_clamped: ClassVar[tuple[str, ...]] = ()

    def refractory_period(self):
        return self.tau_ref

    def w_inf(self, v):
        """Steady-state potassium activation at V (mV)."""
        return 0.5 * (1.0 + jnp.tanh((v - self.V_3) / self.V_4))

    def m_inf(self, v):
        """Instantaneous calcium activation at V (mV)."""
        return 0.5 * (1.0 + jnp.tanh((v - self.V_1) / self.V_2))

    def init_state(self, n_neurons=None):
        n = self.size if n_neurons is None else n_neurons
        v = jnp.broadcast_to(self.v_init, (n,)).astype(self.C.dtype)
        return jnp.stack([v, self.w_inf(v)], axis=1)

    def dynamics(self, t, y, args):
        v, w = y[:, 0], y[:, 1]
        i_ion = (
            self.g_L * (v - self.E_L)
            + self.g_Ca * self.m_inf(v) * (v - self.E_Ca)
            + self.g_K * w * (v - self.E_K)
        )
        dv = (-i_ion + self.I_e + args.get("I", 0.0)) / self.C
        dw = self.phi * (self.w_inf(v) - w) * jnp.cosh((v - self.V_3) / (2.0 * self.V_4))
        return jnp.stack([dv, dw], axis=1)

    def spike_condition(self, t, y, args):
        return y[:, 0] - self.V_th

    def reset_spiked(self, y, spiked_mask):
        return y
