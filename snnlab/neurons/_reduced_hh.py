"""Rinzel's two-dimensional reduction of the Hodgkin-Huxley model."""

from __future__ import annotations

from typing import ClassVar

import jax
import jax.numpy as jnp

from ..core import parameter
from ._hh import _AbstractHH, _rates, gate_steady_states


class ReducedHH(_AbstractHH):
    r"""Reduced Hodgkin-Huxley neuron (Rinzel 1985): sodium activation at its steady state,
    $m = m_\infty(V)$, and inactivation slaved to potassium activation, $h = h_0 - n$.

    $$C_m \frac{dV}{dt} = -g_{Na} m_\infty(V)^3 (h_0 - n)(V - E_{Na}) - g_K n^4 (V - E_K)
      - g_L (V - E_L) + I_e + I, \qquad \frac{dn}{dt} = \alpha_n(V)(1 - n) - \beta_n(V) n$$

    Rinzel, J. (1985), "Excitation dynamics: insights from simplified membrane models",
    Fed. Proc. 44:2944, with h0 = 0.8. Parameters, rates and units (mV, ms, pA, nS, pF) are
    those of `HH`, so the two can be compared on the same (V, n) plane. A spike is an upward
    crossing of V_th; there is no reset. An input spike of weight w raises V by w mV.
    """

    h0: jax.Array = parameter(0.8, unit="", doc="h = h0 - n", bounds=(0.0, 1.0), slider=(0.6, 1.0))

    state_names: ClassVar[tuple[str, ...]] = ("V", "n")
    state_units: ClassVar[tuple[str, ...]] = ("mV", "")

    def init_state(self, n_neurons=None):
        n = self.size if n_neurons is None else n_neurons
        v = jnp.broadcast_to(self.v_init, (n,)).astype(self.c_m.dtype)
        return jnp.stack([v, gate_steady_states(v)[2]], axis=1)

    def dynamics(self, t, y, args):
        v, n = y[:, 0], y[:, 1]
        m_inf = gate_steady_states(v)[0]
        h = jnp.clip(self.h0 - n, 0.0, 1.0)
        i_ion = (
            self.g_Na * m_inf**3 * h * (v - self.E_Na)
            + self.g_K * n**4 * (v - self.E_K)
            + self.g_L * (v - self.E_L)
        )
        dv = (-i_ion + self.I_e + args.get("I", 0.0)) / self.c_m
        _, _, (alpha_n, beta_n) = _rates(v)
        return jnp.stack([dv, alpha_n * (1.0 - n) - beta_n * n], axis=1)
