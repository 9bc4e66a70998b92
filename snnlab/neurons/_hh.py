"""Hodgkin-Huxley neurons (HH) and HH with exponential postsynaptic currents (HHPSC)."""

from __future__ import annotations

from typing import ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp

from ..core import AbstractNeuronModel, parameter, phi1


def _rates(v):
    """Opening and closing rates (1/ms) of the m, h, n gates at V (mV).

    alpha_m and alpha_n have the form x / (1 - e^{-x}), 0/0 at V = -40 and -55 mV; writing
    them as 1 / phi1(-x) removes the singularity.
    """
    alpha_m = 1.0 / phi1(-(v + 40.0) / 10.0)
    beta_m = 4.0 * jnp.exp(-(v + 65.0) / 18.0)
    alpha_h = 0.07 * jnp.exp(-(v + 65.0) / 20.0)
    beta_h = 1.0 / (1.0 + jnp.exp(-(v + 35.0) / 10.0))
    alpha_n = 0.1 / phi1(-(v + 55.0) / 10.0)
    beta_n = 0.125 * jnp.exp(-(v + 65.0) / 80.0)
    return (alpha_m, beta_m), (alpha_h, beta_h), (alpha_n, beta_n)


def gate_steady_states(v):
    """x_inf = alpha / (alpha + beta) for m, h, n at V (mV)."""
    return tuple(a / (a + b) for a, b in _rates(v))


def _conductance(default, doc, slider):
    return parameter(
        default,
        unit="nS",
        doc=doc,
        bounds=(0.0, None),
        slider=slider,
    )


class _AbstractHH(AbstractNeuronModel):
    """The Hodgkin-Huxley membrane shared by HH and HHPSC."""

    # measured: 0.5 ms gives the spike counts of dt = 0.01 ms from 300 to 3000 pA over
    # 500 ms (rkf45, float64); dt = 1 ms loses 2 of 21 at 1000 pA and 13 of 50 at 3000 pA
    max_spike_dt: ClassVar[float | None] = 0.5

    size: int = eqx.field(static=True, default=1)
    V_th: jax.Array = parameter(
        0.0, unit="mV", doc="a spike is an upward crossing of V_th", slider=(-40.0, 20.0)
    )
    V_reset: jax.Array = parameter(
        0.0,
        unit="mV",
        doc="kept for neurai compatibility; unused (HH has no reset)",
        slider=(-80.0, 0.0),
    )
    v_init: jax.Array = parameter(
        -65.0, unit="mV", doc="V at t = 0; gates start at their steady state", slider=(-80.0, -50.0)
    )
    c_m: jax.Array = parameter(
        100.0,
        unit="pF",
        doc="membrane capacitance",
        bounds=(0.0, None),
        inclusive=(False, True),
        slider=(50.0, 200.0),
        log=True,
    )
    g_L: jax.Array = _conductance(30.0, "leak conductance", (10.0, 60.0))
    E_L: jax.Array = parameter(
        -54.402, unit="mV", doc="leak reversal potential", slider=(-70.0, -45.0)
    )
    g_Na: jax.Array = _conductance(12000.0, "maximal sodium conductance", (6000.0, 16000.0))
    E_Na: jax.Array = parameter(
        50.0, unit="mV", doc="sodium reversal potential", slider=(30.0, 70.0)
    )
    g_K: jax.Array = _conductance(3600.0, "maximal potassium conductance", (1800.0, 5400.0))
    E_K: jax.Array = parameter(
        -77.0, unit="mV", doc="potassium reversal potential", slider=(-95.0, -65.0)
    )
    I_e: jax.Array = parameter(0.0, unit="pA", doc="constant bias current", slider=(-200.0, 2000.0))
    tau_ref: jax.Array = parameter(
        None,
        unit="ms",
        doc="refractory period: no spike is counted within it; None means 0",
        bounds=(0.0, None),
        slider=(0.0, 5.0),
        optional=True,
    )
    method: str = eqx.field(static=True, default="rkf45")

    refractory_clamped: ClassVar[tuple[str, ...]] = ()

    def refractory_period(self):
        return self.tau_ref

    def spike_condition(self, t, y, args):
        return y[:, 0] - self.V_th

    def reset_spiked(self, y, spiked_mask):
        return y

    def _init_vmhn(self, n):
        v = jnp.broadcast_to(self.v_init, (n,)).astype(self.c_m.dtype)
        m, h, n_gate = gate_steady_states(v)
        return [v, m, h, n_gate]

    def _dvmhn(self, y, args, i_syn):
        v, m, h, n = y[:, 0], y[:, 1], y[:, 2], y[:, 3]
        i_ion = (
            self.g_Na * m**3 * h * (v - self.E_Na)
            + self.g_K * n**4 * (v - self.E_K)
            + self.g_L * (v - self.E_L)
        )
        dv = (-i_ion + self.I_e + args.get("I", 0.0) + i_syn) / self.c_m
        (am, bm), (ah, bh), (an, bn) = _rates(v)
        return [dv, am * (1 - m) - bm * m, ah * (1 - h) - bh * h, an * (1 - n) - bn * n]


class HH(_AbstractHH):
    r"""Hodgkin-Huxley neuron (squid axon kinetics, neurai's parameters for a 100 pF cell).

    $$C_m \frac{dV}{dt} = -g_{Na} m^3 h (V - E_{Na}) - g_K n^4 (V - E_K) - g_L (V - E_L)
      + I_e + I, \qquad \frac{dx}{dt} = \alpha_x(V)(1 - x) - \beta_x(V) x,\ x \in \{m,h,n\}$$

    Units: mV, ms, pA, nS, pF. A spike is an upward crossing of V_th; there is no reset.
    An input spike of weight w raises V by w mV. The neurai docstring mentions a chloride
    channel; its equations (and these) have a leak only.
    """

    state_names: ClassVar[tuple[str, ...]] = ("V", "m", "h", "n")
    state_units: ClassVar[tuple[str, ...]] = ("mV", "", "", "")

    def init_state(self, n_neurons=None):
        return jnp.stack(self._init_vmhn(self.size if n_neurons is None else n_neurons), 1)

    def dynamics(self, t, y, args):
        return jnp.stack(self._dvmhn(y, args, 0.0), axis=1)


class HHPSC(_AbstractHH):
    r"""Hodgkin-Huxley neuron with exponential excitatory and inhibitory synaptic currents.

    As `HH`, with $I_{syn,e} + I_{syn,i}$ added to the membrane input and
    $dI_{syn,x}/dt = -I_{syn,x}/\tau_{syn,x}$. An input spike of weight w > 0 raises
    I_syn_e by w pA; w < 0 lowers I_syn_i by |w| pA.
    """

    tau_syn_e: jax.Array = parameter(
        0.2,
        unit="ms",
        doc="excitatory synaptic time constant",
        bounds=(0.0, None),
        inclusive=(False, True),
        slider=(0.05, 20.0),
        log=True,
    )
    tau_syn_i: jax.Array = parameter(
        2.0,
        unit="ms",
        doc="inhibitory synaptic time constant",
        bounds=(0.0, None),
        inclusive=(False, True),
        slider=(0.05, 50.0),
        log=True,
    )

    state_names: ClassVar[tuple[str, ...]] = ("V", "m", "h", "n", "I_syn_e", "I_syn_i")
    state_units: ClassVar[tuple[str, ...]] = ("mV", "", "", "", "pA", "pA")

    def init_state(self, n_neurons=None):
        vmhn = self._init_vmhn(self.size if n_neurons is None else n_neurons)
        zero = jnp.zeros_like(vmhn[0])
        return jnp.stack([*vmhn, zero, zero], axis=1)

    def dynamics(self, t, y, args):
        i_e, i_i = y[:, 4], y[:, 5]
        d = self._dvmhn(y, args, i_e + i_i)
        return jnp.stack([*d, -i_e / self.tau_syn_e, -i_i / self.tau_syn_i], axis=1)

    def input_jump(self, y, weight_sum):
        y = y.at[:, 4].add(jnp.maximum(weight_sum, 0.0))
        return y.at[:, 5].add(jnp.minimum(weight_sum, 0.0))
