"""Every model and every input, at the Explorer's defaults, shows what it exists for.

A new user changes nothing and must see the phenomenon: a few spikes (not none, not a
solid bar of one spike per step), the threshold line where the model fires, units on
the inputs that match the model. The lists come from the registry (`snnlab.params`), so
a newly registered model or input is checked without a new test.
"""

import numpy as np
import pytest

import snnlab.params as sp
from snnlab.app import Explorer
from snnlab.app._explorer import engines_for, is_discrete

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

MODELS = list(sp.neuron_models())
INPUTS = list(sp.generator_models())


def _spikes_per_neuron(res) -> int:
    return int(np.sum(res.spike_ids == 0))


@pytest.mark.parametrize("model", MODELS)
def test_default_view_of_every_model_fires_a_few_spikes(model):
    ex = Explorer(model=model, sync_url=False)
    res = ex.result
    assert res is not None, ex.message
    steps = len(res.t)
    count = _spikes_per_neuron(res)
    # a rhythm you can count: at least 2 spikes, and far from one spike per step
    assert 2 <= count <= steps // 2, (model, count, steps)
    v = res[ex.view_state][:, 0]
    threshold = ex._threshold()
    if threshold is not None:
        lo, hi = float(np.nanmin(v)), float(np.nanmax(v))
        # discrete-time models record V after the reset, so their trace stops short of
        # the threshold by up to one step's rise
        pad = (0.25 if is_discrete(ex.neuron_params[model]) else 0.1) * (hi - lo)
        assert lo - pad <= threshold <= hi + pad, (model, threshold, lo, hi)
    assert ex.message == "", ex.message


@pytest.mark.parametrize("model", MODELS)
def test_every_input_drives_every_model(model):
    ex = Explorer(model=model, sync_url=False)
    for g in INPUTS:
        ex.inputs = [g]
        res = ex.result
        assert res is not None and ex.message in ("", ex.message), ex.message
        count = _spikes_per_neuron(res)
        assert 1 <= count <= len(res.t) // 2, (model, g, count)
        unit = "dimensionless" if is_discrete(ex.neuron_params[model]) else "pA"
        for name in ex.generator_params[g].slider_names():
            spec = ex.generator_params[g].spec_of(name)
            if spec.unit == "pA":
                assert ex.generator_params[g].param[name].label == f"{name} ({unit})"


def test_discrete_models_switch_to_the_stepped_engine_with_a_note():
    ex = Explorer(model="LIF", engine="event", sync_url=False)
    assert ex.engine == "event"
    ex.model = "SNNLIF"
    assert ex.engine == "stepped"
    assert ex.param.engine.objects == ["stepped"]
    assert "stepped" in ex.message
    assert ex.result is not None and ex.result.t[-1] > 0
    ex.model = "LIF"
    assert "event" in ex.param.engine.objects


def test_engines_for_follows_the_model_kind():
    for name, cls in sp.neuron_models().items():
        engines = engines_for(cls)
        assert "stepped" in engines
        assert ("event" in engines) != is_discrete(cls), name
