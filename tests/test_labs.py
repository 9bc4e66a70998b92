"""The labs (issue 8): their numerics, their components without a browser, their errors.

Browser tests of the served labs are in tests/test_labs_browser.py.
"""

import math

import numpy as np
import pytest

import snnlab
from snnlab.app import _lab_event_clock as ec
from snnlab.neurons import LIF

# ---- event vs clock ----------------------------------------------------------------------

SMALL = dict(duration=20.0, curve_methods=["euler"])  # few compilations: a quick lab


@pytest.mark.skipif(not ec.event_available(), reason="the event engine is not registered")
def test_error_vs_dt_falls_with_the_integrators_order(x64):
    # LIF driven by 500 pA: first spike at tau ln(20 / 5) = 13.86 ms. In float64 the event
    # engine's closed form is exact to ~1e-13 ms, so the fitted slopes are the integrators':
    # euler's global error is first order; rk4's is fourth order, and the Hermite location
    # of the crossing inside the step is fourth order too. Bands: +-0.15 for euler (the
    # fit over 5 halvings of dt), >= 3.5 for rk4 (measured 4.0), above a 1e-11 ms floor.
    model = LIF()
    inputs = ec.lab_inputs(500.0, 0.0, 0.0, 20.0)
    curve = ec.error_vs_dt(
        model, inputs, duration=20.0, current=500.0, methods=("euler", "rk4"), dts=ec.DTS
    )
    exact = 10.0 * math.log(20.0 / 5.0) + 0.0
    for c in curve.values():
        assert np.all(np.isfinite(c["first"]))
    euler, rk4 = curve["euler"], curve["rk4"]
    assert np.all(np.diff(euler["first"]) < 0)  # falls as dt shrinks
    assert 0.85 < ec.convergence_order(euler["dt"], euler["first"]) < 1.15
    assert ec.convergence_order(rk4["dt"], rk4["first"], floor=1e-11) > 3.5
    assert rk4["first"][-1] < euler["first"][-1] * 1e-3
    # the reference itself: the event engine's first spike is the closed form
    res = snnlab.simulate(model, inputs, duration=20.0, dt=0.1, engine="event")
    assert abs(res.spike_times[0] - exact) < 1e-9
    # on the grid the error is bounded by about dt whatever the integrator
    assert np.all(rk4["grid"] <= rk4["dt"] + 1e-9)


def test_hermite_root_of_a_cubic_is_exact():
    # c(s) = s - 0.3 over a step of length 2: c0 = -0.3, c1 = 0.7, slopes 1/2 per unit time
    s = ec._hermite_root(-0.3, 0.5, 0.7, 0.5, 2.0)
    assert abs(s - 0.3) < 1e-12


def test_event_clock_lab_runs_and_reacts():
    lab = ec.EventClockLab(**SMALL)
    if not ec.event_available():
        assert "not available" in lab.message
        return
    assert lab.message == "", lab.message
    first = lab.exact.spike_times.copy()
    assert "first at" in lab.readout.object
    lab.current = 800.0
    assert lab.exact.spike_times[0] < first[0]
    assert set(lab.curve) == {"euler"}
    lab.panel = lab.__panel__()  # builds without a server


def test_event_clock_lab_without_event_engine_says_so(monkeypatch):
    monkeypatch.setattr(ec, "event_available", lambda: False)
    lab = ec.EventClockLab(**SMALL)
    assert "not available" in lab.message
    assert lab.alert.visible


def test_event_clock_lab_shows_model_errors_in_the_page():
    lab = ec.EventClockLab(**SMALL)
    lab.neuron_params["LIF"].V_reset = -50.0  # above V_th = -55 mV
    assert "V_reset" in lab.message and lab.alert.visible


# ---- sensitivities -----------------------------------------------------------------------

from snnlab.app import _lab_sensitivity as sl  # noqa: E402


def _lif_rate_and_slope(current, tau=10.0, R=0.04, delta=15.0, t_ref=2.0):
    """The closed-form LIF f-I curve f = 1000 / (t_ref + tau ln(RI / (RI - delta))) (Hz)
    and its derivative by hand (Hz/pA); delta = V_th - V_reset = V_th - V_rest (mV)."""
    a = R * current
    period = t_ref + tau * math.log(a / (a - delta))
    d_period = tau * (R / a - R / (a - delta))
    return 1000.0 / period, -1000.0 / period**2 * d_period


@pytest.mark.parametrize("current", [400.0, 500.0, 1200.0])
def test_lif_rate_sensitivity_to_I_is_the_fi_curve_slope(x64, current):
    rate, slope = _lif_rate_and_slope(current)
    model = LIF()
    methods = sl.gradient_methods(model)
    if "exact" in methods:
        # float64 root finding to ~1e-12 ms and the exact implicit-function gradient:
        # agreement to rounding, so a 1e-7 relative band
        value, grads = sl.sensitivities(model, ["tau"], current=current, method="exact")
        assert value == pytest.approx(rate, rel=1e-7)
        assert grads["I"] == pytest.approx(slope, rel=1e-7)
    # stepped: rk4 samples 0.05 ms apart and a linear crossing between them; the period's
    # error is O(dt^2) and its gradient's O(dt / T) ~ 0.05 / 14 ~ 0.4 %: a 1 % band.
    value, grads = sl.sensitivities(model, ["tau"], current=current, method="stepped", dt=0.05)
    assert value == pytest.approx(rate, rel=1e-2)
    assert grads["I"] == pytest.approx(slope, rel=1e-2)


@pytest.mark.parametrize(
    ("name", "current", "params"),
    [("Izhikevich", 10.0, ["a", "d"]), ("HH", 800.0, ["g_Na", "g_K"]), ("ExpLIF", 500.0, ["tau"])],
)
def test_stepped_sensitivities_match_central_differences(x64, name, current, params):
    # The stepped crossing time is a smooth function of the parameters between the
    # (rare) values where the crossing moves to another grid step, so in float64 a
    # central difference with a relative step of 1e-6 agrees with the forward-mode
    # derivative to O(h^2) + rounding / h ~ 1e-9: a 1e-5 relative band (an independent
    # check of the while-loop search and its jacfwd, not of its discretisation error).
    import snnlab.params as sp

    obj = sp.registry()[name]()
    model = obj.to_model()
    out = sl.all_sensitivities(model, params, current=current, methods=("stepped",))
    for quantity in ("rate", "first spike"):
        _, grads = out["stepped"][quantity]
        for p in [*params, "I"]:
            base = current if p == "I" else float(getattr(obj, p))
            h = 1e-6 * abs(base)

            def at(x, p=p, quantity=quantity):
                if p == "I":
                    return sl.sensitivities(model, [], current=x, quantity=quantity)[0]
                moved = sp.registry()[name](**{p: x}).to_model()
                return sl.sensitivities(moved, [], current=current, quantity=quantity)[0]

            fd = (at(base + h) - at(base - h)) / (2 * h)
            assert grads[p] == pytest.approx(fd, rel=1e-5, abs=1e-9), (quantity, p)


def test_the_exact_method_follows_the_models_closed_form_hook_not_its_name():
    import jax.numpy as jnp

    class Leaky(LIF):  # another name, the same dynamics: LIF's closed form holds
        pass

    class Sagging(LIF):  # other dynamics: the closed form is gone, whatever the name
        def dynamics(self, t, y, args):
            return super().dynamics(t, y, args) - 0.01 * (y - self.V_rest)

    assert sl.gradient_methods(Leaky()) == ("exact", "stepped")
    assert sl.gradient_methods(Sagging()) == ("stepped",)
    exact = sl.sensitivities(Leaky(), ["tau"], current=500.0, method="exact")
    assert exact == sl.sensitivities(LIF(), ["tau"], current=500.0, method="exact")
    with pytest.raises(ValueError, match="does not apply"):
        sl.sensitivities(Sagging(), [], current=500.0, method="exact")
    assert jnp.isfinite(sl.sensitivities(Sagging(), [], current=500.0)[0])


def test_surrogate_sensitivity_of_a_discrete_model():
    from snnlab.neurons import SNNLIF

    value, grads = sl.sensitivities(SNNLIF(), ["tau"], current=1.5, method="surrogate")
    assert value > 0 and np.isfinite(grads["I"]) and grads["I"] > 0
    with pytest.raises(ValueError, match="does not apply"):
        sl.sensitivities(SNNLIF(), [], current=1.5, method="exact")


def test_closed_form_ttfs_matches_eventprop_when_installed():
    import jax

    w = 1.5 + 0.3 * jax.random.normal(jax.random.PRNGKey(1), (6, 3))
    times = np.linspace(0.5e-3, 10e-3, 6)
    mine = np.asarray(sl.ttfs_first_spike_times(w, times, t_max=0.05))
    assert np.all(mine < 0.05)
    if not sl.eventprop_available():
        pytest.skip("snnlab.eventprop is not installed")
    from snnlab import eventprop

    ref = eventprop.first_spike_times(w, times, np.arange(6), eventprop.LIFParameters(), 0.05)
    np.testing.assert_allclose(mine, np.asarray(ref), rtol=1e-4)


def test_eventprop_demo_loss_falls_and_spike_times_move():
    demo = sl.EventPropDemo()
    loss0, t0 = demo.history[-1][1], demo.history[-1][2]
    for _ in range(4):
        demo.train(25)
    loss1, t1 = demo.history[-1][1], demo.history[-1][2]
    assert loss1 < 0.5 * loss0
    assert np.max(np.abs(t1 - t0)) > 0.5  # ms


def test_sensitivity_lab_runs_reacts_and_shows_errors():
    lab = sl.SensitivityLab()
    assert lab.message == "", lab.message
    method = "exact" if "exact" in lab.grads else "stepped"
    g0 = lab.grads[method]["I"]
    lab.current = 1000.0
    assert lab.grads[method]["I"] != g0
    assert lab.labels["tau"].object.endswith("Hz/ms")  # the sensitivity beside the slider
    lab.quantity = "first spike"
    assert lab.value == pytest.approx(10.0 * math.log(40 / 25), rel=1e-2)
    lab.neuron_params["LIF"].V_reset = -50.0
    assert "V_reset" in lab.message and lab.alert.visible
    lab.__panel__()


def test_sensitivity_move_sends_new_columns_to_the_same_bokeh_objects():
    import panel as pn
    from bokeh.document import Document

    lab = sl.SensitivityLab()
    doc = Document()
    doc.add_root(pn.panel(lab).get_root(doc))
    view = lab.bars_view
    fig, source, updates = view.figure, view.sources["bars"], view.updates
    lab.current = 800.0
    assert lab.message == "", lab.message
    # the same figure and source, in the page, with new columns
    assert view.figure is fig and view.sources["bars"] is source
    assert doc.get_model_by_id(fig.id) is fig and doc.get_model_by_id(source.id) is source
    assert view.updates == updates + 1
    # the bars are the gradients of a direct call, times a tenth of each slider's range;
    # one compiled function for all methods against one per method: float32 rounding
    model = lab.neuron_params["LIF"].to_model()
    bars = dict(zip(source.data["x"], source.data["d"], strict=True))
    methods = sl.gradient_methods(model)
    assert {m for _, m in bars} == set(methods)
    for method in methods:
        _, grads = sl.sensitivities(model, lab._names(), current=800.0, method=method)
        for name, g in grads.items():
            label = f"{name} ({lab._unit(name)})"
            expected = g * 0.1 * lab._span(name)
            assert bars[(label, method)] == pytest.approx(expected, rel=1e-4, abs=1e-6)
    assert list(fig.x_range.factors) == list(source.data["x"])
    assert fig.yaxis[0].axis_label == "change of rate per 10% of slider range (Hz)"


def test_sensitivity_parameter_moves_do_not_recompile():
    import jax

    from snnlab.app import _scheduler

    _scheduler.compile_count()  # start counting
    jax.clear_caches()  # so the premise below holds whatever ran before in this process
    before = _scheduler.compile_count()
    lab = sl.SensitivityLab()
    assert lab.message == "" and _scheduler.compile_count() > before  # the first run compiles
    compiled = _scheduler.compile_count()
    lab.current = 900.0
    lab.neuron_params["LIF"].tau = 15.0
    lab.neuron_params["LIF"].V_th = -52.0
    lab.dt = 0.02  # the grid's length is data of the compiled search, not a shape
    lab.quantity = "first spike"
    lab.scale = "per unit"
    assert lab.message == "", lab.message
    assert lab.runs == 7
    assert _scheduler.compile_count() == compiled
