"""simulate's contract: validation, divergence, dtypes, no recompilation, metadata."""

import subprocess
import sys
import warnings

import jax
import numpy as np
import pytest

import snnlab
from snnlab.core import DivergenceWarning, bucket_steps, trace_count
from snnlab.generators import DCGenerator, PoissonGenerator
from snnlab.neurons import CONTINUOUS_MODELS, HH, HHPSC, LIF, ExpLIF, Izhikevich, ReducedHH

DRIVE = {
    "LIF": 500.0,
    "ExpLIF": 500.0,
    "GLIF3": 400.0,
    "GLIF3PSC": 400.0,
    "HH": 1000.0,
    "HHPSC": 1000.0,
    "Izhikevich": 10.0,
    "AdEx": 500.0,
    "EIF": 500.0,
    "QIF": 500.0,
    "FitzHughNagumo": 0.5,
    "MorrisLecar": 100.0,
    "ReducedHH": 1000.0,
}


def dt_for(cls):
    return 0.01 if cls in (HH, HHPSC, ReducedHH) else 0.1


@pytest.mark.parametrize("cls", CONTINUOUS_MODELS, ids=lambda c: c.__name__)
def test_changing_any_parameter_does_not_recompile(cls):
    drive = DCGenerator(amplitude=DRIVE[cls.__name__])
    kwargs = dict(duration=20.0, dt=dt_for(cls))
    snnlab.simulate(cls(), drive, **kwargs)
    before = trace_count()
    for name, spec in cls.parameter_specs().items():
        lo, hi = spec.slider
        value = lo + 0.37 * (hi - lo)
        if spec.vector:
            value = np.full(np.shape(spec.default), value)
        try:
            model = cls(**{name: value})
        except ValueError:
            continue  # a value violating a constraint (e.g. V_reset >= V_th) is refused
        snnlab.simulate(model, drive, **kwargs)
    snnlab.simulate(cls(), DCGenerator(amplitude=3.0), **kwargs)  # a new input value
    assert trace_count() == before


def test_duration_within_a_bucket_does_not_recompile():
    snnlab.simulate(LIF(), duration=100.0)
    before = trace_count()
    snnlab.simulate(LIF(), duration=101.0)
    snnlab.simulate(LIF(), duration=102.0)
    assert trace_count() == before
    assert bucket_steps(1000) == 1024 and bucket_steps(1050) == 1152
    assert all(bucket_steps(n) >= n for n in range(1, 5000, 7))


def slider_models():
    for cls in CONTINUOUS_MODELS:
        for name, spec in cls.parameter_specs().items():
            for end in spec.slider:
                yield pytest.param(cls, name, end, id=f"{cls.__name__}-{name}-{end:g}")


@pytest.mark.parametrize("cls,name,end", list(slider_models()))
def test_every_model_is_finite_at_both_ends_of_every_slider(cls, name, end):
    spec = cls.parameter_specs()[name]
    value = np.full(np.shape(spec.default), end) if spec.vector else end
    try:
        model = cls(**{name: value})
    except ValueError as err:  # refused by a documented constraint, with a message
        assert "must" in str(err)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("error", DivergenceWarning)
        res = snnlab.simulate(
            model, DCGenerator(amplitude=DRIVE[cls.__name__]), duration=100.0, dt=dt_for(cls)
        )
    assert not res.diverged
    for arr in res.traces.values():
        assert np.all(np.isfinite(arr))


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(duration=-1.0), "duration"),
        (dict(duration=0.0), "duration"),
        (dict(duration=float("nan")), "duration"),
        (dict(duration=10.0, dt=0.0), "dt"),
        (dict(duration=10.0, dt=-0.1), "dt"),
        (dict(duration=10.0, dt=20.0), "dt"),
        (dict(duration=10.0, method="heun"), "method"),
        (dict(duration=10.0, engine="warp"), "engine"),
        (dict(duration=10.0, record=["W"]), "record"),
        (dict(duration=10.0, seed=1.5), "seed"),
        (dict(duration=10.0, max_spikes=0), "max_spikes"),
    ],
)
def test_bad_arguments_raise_value_error_naming_them(kwargs, match):
    with pytest.raises(ValueError, match=match):
        snnlab.simulate(LIF(), **kwargs)


def test_bad_parameters_raise_value_error_with_range():
    with pytest.raises(ValueError, match=r"tau=-1.0 is outside its physical range \(0, inf\] ms"):
        LIF(tau=-1.0)
    with pytest.raises(ValueError, match="R="):
        LIF(R=0.0)
    with pytest.raises(ValueError, match="V_reset must lie below V_th"):
        LIF(V_reset=-50.0)
    with pytest.raises(ValueError, match="shape"):
        LIF(size=3, tau=np.ones(4))
    with pytest.raises(ValueError, match="size"):
        LIF(size=0)
    with pytest.raises(ValueError, match="method"):
        LIF(method="leapfrog")
    with pytest.raises(ValueError, match="rate"):
        PoissonGenerator(rate=-5.0)
    with pytest.raises(ValueError, match="stop"):
        DCGenerator(start=10.0, stop=5.0)
    with pytest.raises(ValueError, match="tau_syn"):
        ExpLIF(tau_syn=float("nan"))


def test_divergence_is_reported_with_the_first_bad_time():
    # Izhikevich with forward Euler at a coarse step and a huge cut-off blows up.
    model = Izhikevich(V_th=1e30, c=-65.0, I_e=30.0)
    with pytest.warns(DivergenceWarning, match="first at t ="):
        res = snnlab.simulate(model, duration=50.0, dt=1.0)
    assert res.diverged
    assert res.first_bad_time is not None
    assert 0 < res.first_bad_time < 50.0


def test_float32_by_default_and_float64_under_x64(x64):
    res64 = snnlab.simulate(LIF(), DCGenerator(amplitude=500.0), duration=50.0)
    assert res64["V"].dtype == np.float64


def test_float32_default():
    assert not jax.config.jax_enable_x64
    res = snnlab.simulate(LIF(), DCGenerator(amplitude=500.0), duration=50.0)
    assert res["V"].dtype == np.float32


def test_result_api(tmp_path):
    res = snnlab.simulate(LIF(size=3, I_e=np.array([0.0, 500.0, 800.0])), duration=200.0)
    assert res.t[0] == 0.0 and res.t.shape == (2001,)
    assert res.spikes.shape == (2001, 3) and res["V"].shape == (2001, 3)
    rates = res.rates()
    assert rates[0] == 0 and 0 < rates[1] < rates[2]
    assert np.all(np.diff(res.spike_times) >= 0)
    df = res.to_dataframe()
    assert len(df) == 2001 * 3 and set(df.columns) >= {"t_ms", "neuron", "spike", "V"}
    res.to_npz(tmp_path / "r.npz")
    with np.load(tmp_path / "r.npz", allow_pickle=False) as data:
        np.testing.assert_array_equal(data["trace_V"], res["V"])
    with pytest.raises(KeyError, match="recorded"):
        res["I_syn"]
    assert res.units["V"] == "mV"


def test_core_and_models_import_no_ui_libraries():
    code = (
        "import sys, snnlab, snnlab.core, snnlab.neurons, snnlab.generators\n"
        "bad = [m for m in ('panel', 'holoviews', 'bokeh', 'param') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_every_slider_range_lies_inside_the_physical_bounds():
    from snnlab.core import param_specs
    from snnlab.dynapse import DynapSim
    from snnlab.generators import GENERATORS
    from snnlab.neurons import STEPWISE_MODELS

    for cls in (*CONTINUOUS_MODELS, *STEPWISE_MODELS.values(), *GENERATORS, DynapSim):
        for name, spec in param_specs(cls).items():
            lo, hi = spec.slider
            assert lo < hi, (cls.__name__, name)
            assert not spec.violates(np.array([lo, hi])), (cls.__name__, name, spec.slider)
            assert spec.doc, (cls.__name__, name)


def test_every_parameter_declares_its_metadata():
    for cls in CONTINUOUS_MODELS:
        specs = cls.parameter_specs()
        assert specs, cls
        for name, spec in specs.items():
            assert spec.doc and spec.name == name
            lo, hi = spec.slider
            assert lo < hi
            assert not spec.violates(np.array([lo, hi])), (cls.__name__, name)
        model = cls()
        assert len(model.state_names) == len(model.state_units) == model.init_state().shape[1]
