"""snnlab.analysis against hand-derived fixed points, nullclines and f-I curves (issue 7)."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from snnlab.analysis import (
    bifurcation,
    classify,
    fi_curve,
    fixed_points,
    lif_fi_curve,
    nullclines,
    reset_map,
    trajectory,
    vector_field,
)
from snnlab.neurons import HH, LIF, Izhikevich
from snnlab.neurons._adex import AdEx
from snnlab.neurons._fhn import FitzHughNagumo
from snnlab.neurons._morris_lecar import MORRIS_LECAR_PRESETS, MorrisLecar
from snnlab.neurons._qif import QIF

FHN_BOX = dict(xlim=(-2.5, 2.5), ylim=(-1.0, 2.0))


def fhn_jacobian_class(v, b, tau):
    """Class of the FHN fixed point at V = v from trace and determinant of
    J = [[1 - v^2, -1], [1/tau, -b/tau]] (by hand, no eigen-solver)."""
    tr = 1 - v**2 - b / tau
    det = -(1 - v**2) * b / tau + 1 / tau
    if det < 0:
        return "saddle"
    side = "stable" if tr < 0 else "unstable"
    return f"{side} {'focus' if tr**2 < 4 * det else 'node'}"


@pytest.mark.parametrize("a,b,current", [(0.7, 0.8, 0.0), (0.7, 0.8, 0.5), (0.0, 2.0, 0.0)])
def test_fhn_fixed_points_and_classes_by_hand(a, b, current):
    tau = 12.5
    # V - V^3/3 - (V + a)/b + I = 0  <=>  V^3/3 + (1/b - 1) V + a/b - I = 0
    roots = np.roots([1 / 3, 0.0, 1 / b - 1, a / b - current])
    v = np.sort(roots[np.abs(roots.imag) < 1e-9].real)
    fp = fixed_points(FitzHughNagumo(a=a, b=b), current=current, **FHN_BOX)
    # float32 Newton: the residual is at roundoff (~1e-7); the roots are simple, so the error
    # in V is ~1e-6 (|f'| >= 0.06 at these roots); 1e-4 leaves a wide margin.
    np.testing.assert_allclose(fp.states[:, 0], v, atol=1e-4)
    np.testing.assert_allclose(fp.states[:, 1], (v + a) / b, atol=1e-4)
    assert fp.kinds == [fhn_jacobian_class(x, b, tau) for x in v]
    assert len(v) == (3 if b == 2.0 else 1)
    # eigenvalues of J = [[1 - v^2, -1], [1/tau, -b/tau]] from trace and determinant; an
    # error of 1e-5 in V moves 1 - v^2 by < 1e-4 (|v| < 2.5), float32 jacfwd adds ~1e-7
    tr, det = 1 - v**2 - b / tau, (1 - (1 - v**2) * b) / tau
    disc = np.sqrt((tr / 2 + 0j) ** 2 - det)
    by_hand = np.sort_complex(np.stack([tr / 2 - disc, tr / 2 + disc], 1))
    found = np.sort_complex(fp.eigenvalues)
    np.testing.assert_allclose(found, by_hand, atol=2e-4)


@pytest.mark.parametrize("current", [0.0, 3.0])
def test_izhikevich_fixed_points_and_eigenvalues_by_hand(current):
    # v' = 0.04 v^2 + 5 v + 140 - u + I, u' = a (b v - u): on u = b v the fixed points solve
    # 0.04 v^2 + (5 - b) v + 140 + I = 0; J = [[0.08 v + 5, -1], [a b, -a]]
    model = Izhikevich()
    a, b = 0.02, 0.2
    v = np.sort(np.roots([0.04, 5.0 - b, 140.0 + current]).real)
    fp = fixed_points(model, current=current, xlim=(-90.0, 0.0), ylim=(-20.0, 5.0))
    # float32 Newton on a residual of size ~100 (140 + ...): roundoff ~1e-5, and
    # |f'(v)| = |0.08 v + 4.8| >= 0.8 at these roots, so |dV| ~ 1e-4 mV; 1e-3 is safe
    np.testing.assert_allclose(fp.states[:, 0], v, atol=1e-3)
    np.testing.assert_allclose(fp.states[:, 1], b * v, atol=1e-3)
    for k, vk in enumerate(v):
        by_hand = np.linalg.eigvals(np.array([[0.08 * vk + 5.0, -1.0], [a * b, -a]]))
        # dJ11 = 0.08 dV ~ 1e-5 against eigenvalues of size >= 0.02
        np.testing.assert_allclose(
            np.sort_complex(fp.eigenvalues[k]), np.sort_complex(by_hand), atol=1e-4
        )
    # the resting state is a stable node (tr^2 > 4 det at v ~ -70), the other a saddle
    assert fp.kinds == ["stable node", "saddle"]


def _count_compiles():
    """A context that counts XLA backend compilations (every jitted or op-by-op program)."""
    import contextlib

    import jax.monitoring as monitoring

    @contextlib.contextmanager
    def counting():
        seen = []

        def listener(name, *_, **__):
            if name.endswith("backend_compile_duration"):
                seen.append(name)

        monitoring.register_event_duration_secs_listener(listener)
        try:
            yield seen
        finally:
            monitoring.unregister_event_duration_listener(listener)

    return counting()


def test_a_parameter_change_never_recompiles_the_phase_plane():
    def plane(model, current, box, n=40):
        vector_field(model, n=20, current=current, **box)
        nullclines(model, n=n, current=current, **box)
        fixed_points(model, current=current, n_starts=8, **box)

    plane(FitzHughNagumo(), 0.0, FHN_BOX)  # compile
    rm_box = dict(xlim=(-80.0, 10.0), ylim=(-50.0, 150.0))
    reset_map(AdEx(), n=60, **rm_box)
    trajectory(FitzHughNagumo(), np.zeros((4, 2)), duration=50.0, current=0.0)
    with _count_compiles() as compiles:
        for k, (a, b, current) in enumerate([(0.5, 0.8, 0.3), (0.9, 1.5, -0.4), (0.0, 2.0, 1.0)]):
            box = dict(xlim=(-2.0 - k, 2.0 + k), ylim=(-1.5, 1.5 + k))  # a new window too
            plane(FitzHughNagumo(a=a, b=b, tau=10.0 + k), current, box, n=35 + k)
            trajectory(FitzHughNagumo(a=a), np.ones((4, 2)) * k, duration=50.0, current=current)
        reset_map(AdEx(b=20.0, V_r=-60.0), n=60, current=100.0, **rm_box)
    # a grid of 35..40 points per axis stays inside one padded batch (2048 points); the
    # number of nullcline points and of fixed points changes, and is padded too
    assert compiles == []


def test_classify_covers_every_class():
    assert classify([-1.0, -2.0]) == "stable node"
    assert classify([-1 + 2j, -1 - 2j]) == "stable focus"
    assert classify([1.0, 2.0]) == "unstable node"
    assert classify([1 + 1j, 1 - 1j]) == "unstable focus"
    assert classify([-1.0, 1.0]) == "saddle"
    assert classify([2j, -2j]) == "center"


def test_morris_lecar_class_II_hopf_at_the_published_current():
    # Rinzel & Ermentrout's class II set loses stability in a Hopf bifurcation at
    # I ~ 93.86 pA (uA/cm^2; Tsumoto et al. 2006). The focus' real part changes by ~2.5e-3/ms
    # per pA there, so 0.2 pA either side is far above float32 roundoff of the eigenvalues.
    model = MorrisLecar()
    box = dict(xlim=(-80.0, 40.0), ylim=(0.0, 1.0))
    below = fixed_points(model, current=93.86 - 0.2, **box)
    above = fixed_points(model, current=93.86 + 0.2, **box)
    assert below.kinds == ["stable focus"] and above.kinds == ["unstable focus"]
    scan = bifurcation(model, "I", np.linspace(93.0, 94.6, 9), simulate=False, **box)
    stable = scan.fixed_points.groupby("value")["stable"].all()
    change = stable.index[np.argmax(~stable.to_numpy())]
    assert 93.86 <= change <= 93.86 + 0.2


def test_adex_saddle_node_at_the_rheobase_formula():
    model = AdEx()  # a/g_L = 0.2 < tau_m/tau_w = 0.67: the saddle-node case (Touboul 2008)
    i_rh = float(model.rheobase())
    v_star = -50.0 + 2.0 * np.log(1.0 + 2.0 / 10.0)  # V_T + Delta_T ln(1 + a/g_L)
    box = dict(xlim=(-80.0, -30.0), ylim=(-100.0, 200.0))
    near = fixed_points(model, current=i_rh - 0.05, **box)
    assert near.kinds == ["stable focus", "saddle"] or near.kinds == ["stable node", "saddle"]
    # Both approach V* as sqrt(I_rh - I): at 0.05 pA below, |V - V*| ~ 0.2 mV.
    np.testing.assert_allclose(near.states[:, 0], v_star, atol=0.5)
    assert len(fixed_points(model, current=i_rh + 0.05, **box)) == 0


def test_qif_fixed_points_are_plus_minus_sqrt():
    model = QIF()
    for current in (0.0, 50.0, -100.0):
        lo, hi = (float(v) for v in model.fixed_point_formula(current))
        mid, half = -57.5, 7.5
        root = np.sqrt(half**2 - 0.04 * current / 0.07)
        fp = fixed_points(model, xlim=(-100.0, -20.0), current=current)
        # float32 roots of a quadratic with a double-root-free gap of >= 5 mV: ~1e-5 mV.
        np.testing.assert_allclose(fp.states[:, 0], [mid - root, mid + root], atol=1e-3)
        np.testing.assert_allclose([lo, hi], [mid - root, mid + root], atol=1e-4)
        assert fp.kinds == ["stable node", "unstable node"]
    above = float(0.07 * half**2 / 0.04) + 1.0  # just above the rheobase
    assert len(fixed_points(model, xlim=(-100.0, -20.0), current=above)) == 0


def test_lif_fi_equals_the_closed_form():
    model = LIF()
    currents = np.linspace(0.0, 1500.0, 64)
    dt = 0.1
    fi = fi_curve(model, currents, duration=500.0, dt=dt)
    closed = lif_fi_curve(model, currents)
    fires = closed > 0
    assert np.array_equal(fi.rate > 0, fires)
    # exp_euler is exact for LIF, so the only error is the grid: every period is the exact one
    # rounded up to the next step (the reset restarts on the grid), so 0 <= error < dt.
    err = 1000.0 / fi.rate[fires] - 1000.0 / closed[fires]
    assert np.all(err >= -1e-3) and np.all(err < dt + 1e-3)


def test_lif_fi_and_bifurcation_scan_in_float64(x64):
    # the lessons and the served apps compute in float64: the sweeps must run there too
    model = LIF()
    currents = np.linspace(0.0, 1500.0, 16)
    fi = fi_curve(model, currents, duration=500.0, dt=0.1)
    closed = lif_fi_curve(model, currents)
    fires = closed > 0
    assert fi.rate.dtype == np.float64 and np.array_equal(fi.rate > 0, fires)
    err = 1000.0 / fi.rate[fires] - 1000.0 / closed[fires]
    assert np.all(err >= -1e-9) and np.all(err < 0.1 + 1e-9)  # the grid's rounding, as above
    scan = bifurcation(FitzHughNagumo(), "I", np.linspace(0.0, 1.6, 5), dt=0.1, **FHN_BOX)
    # FHN rests at I = 0 and fires on its limit cycle at I = 0.8 (between its Hopf points)
    assert np.all(np.isfinite(scan.rate)) and scan.rate[0] == 0 and scan.rate[2] > 0


def test_fhn_nullclines_point_by_point_without_spurious_joins():
    current = 0.2
    # The window cuts the cubic into three pieces (its local extrema 2/3 + I and -2/3 + I lie
    # outside w in [-0.3, 0.7]): they must come back as three separate polylines.
    nc = nullclines(FitzHughNagumo(), current=current, xlim=(-2.5, 2.5), ylim=(-0.3, 0.7), n=120)
    assert len(nc.x) == 3
    h = 5.0 / 119  # grid spacing
    for line in nc.x:
        v, w = line[:, 0], line[:, 1]
        # Bisection to float32 resolution along each edge: residual ~ ulp(2) * slope (< 3).
        np.testing.assert_allclose(w, v - v**3 / 3 + current, atol=2e-5)
        # No segment longer than a cell's diagonal: a join across branches would be longer.
        assert np.all(np.hypot(*np.diff(line, axis=0).T) <= np.sqrt(2) * h + 1e-6)
    # w-nullcline: the line w = (V + 0.7) / 0.8, one branch.
    assert len(nc.y) == 1
    v, w = nc.y[0][:, 0], nc.y[0][:, 1]
    np.testing.assert_allclose(w, (v + 0.7) / 0.8, atol=2e-5)


def test_vertical_and_horizontal_nullclines_are_drawn():
    # b = 0: the w-nullcline is the vertical line V = -a; with the axes swapped it is horizontal.
    model = FitzHughNagumo(a=0.3, b=0.0)
    nc = nullclines(model, xlim=(-2.0, 2.0), ylim=(-1.0, 1.0), n=81)
    assert len(nc.y) == 1
    np.testing.assert_allclose(nc.y[0][:, 0], -0.3, atol=1e-5)
    assert np.ptp(nc.y[0][:, 1]) > 1.9  # spans the window
    swapped = nullclines(model, "w", "V", xlim=(-1.0, 1.0), ylim=(-2.0, 2.0), n=81)
    horizontal = swapped.y if swapped.projection.y == "w" else swapped.x
    line = [ln for ln in swapped.x + swapped.y if np.ptp(ln[:, 1]) < 1e-4]
    assert len(line) == 1 and horizontal is not None
    np.testing.assert_allclose(line[0][:, 1], -0.3, atol=1e-5)
    assert np.ptp(line[0][:, 0]) > 1.9


def test_vector_field_trajectory_and_reset_map():
    model = AdEx(b=60.0)
    vf = vector_field(model, xlim=(-80.0, -40.0), ylim=(-50.0, 150.0), n=5)
    assert vf.dx.shape == (5, 5)
    v, w = vf.x[0], vf.y[0]  # compare one grid point with the equations
    np.testing.assert_allclose(vf.dy[0, 0], (2.0 * (v + 70.0) - w) / 30.0, rtol=1e-5)
    tr = trajectory(model, (-70.0, 0.0), duration=100.0, dt=0.05, current=500.0)
    assert tr.states.shape == (2001, 1, 2) and tr["V"][0, 0] == -70.0
    assert len(tr.spike_times[0]) >= 2
    rm = reset_map(model, xlim=(-80.0, 10.0), ylim=(-50.0, 150.0))
    np.testing.assert_allclose(np.concatenate(rm.threshold)[:, 0], 0.0, atol=1e-3)
    np.testing.assert_allclose(rm.jumps[:, 1, 0], -58.0)  # jump to V_r
    np.testing.assert_allclose(rm.jumps[:, 1, 1] - rm.jumps[:, 0, 1], 60.0, atol=1e-3)  # w + b
    assert reset_map(FitzHughNagumo(), **FHN_BOX) is None


def test_hh_fi_jumps_class_II_and_morris_lecar_class_I_is_continuous():
    hh = fi_curve(HH(), np.linspace(0.0, 1500.0, 31), duration=300.0, dt=0.025, method="rk4")
    first = np.argmax(hh.rate > 0)
    assert first > 0 and hh.rate[first - 1] == 0
    assert hh.rate[first] > 40.0  # onset at a finite rate (~55 Hz): class II
    ml = fi_curve(
        MorrisLecar(**MORRIS_LECAR_PRESETS["class_I"]),
        np.linspace(35.0, 60.0, 26),
        duration=2000.0,
        dt=0.1,
        method="rk4",
    )
    first = np.argmax(ml.rate > 0)
    assert first > 0 and ml.rate[first] < 3.0  # starts near 0 Hz (SNIC at ~39.96 pA)
    assert np.all(np.diff(ml.rate[first:]) > 0)
    assert ml.rate[-1] > 5 * ml.rate[first]


_SHARD_SCRIPT = """
import json, numpy as np, jax
from snnlab.analysis import fi_curve
from snnlab.neurons._morris_lecar import MorrisLecar
assert len(jax.devices()) == {n}
fi = fi_curve(MorrisLecar(), np.linspace(0.0, 200.0, 30), duration=200.0, dt=0.1)
print(json.dumps(dict(rate=fi.rate.tolist(), vmax=fi.V_max.tolist(), vmin=fi.V_min.tolist())))
"""


def _run_with_devices(n):
    env = dict(os.environ, XLA_FLAGS=f"--xla_force_host_platform_device_count={n}")
    env["JAX_PLATFORMS"] = "cpu"
    out = subprocess.run(
        [sys.executable, "-c", _SHARD_SCRIPT.format(n=n)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_sweep_on_four_devices_equals_one_device():
    one, four = _run_with_devices(1), _run_with_devices(4)
    # 30 currents do not divide into 4 devices: the padding path is exercised too. Each element
    # runs the same program on either layout; only XLA's fusion may differ, so rates (from
    # spike steps) agree exactly and voltages to float32 roundoff. bifurcation() shards its
    # runs through the same helper.
    assert one["rate"] == four["rate"]
    np.testing.assert_allclose(one["vmax"], four["vmax"], rtol=1e-5)
    np.testing.assert_allclose(one["vmin"], four["vmin"], rtol=1e-5)


def test_analysis_imports_no_ui_libraries():
    code = (
        "import sys, snnlab.analysis\n"
        "bad = [m for m in ('panel', 'holoviews', 'bokeh', 'param') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_bad_arguments_raise_value_error():
    with pytest.raises(ValueError, match="x="):
        fixed_points(FitzHughNagumo(), "u")
    with pytest.raises(ValueError, match="param="):
        bifurcation(FitzHughNagumo(), "zeta", [1.0])
    with pytest.raises(ValueError, match="method="):
        fi_curve(LIF(), [100.0], method="heun")
    with pytest.raises(ValueError, match="two state"):
        nullclines(LIF())
