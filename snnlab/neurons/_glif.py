"""Generalised leaky integrate-and-fire model 3 (Teeter et al. 2018), with and without PSCs."""

from __future__ import annotations

from typing import ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp

from ..core import AbstractNeuronModel, parameter
from ._propagators import leaky_membrane_step
from ._receptors import (
    TAU_SYN_DOC,
    check_receptor,
    current_names,
    receptor_count,
    receptor_taus,
)
from ._reset import reset_membrane


class _AbstractGLIF3(AbstractNeuronModel):
    """Membrane and after-spike currents shared by GLIF3 and GLIF3PSC."""

    size: int = eqx.field(static=True, default=1)
    V_th: jax.Array = parameter(
        0.0,
        unit="mV",
        doc="kept for neurai compatibility; unused: the threshold is th_inf + spike_th",
        slider=(-60.0, 10.0),
    )
    V_reset: jax.Array = parameter(
        -78.85, unit="mV", doc="membrane potential after a spike", slider=(-90.0, -55.0)
    )
    v_init: jax.Array = parameter(
        -78.85, unit="mV", doc="membrane potential at t = 0", slider=(-90.0, -50.0)
    )
    I_e: jax.Array = parameter(0.0, unit="pA", doc="constant bias current", slider=(-200.0, 800.0))
    V_rest: jax.Array = parameter(
        -78.85, unit="mV", doc="resting (leak reversal) potential", slider=(-90.0, -60.0)
    )
    th_inf: jax.Array = parameter(
        -51.68, unit="mV", doc="instantaneous threshold", slider=(-65.0, -35.0)
    )
    G: jax.Array = parameter(
        9.43,
        unit="nS",
        doc="membrane (leak) conductance; undocumented in neurai, nS by its units",
        bounds=(0.0, None),
        inclusive=(False, True),
        slider=(1.0, 50.0),
        log=True,
    )
    C_m: jax.Array = parameter(
        58.72,
        unit="pF",
        doc="membrane capacitance",
        bounds=(0.0, None),
        inclusive=(False, True),
        slider=(10.0, 300.0),
        log=True,
    )
    asc_amps_init: jax.Array = parameter(
        (-9.18, -198.94),
        unit="pA",
        doc="after-spike current amplitudes A_j added at each spike",
        slider=(-400.0, 100.0),
        vector=True,
    )
    asc_decay_init: jax.Array = parameter(
        (0.003, 0.1),
        unit="1/ms",
        doc="after-spike current decay rates k_j",
        bounds=(0.0, None),
        inclusive=(False, True),
        slider=(0.001, 1.0),
        log=True,
        vector=True,
    )
    asc_r_init: jax.Array = parameter(
        (1.0, 1.0),
        unit="",
        doc="fraction r_j of an after-spike current kept at a spike",
        bounds=(0.0, None),
        slider=(0.0, 1.0),
        vector=True,
    )
    tau_ref: jax.Array = parameter(
        3.75,
        unit="ms",
        doc="refractory period (V and after-spike currents held); None means 0",
        bounds=(0.0, None),
        slider=(0.0, 10.0),
        optional=True,
    )
    spike_th: jax.Array = parameter(
        0.0,
        unit="mV",
        doc="spike-dependent threshold component (constant in GLIF3)",
        slider=(-10.0, 10.0),
    )
    method: str = eqx.field(static=True, default="exp_euler")

    refractory_clamped: ClassVar[tuple[str, ...]] = ()

    def __check_init__(self):
        shapes = {jnp.shape(self.asc_amps_init)[-1:], jnp.shape(self.asc_decay_init)[-1:]}
        shapes.add(jnp.shape(self.asc_r_init)[-1:])
        if len(shapes) != 1:
            raise ValueError(
                f"{type(self).__name__}: asc_amps_init, asc_decay_init and asc_r_init must "
                f"have the same number of after-spike currents, got {shapes}."
            )

    @property
    def n_asc(self) -> int:
        """Number of after-spike currents."""
        shape = jnp.shape(self.asc_amps_init)
        return shape[-1] if shape else 1

    @property
    def asc_names(self) -> tuple[str, ...]:
        return tuple(f"I_asc{j}" for j in range(self.n_asc))

    @property
    def clamped(self) -> tuple[str, ...]:
        return ("V", *self.asc_names)

    def constraints(self):
        return [
            (
                "V_reset must lie below th_inf + spike_th.",
                self.V_reset < self.th_inf + self.spike_th,
            )
        ]

    def refractory_period(self):
        return self.tau_ref

    def spike_condition(self, t, y, args):
        return y[:, 0] - (self.th_inf + self.spike_th)

    def _asc(self, name, y):
        return jnp.broadcast_to(getattr(self, name), (y.shape[0], self.n_asc))

    def reset_spiked(self, y, spiked_mask):
        # The jump is taken at the spike but includes the decay over the refractory period,
        # during which the currents are held: the same as updating them when it ends.
        i_asc = y[:, 1 : 1 + self.n_asc]
        t_ref = self.refractory_period()
        after = self._asc("asc_r_init", y) * i_asc * jnp.exp(
            -self._asc("asc_decay_init", y) * jnp.asarray(t_ref)[..., None]
        ) + self._asc("asc_amps_init", y)
        y = y.at[:, 1 : 1 + self.n_asc].set(jnp.where(spiked_mask[:, None], after, i_asc))
        return reset_membrane(y, spiked_mask, self.V_reset)

    def _membrane(self, y, args, extra_currents, extra_taus, dt):
        """Exact V step with the after-spike (and synaptic) currents decaying."""
        i_asc = y[:, 1 : 1 + self.n_asc]
        currents = jnp.concatenate([i_asc, extra_currents], axis=1)
        taus = jnp.concatenate(
            [
                1.0 / self._asc("asc_decay_init", y),
                jnp.broadcast_to(extra_taus, extra_currents.shape),
            ],
            axis=1,
        )
        v_inf = self.V_rest + (self.I_e + args.get("I", 0.0)) / self.G
        v_new = leaky_membrane_step(
            y[:, 0], v_inf, self.C_m / self.G, 1.0 / self.G, currents, taus, dt
        )
        return v_new, i_asc * jnp.exp(-self._asc("asc_decay_init", y) * dt)

    def _dv_dasc(self, y, args, extra_current):
        v, i_asc = y[:, 0], y[:, 1 : 1 + self.n_asc]
        total = self.I_e + args.get("I", 0.0) + jnp.sum(i_asc, axis=1) + extra_current
        dv = (-self.G * (v - self.V_rest) + total) / self.C_m
        return dv, -self._asc("asc_decay_init", y) * i_asc

    def _init_v(self, n):
        return jnp.broadcast_to(self.v_init, (n,)).astype(self.G.dtype)


class GLIF3(_AbstractGLIF3):
    r"""GLIF model 3: leaky integrate-and-fire with after-spike currents (Teeter et al. 2018).

    $$C_m \frac{dV}{dt} = -G (V - V_{rest}) + I_e + I + \sum_j I_j, \qquad
      \frac{dI_j}{dt} = -k_j I_j$$

    A spike when V reaches th_inf + spike_th; then V <- V_reset and
    I_j <- r_j I_j e^{-k_j t_ref} + A_j, both held for tau_ref (the after-spike currents are
    updated at the end of the refractory period, as NEST's glif_psc and the Allen
    Institute's code). Units: mV, ms, pA, nS, pF; k_j in 1/ms. An input spike of weight w
    raises V by w mV. `exp_euler` is exact.
    """

    @property
    def state_names(self):
        return ("V", *self.asc_names)

    @property
    def state_units(self):
        return ("mV",) + ("pA",) * self.n_asc

    @property
    def refractory_clamped(self):
        return self.clamped

    def init_state(self, n_neurons=None):
        v = self._init_v(self.size if n_neurons is None else n_neurons)
        return jnp.concatenate([v[:, None], jnp.zeros((v.shape[0], self.n_asc), v.dtype)], 1)

    def dynamics(self, t, y, args):
        dv, dasc = self._dv_dasc(y, args, 0.0)
        return jnp.concatenate([dv[:, None], dasc], axis=1)

    def exp_euler_step(self, t, y, args, dt):
        none = jnp.zeros((y.shape[0], 0), y.dtype)
        v_new, asc_new = self._membrane(y, args, none, 1.0, dt)
        return jnp.concatenate([v_new[:, None], asc_new], axis=1)


class GLIF3PSC(_AbstractGLIF3):
    r"""GLIF model 3 with exponential postsynaptic currents.

    As `GLIF3`, plus $dI_{syn,j}/dt = -I_{syn,j}/\tau_{syn,j}$ added to the membrane
    input; an input spike of weight w raises I_syn by w pA. `tau_syn` given as a list
    (neurai's receptor types) makes one current per entry (`I_syn0`, `I_syn1`, ...); each
    input `Connection` chooses its current with `receptor=j` (default 0).
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
        return ("V", *self.asc_names, *current_names(self.n_receptor))

    @property
    def state_units(self):
        return ("mV",) + ("pA",) * (self.n_asc + self.n_receptor)

    @property
    def refractory_clamped(self):
        return self.clamped

    def init_state(self, n_neurons=None):
        v = self._init_v(self.size if n_neurons is None else n_neurons)
        zeros = jnp.zeros((v.shape[0], self.n_asc + self.n_receptor), v.dtype)
        return jnp.concatenate([v[:, None], zeros], axis=1)

    def input_jump(self, y, weight_sum, receptor: int = 0):
        """Add the summed weight (pA) to the current of `receptor`."""
        check_receptor(self, receptor)
        return y.at[:, 1 + self.n_asc + receptor].add(weight_sum)

    def dynamics(self, t, y, args):
        i_syn = y[:, 1 + self.n_asc :]
        dv, dasc = self._dv_dasc(y, args, jnp.sum(i_syn, axis=1))
        decay = -i_syn / receptor_taus(self.tau_syn)
        return jnp.concatenate([dv[:, None], dasc, decay], axis=1)

    def exp_euler_step(self, t, y, args, dt):
        i_syn = y[:, 1 + self.n_asc :]
        taus = receptor_taus(self.tau_syn)
        v_new, asc_new = self._membrane(y, args, i_syn, taus, dt)
        syn_new = i_syn * jnp.exp(-dt / taus)
        return jnp.concatenate([v_new[:, None], asc_new, syn_new], axis=1)
