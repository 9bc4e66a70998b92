"""A user-written model (not from snnlab) with its own input_spike and observe, in both
engines, against a hand-written reference; a plain interface-only module; the
closed-form hook."""

from typing import ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.optimize import brentq

import snnlab
from snnlab.core import AbstractNeuronModel, LeakyClosedForm
from snnlab.generators import SpikeGenerator
from snnlab.neurons import LIF

TAU, TAU_S, THETA = 10.0, 5.0, 1.0
W_IN = (0.3, 0.5)  # the model's own weight per input channel
INPUTS = [[2.0, 6.0, 30.0], [4.0, 31.0]]  # spike times of input channels 0 and 1 (ms)


class SynapticCell(AbstractNeuronModel):
    """dV/dt = -V / tau + g, dg/dt = -g / tau_s; a spike at V = theta resets V to 0.

    Its input_spike (eventax signature, no weight) adds its own `w_in[channel]` to g; its
    observe shows V and V + g.
    """

    size: int = eqx.field(static=True, default=1)
    method: str = eqx.field(static=True, default="rk4")
    w_in: jax.Array = eqx.field(default_factory=lambda: jnp.asarray(W_IN))

    state_names: ClassVar[tuple[str, ...]] = ("V", "g")
    observe_names: ClassVar[tuple[str, ...]] = ("V", "V_plus_g")

    def init_state(self, n_neurons=None):
        return jnp.zeros((self.size, 2), self.w_in.dtype)

    def dynamics(self, t, y, args):
        return jnp.stack([-y[:, 0] / TAU + y[:, 1], -y[:, 1] / TAU_S], axis=1)

    def spike_condition(self, t, y, args):
        return y[:, 0] - THETA

    def reset_spiked(self, y, spiked_mask):
        return y.at[:, 0].set(jnp.where(spiked_mask, 0.0, y[:, 0]))

    def input_spike(self, y, from_idx, to_idx, valid_mask):
        channel = from_idx - self.size  # inputs are numbered after the population
        return y.at[to_idx, 1].add(jnp.where(valid_mask, self.w_in[channel], 0.0))

    def observe(self, y):
        return jnp.stack([y[:, 0], y[:, 0] + y[:, 1]], axis=1)


def _propagate(v0, g0, s):
    """The exact solution of the linear system after s ms from (v0, g0)."""
    k = TAU * TAU_S / (TAU - TAU_S)
    return (
        v0 * np.exp(-s / TAU) + g0 * k * (np.exp(-s / TAU) - np.exp(-s / TAU_S)),
        g0 * np.exp(-s / TAU_S),
    )


def reference(t_grid):
    """Hand-written event-by-event solution: traces (V, g) on `t_grid` and spike times."""
    events = sorted((t, ch) for ch, times in enumerate(INPUTS) for t in times)
    t0, v, g = 0.0, 0.0, 0.0
    spikes, pieces = [], []  # (start, v, g) of each piece of the trajectory
    queue = list(events) + [(t_grid[-1] + 1.0, None)]
    for t_next, ch in queue:
        while True:  # output spikes before the next input
            grid = np.linspace(0.0, t_next - t0, 2001)
            vv = _propagate(v, g, grid)[0]
            above = np.flatnonzero(vv >= THETA)
            if len(above) == 0 or above[0] == 0:
                break
            s = brentq(
                lambda s, v=v, g=g: _propagate(v, g, s)[0] - THETA,
                grid[above[0] - 1],
                grid[above[0]],
            )
            pieces.append((t0, v, g))
            v, g = _propagate(v, g, s)
            t0, v = t0 + s, 0.0
            spikes.append(t0)
        pieces.append((t0, v, g))
        v, g = _propagate(v, g, t_next - t0)
        t0 = t_next
        if ch is not None:
            g += W_IN[ch]
    trace = np.empty((len(t_grid), 2))
    starts = np.array([p[0] for p in pieces])
    for i, t in enumerate(t_grid):
        j = np.searchsorted(starts, t, side="right") - 1  # right-continuous at jumps
        t0, v0, g0 = pieces[j]
        trace[i] = _propagate(v0, g0, t - t0)
    return trace, np.array(spikes)


def _run(model, engine, dt):
    gen = SpikeGenerator(size=2, spike_times=INPUTS)
    # all_to_all with weight 1: who is connected; the model owns the weights
    conn = snnlab.Connection(gen, weight=1.0, conn="all_to_all")
    kw = {"rtol": 1e-11, "atol": 1e-11} if engine == "event" else {}
    return snnlab.simulate(model, conn, duration=50.0, dt=dt, engine=engine, **kw)


def test_reference_fires():
    _, spikes = reference(np.linspace(0, 50, 11))
    assert len(spikes) >= 2  # the test needs spikes and their resets


def test_user_model_event_engine_matches_the_reference(x64):
    res = _run(SynapticCell(), "event", 0.05)
    trace, spikes = reference(res.t)
    assert res.state_names == ("V", "V_plus_g")
    np.testing.assert_allclose(res.spike_times, spikes, atol=1e-7)
    np.testing.assert_allclose(res["V"][:, 0], trace[:, 0], atol=1e-7)
    np.testing.assert_allclose(res["V_plus_g"][:, 0], trace[:, 0] + trace[:, 1], atol=1e-7)


def test_user_model_stepped_engine_matches_the_reference(x64):
    dt = 0.01
    res = _run(SynapticCell(), "stepped", dt)
    trace, spikes = reference(res.t)
    assert len(res.spike_times) == len(spikes)
    # a stepped spike is detected at the end of the step in which V crosses theta; each
    # reset is late by less than dt, and later spikes inherit the delays
    assert spikes[0] - 1e-9 <= res.spike_times[0] <= spikes[0] + dt + 1e-9
    assert np.all(np.abs(res.spike_times - spikes) <= 2 * dt * np.arange(1, len(spikes) + 1))
    before = res.t < spikes[0]
    np.testing.assert_allclose(res["V"][before, 0], trace[before, 0], atol=1e-8)
    vg = trace[before, 0] + trace[before, 1]
    np.testing.assert_allclose(res["V_plus_g"][before, 0], vg, atol=1e-8)


class PlainCell(eqx.Module):
    """The same equations as a plain module: no snnlab base class."""

    w_in: jax.Array
    size: int = eqx.field(static=True, default=1)
    state_names = ("V", "g")

    def init_state(self, n_neurons):
        return jnp.zeros((n_neurons, 2), self.w_in.dtype)

    def dynamics(self, t, y, args):
        return jnp.stack([-y[:, 0] / TAU + y[:, 1], -y[:, 1] / TAU_S], axis=1)

    def spike_condition(self, t, y, args):
        return y[:, 0] - THETA

    def reset_spiked(self, y, spiked_mask):
        return y.at[:, 0].set(jnp.where(spiked_mask, 0.0, y[:, 0]))

    def input_spike(self, y, from_idx, to_idx, valid_mask):
        return y.at[to_idx, 1].add(jnp.where(valid_mask, self.w_in[from_idx - self.size], 0.0))

    def observe(self, y):
        return jnp.stack([y[:, 0], y[:, 0] + y[:, 1]], axis=1)


@pytest.mark.parametrize("engine", ["stepped", "event"])
def test_a_plain_interface_module_is_accepted(x64, engine):
    dt = 0.05
    plain = _run(PlainCell(jnp.asarray(W_IN)), engine, dt)
    sub = _run(SynapticCell(), engine, dt)
    np.testing.assert_allclose(plain.spike_times, sub.spike_times, atol=1e-9)
    np.testing.assert_allclose(plain["obs1"], sub["V_plus_g"], atol=1e-9)


def test_a_module_missing_part_of_the_interface_is_refused_by_name():
    class NoReset(eqx.Module):
        size: int = 1

        def init_state(self, n):
            return jnp.zeros((n, 1))

        def dynamics(self, t, y, args):
            return -y

        def spike_condition(self, t, y, args):
            return y[:, 0] - 1.0

    with pytest.raises(ValueError, match="missing: input_spike, reset_spiked"):
        snnlab.simulate(NoReset(), duration=1.0)
    with pytest.raises(ValueError, match="size"):
        snnlab.simulate(object(), duration=1.0)


def test_closed_form_is_a_hook_not_a_class_name():
    class ShiftedLIF(LIF):
        """A user subclass: same dynamics, so it keeps the exact fast path."""

    class OtherLIF(LIF):
        """A subclass that changes the dynamics loses it (diffrax instead)."""

        def dynamics(self, t, y, args):
            return 2.0 * super().dynamics(t, y, args)

    class Leaky(SynapticCell):
        """A user model providing the hook: V relaxes to 0 with tau, driven by tau * g."""

        def closed_form(self, y, args):
            zero = jnp.zeros_like(y[:, 0])
            return LeakyClosedForm(0, zero, TAU * y[:, 1], TAU, TAU_S, THETA, (1,))

    drive = snnlab.generators.DCGenerator(amplitude=1000.0)
    assert snnlab.simulate(ShiftedLIF(), drive, duration=20.0, engine="event").method == (
        "closed_form"
    )
    assert snnlab.simulate(OtherLIF(), drive, duration=20.0, engine="event").method == "tsit5"
    fast = _run(Leaky(), "event", 0.05)
    slow = _run(SynapticCell(), "event", 0.05)
    assert fast.method == "closed_form"
    np.testing.assert_allclose(fast.spike_times, slow.spike_times, atol=1e-3)
