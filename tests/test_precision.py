"""Precision: float32 event runs reproduce float64 spike counts (or re-run themselves in
float64 and say so); simulate's precision argument; set_precision for applications."""

import warnings

import jax
import numpy as np
import pytest

import snnlab
from snnlab.core import PrecisionWarning, param_specs, precision, set_precision
from snnlab.generators import DCGenerator
from snnlab.neurons import CONTINUOUS_MODELS, LIF, Izhikevich


def _drive(cls):
    """A DC current that makes the model fire: half the top of its I_e slider."""
    spec = param_specs(cls).get("I_e")
    return DCGenerator(amplitude=0.5 * spec.slider[1] if spec else 100.0)


def _event_run(model, drive, duration, value):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no solver warning, no fallback warning
        return snnlab.simulate(
            model, drive, duration=duration, dt=0.1, engine="event", record=[], precision=value
        )


@pytest.mark.parametrize("cls", CONTINUOUS_MODELS, ids=lambda c: c.__name__)
def test_float32_event_spike_counts_equal_float64(cls):
    drive = _drive(cls)
    r32 = _event_run(cls(), drive, 1000.0, "float32")
    r64 = _event_run(cls(), drive, 1000.0, "float64")
    assert r32.precision == "float32" and r64.precision == "float64"
    assert r32.ok and r64.ok and not r32.precision_fallback
    assert len(r64.spike_times) >= 3  # the drive makes it fire
    assert len(r32.spike_times) == len(r64.spike_times)
    # and the spikes are the same spikes: float32 time resolution at 1 s is ~6e-5 ms
    np.testing.assert_allclose(r32.spike_times, r64.spike_times, atol=0.05)


def test_izhikevich_fast_spiking_keeps_every_spike_in_float32():
    # the example: float32 stopped near 299 ms with 36 of 42 spikes
    fs = Izhikevich(a=0.1, b=0.2, c=-65.0, d=2.0, I_e=10.0)
    r32 = _event_run(fs, None, 300.0, "float32")
    r64 = _event_run(fs, None, 300.0, "float64")
    assert len(r32.spike_times) == len(r64.spike_times) == 42


def test_a_float32_run_that_fails_is_rerun_in_float64_and_says_so():
    # tolerances float32 cannot meet: the float32 solve fails, float64 completes it
    kw = dict(duration=20.0, dt=0.1, engine="event", closed_form=False, rtol=1e-13, atol=1e-13)
    with pytest.warns(PrecisionWarning, match="re-run in float64"):
        res = snnlab.simulate(LIF(I_e=1000.0), precision="float32", **kw)
    assert res.precision_fallback and res.precision == "float64" and res.ok
    assert "re-run in float64" in res.messages[0]
    exact = snnlab.simulate(LIF(I_e=1000.0), precision="float64", **kw)
    np.testing.assert_allclose(res.spike_times, exact.spike_times)
    with pytest.warns(snnlab.core.SolverFailureWarning):
        res = snnlab.simulate(LIF(I_e=1000.0), precision="float32", auto_float64=False, **kw)
    assert res.solver_failed and not res.precision_fallback


def test_precision_argument_applies_to_one_run_only():
    assert precision() == "float32"  # the suite runs with JAX's default
    res = snnlab.simulate(LIF(I_e=500.0, tau=0.3 * 100), duration=10.0, precision="float64")
    assert res.precision == "float64" and res["V"].dtype == np.float64
    assert precision() == "float32" and not jax.config.jax_enable_x64
    res = snnlab.simulate(LIF(I_e=500.0), duration=10.0)
    assert res.precision == "float32"
    with pytest.raises(ValueError, match="precision"):
        snnlab.simulate(LIF(), duration=1.0, precision="float16")


def test_float32_parameters_are_widened_through_their_decimal():
    # V_th = -55.3 stored in float32 is -55.29999924; in a float64 run it is -55.3
    res = snnlab.simulate(
        LIF(V_th=-55.3, I_e=0.0, v_init=-55.3), duration=0.2, dt=0.1, precision="float64"
    )
    assert res["V"][0, 0] == -55.3


def test_set_precision_switches_the_process_and_returns_the_old_value():
    old = set_precision("float64")
    try:
        assert old == "float32" and precision() == "float64"
        assert snnlab.simulate(LIF(), duration=1.0).precision == "float64"
    finally:
        set_precision(old)
    assert precision() == "float32"
    with pytest.raises(ValueError, match="precision"):
        set_precision("double")
