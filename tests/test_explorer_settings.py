"""The Explorer's settings alone (no page): JSON and URL round trips, building a run."""

from urllib.parse import urlencode

import pytest

import snnlab
from snnlab.app._explorer_settings import ExplorerSettings


def test_settings_round_trip_through_json_and_the_link_without_a_page():
    s = ExplorerSettings(inputs=["PoissonGenerator"], weight=2.5, duration=120.0, seed=7)
    s.model = "ExpLIF"
    s.neuron_params["ExpLIF"].tau = 14.0
    s.generator_params["PoissonGenerator"].rate = 700.0
    data = s.state_dict()
    t = ExplorerSettings()
    t.load_state(s.state_json())
    assert t.state_dict() == data
    u = ExplorerSettings()
    u.load_query("?" + urlencode(s.query()))
    assert u.state_dict() == data
    assert not hasattr(s, "page") and not hasattr(s, "tabs")  # settings know no views


def test_settings_build_the_run_their_code_reproduces():
    s = ExplorerSettings(size=3, duration=40.0, inputs=["PoissonGenerator"], seed=2)
    s.generator_params["PoissonGenerator"].rate = 900.0
    model, connections = s.build()
    assert model.size == 3 and s.build(size=4)[0].size == 4 and s.size == 3
    res = snnlab.simulate(model, connections, **s.simulate_kwargs())
    ns = {}
    exec(s.code(), ns)
    assert (ns["res"].spike_times == res.spike_times).all()


def test_bad_state_is_refused_and_changes_nothing():
    s = ExplorerSettings()
    before = s.state_dict()
    with pytest.raises(ValueError, match="unknown"):
        s.load_state({"model": "NoSuchModel"})
    with pytest.raises(ValueError, match="whole number"):
        s.load_query("?size=2.5")
    assert s.state_dict() == before
