"""Parameterized classes for every generator; the apps' sliders from pn.Param / pn.panel."""

import numpy as np
import panel as pn
import pytest

import snnlab
import snnlab.app.jupyter as jw
import snnlab.generators as gens
import snnlab.params as sp


def test_every_generator_has_a_parameterized():
    names = {cls.__name__ for cls in gens.GENERATORS}
    assert names <= set(sp.generator_models())


@pytest.mark.parametrize("name", ["CustomGenerator", "InputTransmitter"])
def test_replay_generators_round_trip_and_run(name):
    cls = sp.registry()[name]
    obj = cls(size=2, data=np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]))
    model = obj.to_model()
    assert type(model).__name__ == name
    back = sp.for_model(model)
    np.testing.assert_array_equal(back.data, obj.data)
    again = cls()
    again.set_values(obj.values())
    np.testing.assert_array_equal(again.data, obj.data)
    lif = snnlab.neurons.LIF(size=2)
    res = snnlab.simulate(lif, [snnlab.Connection(model, 5.0)], duration=1.0)
    assert res["V"][1:].max() > -70.0  # the replayed spikes reached the neurons
    with pytest.raises(ValueError, match="finite"):
        cls().set_values({"data": [[np.nan]]})


def test_input_transmitter_start_and_broadcast():
    obj = sp.InputTransmitter(size=3, data=np.array([1.0, 2.0]), start=0.3)
    model = obj.to_model(dt=0.1)
    np.testing.assert_array_equal(np.asarray(model.data)[:, 0], [0.0, 0.0, 0.0, 1.0, 2.0])


def test_pn_param_gives_log_sliders_units_and_docs():
    obj = sp.DynapSim()
    for view in (pn.Param(obj), pn.panel(obj)):
        found = [w for w in view.select(jw.LogFloatSlider) if w.name == "Idc (A)"]
        assert len(found) == 1
        idc = found[0]
        assert idc.name == "Idc (A)" and "current" in idc.description
        assert (idc._slider.start, idc._slider.end) == (-15.0, -8.0)
    idc._slider.value = -10.0
    assert obj.Idc == pytest.approx(1e-10)
    obj.Idc = 1e-12
    assert idc._slider.value == pytest.approx(-12.0)
    lif = pn.Param(sp.LIF())._widgets
    assert isinstance(lif["tau"], jw.LogFloatSlider)
    assert isinstance(lif["V_th"], jw.DocFloatSlider) and lif["V_th"].name == "V_th (mV)"


def test_sliders_are_the_apps_rows():
    col = jw.sliders(sp.LIF())
    assert len(col) == len(sp.LIF.slider_names())  # `method` (precedence -1) stays hidden


def test_step_current_generator_parameterized():
    obj = sp.StepCurrentGenerator(times=[5.0, 10.0], amplitudes=[800.0, 0.0])
    model = obj.to_model()
    assert sp.for_model(model).values() == obj.values()
    res = snnlab.simulate(snnlab.neurons.LIF(), [model], duration=20.0)
    assert res["V"].max() > -70.0
