"""DynapSim's rockpool module interface: attribute families, held state, timed, graph."""

import numpy as np
import pytest

from snnlab.dynapse import POSITIONAL, DynapSim, DynapSimGraph

SILENT = np.zeros((60, 3, 4))


def test_positional_arguments_follow_rockpool():
    a = DynapSim(3, 2e-10, 1e-12, dt=5e-4)
    b = DynapSim(3, Idc=2e-10, If_nmda=1e-12, dt=5e-4)
    for name in ("Idc", "If_nmda", "dt"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert POSITIONAL[:2] == ("Idc", "If_nmda") and POSITIONAL[-2:] == (
        "spiking_input",
        "spiking_output",
    )
    with pytest.raises(TypeError, match="both by position and by name"):
        DynapSim(3, 2e-10, Idc=1e-10)


def test_attribute_families_round_trip():
    sim = DynapSim(3, Idc=2e-10)
    assert sim.parameters() == {}
    assert set(DynapSim(3, has_rec=True).parameters()) == {"w_rec"}
    sp = sim.simulation_parameters()
    assert sp["Idc"].shape == (3,) and "dt" in sp
    again = DynapSim(3).set_attributes(sp)
    for k, v in sp.items():
        np.testing.assert_array_equal(getattr(again, k), v)
    np.testing.assert_array_equal(sim.reset_parameters().Idc, DynapSim(3).Idc)
    with pytest.raises(ValueError, match="no attribute"):
        sim.set_attributes({"bogus": 1.0})


def test_held_state_continues_a_run():
    sim = DynapSim(3, Idc=2e-10)
    whole, _, _ = sim.evolve(np.zeros((120, 3, 4)))
    first, state, _ = sim(SILENT)
    sim2 = sim.set_attributes(state)
    np.testing.assert_array_equal(sim2.state()["imem"], state["imem"])
    second, _, _ = sim2(SILENT)
    np.testing.assert_array_equal(np.concatenate([first, second]), whole)
    assert float(np.sum(whole)) > 0
    back = sim2.reset_state().state()
    np.testing.assert_array_equal(back["imem"], sim.init_state()["imem"])


def test_rockpool_input_layout_drives_ampa():
    sim = DynapSim(3, Idc=1e-11)
    x = np.zeros((50, 3))
    x[::5] = 1.0
    four = np.zeros((50, 3, 4))
    four[..., 0] = x
    a, _, ra = sim.evolve(x)
    b, _, rb = sim.evolve(four)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(ra["iampa"], rb["iampa"])
    batched, _, _ = sim.evolve(x[None])
    assert batched.shape == (1, 50, 3)


def test_timed_and_graph():
    sim = DynapSim(3, Idc=2e-10, spiking_input=True)
    out = sim.timed()(SILENT, t_start=1.0)
    np.testing.assert_allclose(out.times[:2], [1.0, 1.001])
    times, channels = out.events
    assert len(times) == int(np.sum(out.spikes)) > 0 and set(channels) <= {0, 1, 2}
    g = sim.as_graph()
    assert isinstance(g, DynapSimGraph) and g.size_in == g.size_out == 3 and g.spiking_input
    rebuilt = DynapSim.from_graph(g)
    np.testing.assert_array_equal(rebuilt.Idc, sim.Idc)
    rec = DynapSim(3, w_rec=np.ones((3, 3)))
    np.testing.assert_array_equal(DynapSim.from_graph(rec.as_graph()).w_rec, rec.w_rec)
    with pytest.raises(ValueError, match="differs"):
        sim.timed(dt=0.5)


def test_same_names_as_rockpool():
    try:
        from rockpool.devices.dynapse import DynapSim as RockpoolDynapSim
    except Exception as err:  # rockpool pulls in optional deps that may fail in many ways
        pytest.skip(f"rockpool's DynapSim is not importable here: {err!r}")
    theirs, ours = RockpoolDynapSim(3), DynapSim(3)
    assert set(theirs.simulation_parameters()) - {"w_rec"} == set(ours.simulation_parameters())
    assert set(theirs.state()) - {"rng_key"} <= set(ours.state())
    for method in ("parameters", "state", "simulation_parameters", "reset_state", "timed",
                   "as_graph", "set_attributes", "reset_parameters", "evolve"):  # fmt: skip
        assert callable(getattr(ours, method))


def test_rockpool_attribute_access():
    from snnlab.compat.rockpool import DynapSim as Compat

    sim = Compat(3, Idc=2e-10)
    assert sim is not None and sim.class_name == "DynapSim" and sim.modules() == {}
    np.testing.assert_array_equal(sim.imem, sim.init_state()["imem"])
    assert set(sim.attributes_named(("Idc", "imem"))) == {"Idc", "imem"}
    leaves, treedef = sim.tree_flatten()
    again = DynapSim.tree_unflatten(treedef, leaves)
    np.testing.assert_array_equal(again.Idc, sim.Idc)
    _, state, _ = sim(SILENT)
    np.testing.assert_array_equal(sim.set_attributes(state).vmem, state["vmem"])


def test_timed_takes_a_rockpool_time_series():
    try:
        from rockpool.timeseries import TSEvent
    except Exception as err:  # rockpool pulls in optional deps that may fail in many ways
        pytest.skip(f"rockpool is not importable here: {err!r}")
    ts = TSEvent([0.5012, 0.5052], [0, 2], t_start=0.5, t_stop=0.51, num_channels=3)
    out = DynapSim(3).timed()(ts, record=True)
    np.testing.assert_allclose(out.times[0], 0.5)
    assert out.record["iampa"].shape == (10, 3)
    assert float(out.record["iampa"][2, 0]) > float(out.record["iampa"][0, 0])
