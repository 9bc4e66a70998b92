"""Leaky integrate-and-fire with delta (LIF) and exponential (ExpLIF) synapses."""

from __future__ import annotations

from typing import ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp

from ..core import AbstractNeuronModel, LeakyClosedForm, parameter
from ._propagators import leaky_membrane_step
from ._receptors import (
    TAU_SYN_DOC,
    check_receptor,
    current_names,
    receptor_count,
    receptor_taus,
)
from ._reset import reset_membrane


class _AbstractLIF(AbstractNeuronModel):
    """Membrane shared by LIF and ExpLIF (NEST iaf_psc_delta / iaf_psc_exp)."""

    size: int = eqx.field(static=True, default=1)
    V_th: jax.Array = parameter(-55.0, unit="mV", doc="spike threshold", slider=(-65.0, -40.0))
    V_reset: jax.Array = parameter(
        -70.0, unit="mV", doc="membrane potential after a spike", slider=(-85.0, -56.0)
    )
    v_init: jax.Array = parameter(
        -70.0, unit="mV", doc="membrane potential at t = 0", slider=(-85.0, -40.0)
    )
    I_e: jax.Array = parameter(0.0, unit="pA", doc="constant bias current", slider=(-500.0, 1500.0))
    V_rest: jax.Array = parameter(
        -70.0, unit="mV", doc="resting (leak reversal) potential", slider=(-85.0, -50.0)
    )
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
    tau_ref: jax.Array = parameter(
        2.0,
        unit="ms",
        doc="refractory period (V held at V_reset); None means 0",
        bounds=(0.0, None),
        slider=(0.0, 10.0),
        optional=True,
    )
    method: str = eqx.field(static=True, default="exp_euler")

    def constraints(self):
        return [("V_reset must lie below V_th.", self.V_reset < self.V_th)]

    def refractory_period(self):
        return self.tau_ref

    def spike_condition(self, t, y, args):
        return y[:, 0] - self.V_th

    def reset_spiked(self, y, spiked_mask):
        return reset_membrane(y, spiked_mask, self.V_reset)

    def _v_inf(self, args):
        return self.V_rest + self.R * (self.I_e + args.get("I", 0.0))


class LIF(_AbstractLIF):
    r"""Leaky integrate-and-fire neuron with delta synapses (NEST `iaf_psc_delta`).

    $$\tau \frac{dV}{dt} = V_{rest} - V + R (I_e + I)$$

    V in mV, t in ms, I in pA, R in GOhm. A spike when V reaches `V_th`; then V is held
    at `V_reset` for `tau_ref` ms. An input spike of weight w raises V by w mV.
    `exp_euler` integrates the membrane exactly.
    """

    state_names: ClassVar[tuple[str, ...]] = ("V",)
    state_units: ClassVar[tuple[str, ...]] = ("mV",)

    def init_state(self, n_neurons=None):
        n = self.size if n_neurons is None else n_neurons
        return jnp.broadcast_to(self.v_init, (n,))[:, None].astype(self.V_th.dtype)

    def dynamics(self, t, y, args):
        return ((self._v_inf(args) - y[:, 0]) / self.tau)[:, None]

    def closed_form(self, y, args):
        """V relaxes to V_inf with tau; no synaptic current (b = 0; tau_s is unused)."""
        if type(self).dynamics is not LIF.dynamics:
            return None
        return LeakyClosedForm(
            0, self._v_inf(args), jnp.zeros_like(y[:, 0]), self.tau, 2.0 * self.tau, self.V_th
        )

    def exp_euler_step(self, t, y, args, dt):
        empty = jnp.zeros((y.shape[0], 0), y.dtype)
        v = leaky_membrane_step(y[:, 0], self._v_inf(args), self.tau, self.R, empty, 1.0, dt)
        return v[:, None]


class ExpLIF(_AbstractLIF):
    r"""Leaky integrate-and-fire neuron with exponential synaptic current (NEST `iaf_psc_exp`).

    $$\tau \frac{dV}{dt} = V_{rest} - V + R \Big(\sum_j I_{syn,j} + I_e + I\Big), \qquad
      \frac{dI_{syn,j}}{dt} = -\frac{I_{syn,j}}{\tau_{syn,j}} + \sum_i w_i s_i(t)$$

    An input spike of weight w raises I_syn by w pA. `tau_syn` given as a list (neurai's
    receptor types) makes one current per entry (`I_syn0`, `I_syn1`, ...); each input
    `Connection` chooses its current with `receptor=j` (default 0). `exp_euler` is the
    exact propagator of this linear system (as NEST's), so between spikes V follows the
    closed form.
    """

    tau_syn: jax.Array = parameter(
        2.0,
        unit="ms",
        doc=TAU_SYN_DOC,
        bounds=(0.0, None),
        inclusive=(False, True),
        slider=(0.1, 50.0),
        log=True,
        receptors=True,
    )

    @property
    def n_receptor(self) -> int:
        """Number of synaptic currents (the length of a `tau_syn` list, else 1)."""
        return receptor_count(self.tau_syn)

    @property
    def state_names(self):
        return ("V", *current_names(self.n_receptor))

    @property
    def state_units(self):
        return ("mV",) + ("pA",) * self.n_receptor

    def init_state(self, n_neurons=None):
        n = self.size if n_neurons is None else n_neurons
        v = jnp.broadcast_to(self.v_init, (n,)).astype(self.V_th.dtype)
        return jnp.concatenate([v[:, None], jnp.zeros((n, self.n_receptor), v.dtype)], axis=1)

    def input_jump(self, y, weight_sum, receptor: int = 0):
        """Add the summed weight (pA) to the current of `receptor`."""
        check_receptor(self, receptor)
        return y.at[:, 1 + receptor].add(weight_sum)

    def dynamics(self, t, y, args):
        v, i_syn = y[:, 0], y[:, 1:]
        dv = (self._v_inf(args) - v + self.R * jnp.sum(i_syn, axis=1)) / self.tau
        return jnp.concatenate([dv[:, None], -i_syn / receptor_taus(self.tau_syn)], axis=1)

    def closed_form(self, y, args):
        """V driven by the currents decaying with tau_syn: b = R I_syn(0) (per receptor)."""
        if type(self).dynamics is not ExpLIF.dynamics:
            return None
        if self.n_receptor == 1 and jnp.ndim(self.tau_syn) < 2:
            return LeakyClosedForm(
                0, self._v_inf(args), self.R * y[:, 1], self.tau, self.tau_syn, self.V_th, (1,)
            )
        r = jnp.reshape(self.R, (-1, 1)) if jnp.ndim(self.R) else self.R
        return LeakyClosedForm(
            0,
            self._v_inf(args),
            r * y[:, 1:],
            self.tau,
            receptor_taus(self.tau_syn),
            self.V_th,
            tuple(range(1, 1 + self.n_receptor)),
        )

    def exp_euler_step(self, t, y, args, dt):
        v, i_syn = y[:, 0], y[:, 1:]
        taus = receptor_taus(self.tau_syn)
        v_new = leaky_membrane_step(v, self._v_inf(args), self.tau, self.R, i_syn, taus, dt)
        return jnp.concatenate([v_new[:, None], i_syn * jnp.exp(-dt / taus)], axis=1)
