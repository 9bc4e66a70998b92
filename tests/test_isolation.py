"""Isolation: sessions never share mutable state; compiled functions are the only shared thing."""

import asyncio
import importlib.util
from pathlib import Path

import numpy as np
import pytest

from snnlab.app import Explorer

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("load_test", ROOT / "bench" / "load_test.py")
load_test = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(load_test)


def test_two_explorers_share_no_params_streams_or_buffers():
    a, b = Explorer(sync_url=False), Explorer(sync_url=False)
    assert a.neuron_params["LIF"] is not b.neuron_params["LIF"]
    assert a.generator_params["DCGenerator"] is not b.generator_params["DCGenerator"]
    for name in ("voltage_view", "raster_view", "rate_view", "isi_view", "scope_trace"):
        assert getattr(a, name) is not getattr(b, name), name
    a.neuron_params["LIF"].I_e = 0.0
    a.generator_params["DCGenerator"].amplitude = 0.0
    b.neuron_params["LIF"].I_e = 400.0
    a.model = "Izhikevich"  # instance-level selector objects: b keeps its own
    assert b.param.view_state.objects == ["V"] and b.model == "LIF"
    assert b.neuron_params["LIF"].I_e == 400.0 and a.neuron_params["LIF"].I_e == 0.0
    assert a.result is not b.result and a.voltage_view.data is not b.voltage_view.data


@pytest.mark.timeout(240)
def test_two_served_sessions_never_see_each_others_data():
    async def scenario(url):
        quiet = load_test.Session(url, query="?p.I_e=0.0&g.DCGenerator.amplitude=0.0")
        busy = load_test.Session(url)
        await quiet.open()
        await busy.open()
        await quiet.wait_for_data(60)
        await busy.wait_for_data(60)
        quiet_before = len(quiet.traces)
        for m, value in enumerate((350.0, 500.0, 650.0)):
            assert await busy.move(value) is not None, m
        await asyncio.sleep(1.0)
        result = {
            "quiet_new_data": len(quiet.traces) - quiet_before,
            "quiet_traces": quiet.traces,
            "busy_traces": busy.traces[-4:],
            "quiet_search": quiet.search,
            "busy_search": busy.search,
            "errors": quiet.errors + busy.errors,
        }
        await quiet.close()
        await busy.close()
        return result

    with load_test.Server("--session-lifetime", "2000") as srv:
        r = asyncio.run(scenario(srv.url))
    assert r["errors"] == []
    assert r["quiet_new_data"] == 0  # the other session's moves sent it nothing
    # (the threshold line is a flat "V" source too)
    assert all(np.ptp(t) < 1e-3 for t in r["quiet_traces"])  # no drive: at rest
    assert max(np.ptp(t) for t in r["busy_traces"]) > 5.0  # driven: spiking
    assert "p.I_e=650.0&" in r["busy_search"] and "p.I_e=650.0" not in r["quiet_search"]
    assert "p.I_e=0.0&" in r["quiet_search"]
