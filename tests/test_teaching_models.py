"""The teaching models (AdEx, EIF, QIF, FitzHugh-Nagumo, Morris-Lecar, reduced HH): the
model contract of tests/test_core_api.py, presets, and their hand-derived properties."""

import warnings

import numpy as np
import pytest

import snnlab
from snnlab.core import DivergenceWarning
from snnlab.generators import DCGenerator
from snnlab.neurons._adex import ADEX_PATTERNS, EIF, AdEx
from snnlab.neurons._fhn import FitzHughNagumo
from snnlab.neurons._morris_lecar import MORRIS_LECAR_PRESETS, MorrisLecar
from snnlab.neurons._qif import QIF
from snnlab.neurons._reduced_hh import ReducedHH

MODELS = (AdEx, EIF, QIF, FitzHughNagumo, MorrisLecar, ReducedHH)
DRIVE = {
    "AdEx": 500.0,
    "EIF": 500.0,
    "QIF": 500.0,
    "FitzHughNagumo": 0.5,
    "MorrisLecar": 100.0,
    "ReducedHH": 1000.0,
}


def dt_for(cls):
    return 0.025 if cls is ReducedHH else 0.1


@pytest.mark.parametrize("method", ["euler", "exp_euler", "rk4", "rkf45"])
@pytest.mark.parametrize("cls", MODELS, ids=lambda c: c.__name__)
def test_every_method_runs_and_fires(cls, method):
    res = snnlab.simulate(
        cls(),
        DCGenerator(amplitude=DRIVE[cls.__name__]),
        duration=200.0,
        dt=dt_for(cls),
        method=method,
    )
    assert not res.diverged
    assert res.rates()[0] > 0


def slider_ends():
    for cls in MODELS:
        for name, spec in cls.parameter_specs().items():
            for end in spec.slider:
                yield pytest.param(cls, name, end, id=f"{cls.__name__}-{name}-{end:g}")


@pytest.mark.parametrize("cls,name,end", list(slider_ends()))
def test_finite_at_both_ends_of_every_slider(cls, name, end):
    try:
        model = cls(**{name: end})
    except ValueError as err:  # refused by a documented constraint, with a message
        assert "must" in str(err)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("error", DivergenceWarning)
        res = snnlab.simulate(
            model, DCGenerator(amplitude=DRIVE[cls.__name__]), duration=60.0, dt=dt_for(cls)
        )
    assert not res.diverged


def test_metadata_and_state_names():
    for cls in MODELS:
        model = cls()
        assert len(model.state_names) == len(model.state_units) == model.init_state().shape[1]
        for name, spec in cls.parameter_specs().items():
            assert spec.doc and spec.name == name
            assert spec.slider[0] < spec.slider[1]
            assert not spec.violates(np.array(spec.slider)), (cls.__name__, name)
    assert FitzHughNagumo().state_units == ("", "")


def test_presets_build_and_fire():
    for name, preset in ADEX_PATTERNS.items():
        params = {k: v for k, v in preset.items() if k != "I_e"}
        res = snnlab.simulate(
            AdEx(**params), DCGenerator(amplitude=preset["I_e"]), duration=300.0, dt=0.1
        )
        assert res.rates()[0] > 0, name
    for name, preset in MORRIS_LECAR_PRESETS.items():
        res = snnlab.simulate(
            MorrisLecar(**preset), DCGenerator(amplitude=120.0), duration=300.0, dt=0.1
        )
        assert res.rates()[0] > 0, name


def test_adex_adaptation_resets_and_jumps():
    # "adapting": b = 60 pA per spike, so the inter-spike intervals lengthen.
    p = {k: v for k, v in ADEX_PATTERNS["adapting"].items() if k != "I_e"}
    res = snnlab.simulate(AdEx(**p), DCGenerator(amplitude=500.0), duration=400.0, dt=0.05)
    isi = np.diff(res.spike_times)
    assert len(isi) >= 3 and isi[-1] > 1.5 * isi[0]
    assert res["w"].max() >= 60.0


def test_reduced_hh_tracks_hh():
    # Rinzel's reduction keeps the HH rates: it fires repetitively where HH does (1000 pA),
    # at a comparable rate (the reduction is qualitative: within a factor of 2).
    from snnlab.neurons import HH

    drive = DCGenerator(amplitude=1000.0)
    r_hh = snnlab.simulate(HH(), drive, duration=300.0, dt=0.01, method="rk4").rates()[0]
    r_red = snnlab.simulate(ReducedHH(), drive, duration=300.0, dt=0.01, method="rk4").rates()[0]
    assert r_hh > 0 and 0.5 < r_red / r_hh < 2.0
