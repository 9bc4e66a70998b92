"""The plane of a larger model with its other states at steady state: a steady state that
Newton's method finds is the true one (HH's gates against their closed form); one that
does not exist is reported and left out, never drawn as if it were right."""

from typing import ClassVar

import equinox as eqx
import jax.numpy as jnp
import numpy as np
import pytest

from snnlab import analysis as an
from snnlab.analysis import _projection as pj
from snnlab.core import AbstractNeuronModel
from snnlab.neurons import HH


class NoSteadyZ(AbstractNeuronModel):
    """dV/dt = -V + w, dw/dt = -w, dz/dt = 1 + z**2 + V**2: z never rests (no real root),
    while the V-w plane alone would have a stable node at the origin."""

    size: int = eqx.field(static=True, default=1)
    method: str = eqx.field(static=True, default="rk4")

    state_names: ClassVar[tuple[str, ...]] = ("V", "w", "z")
    state_units: ClassVar[tuple[str, ...]] = ("mV", "", "")

    def init_state(self, n_neurons=None):
        return jnp.zeros((self.size if n_neurons is None else n_neurons, 3))

    def dynamics(self, t, y, args):
        v, w, z = y[:, 0], y[:, 1], y[:, 2]
        return jnp.stack([-v + w + args["I"], -w, 1.0 + z**2 + v**2], axis=1)

    def spike_condition(self, t, y, args):
        return y[:, 0] - 1e9

    def reset_spiked(self, y, spiked_mask):
        return y


def _hh_gates(v):
    """m_inf, h_inf of Hodgkin and Huxley (1952), rates in 1/ms, V in mV (rest -65 mV)."""
    am = 0.1 * (v + 40.0) / (1.0 - np.exp(-(v + 40.0) / 10.0))
    bm = 4.0 * np.exp(-(v + 65.0) / 18.0)
    ah = 0.07 * np.exp(-(v + 65.0) / 20.0)
    bh = 1.0 / (1.0 + np.exp(-(v + 35.0) / 10.0))
    return am / (am + bm), ah / (ah + bh)


def test_hh_gates_off_the_plane_sit_at_their_closed_form_steady_state():
    model = HH(size=1)
    proj = an.projection(model, "V", "n", others="steady")
    v = np.array([-80.0, -65.0, -52.5, -30.0, 0.0, 30.0])  # avoids V = -40 (0/0 in alpha_m)
    pts = np.stack([v, np.full_like(v, 0.3)], 1)
    assert pj.steady_found(model, proj, pts, 0.0).all()
    states = np.stack([np.asarray(pj.full_state(model, proj, jnp.asarray(p), 0.0)) for p in pts])
    m, h = _hh_gates(v)
    # float32 Newton: the gates (0..1) to a few ulps of their size; 1e-5 leaves 100 ulps
    np.testing.assert_allclose(states[:, 1], m, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(states[:, 2], h, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(states[:, [0, 3]], pts)


def test_a_steady_state_that_does_not_exist_is_flagged_and_left_out():
    model = NoSteadyZ()
    proj = an.projection(model, "V", "w", others="steady")
    pts = np.array([[0.0, 0.0], [0.5, -0.2], [-1.0, 0.3]])
    assert not pj.steady_found(model, proj, pts, 0.0).any()
    # no layer draws a wrong point: the field is NaN, and no fixed point is reported
    # (the V-w plane alone has one at the origin; the full model has none)
    f = pj.field_at(model, proj, pts, 0.0)
    assert np.isnan(f).all()
    fp = an.fixed_points(model, "V", "w", xlim=(-1, 1), ylim=(-1, 1), n_starts=4)
    assert len(fp) == 0
    # held fixed instead, the plane is well defined and its fixed point is found
    held = an.projection(model, "V", "w", others="fixed")
    assert pj.steady_found(model, held, pts, 0.0).all()
    fp = an.fixed_points(model, "V", "w", xlim=(-1, 1), ylim=(-1, 1), n_starts=4, others="fixed")
    assert len(fp) == 1 and np.allclose(fp.states[0, :2], 0.0, atol=1e-5)


def test_converged_judges_the_newton_step_not_the_raw_residual():
    # a root of a steep function has a large residual in absolute terms at float32
    # resolution; a stuck iterate of a flat one has a small residual but a large step
    steep = lambda z: 1e6 * (z - 2.0)  # noqa: E731
    assert bool(pj.converged(steep, jnp.array([2.0 + 1e-6])))
    flat = lambda z: 1e-6 * (1.0 + z**2)  # noqa: E731
    assert not bool(pj.converged(flat, jnp.array([0.0])))


@pytest.mark.parametrize("others", ["steady", "fixed"])
def test_steady_found_is_one_compiled_function_per_bucket(others):
    from test_analysis import _count_compiles

    model = HH(size=1)
    proj = an.projection(model, "V", "n", others=others)
    pts = np.stack([np.linspace(-80, 30, 40), np.full(40, 0.3)], 1)
    pj.steady_found(model, proj, pts, 0.0)
    with _count_compiles() as compiles:
        pj.steady_found(model, proj, pts[:30] + 1.0, 50.0)
    assert compiles == []
