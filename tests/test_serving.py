"""`snnlab serve` for a class: options, a few concurrent sessions, limits, a killed worker.

A smaller load than bench/load_test.py (N = 4 sessions instead of 30), with the same
loopback-only websocket client; bounded in count and time.
"""

import asyncio
import importlib.util
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from snnlab.app import Limits
from snnlab.serve import SETUP_SCRIPT
from snnlab.serve._cli import build_parser, limits_of, serve_command, server_environment

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("load_test", ROOT / "bench" / "load_test.py")
load_test = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(load_test)

pytestmark = pytest.mark.timeout(240)


def test_serve_options_reach_panel_and_the_caps_reach_the_environment():
    args = build_parser().parse_args(
        [
            "serve",
            "--num-procs",
            "3",
            "--prefix",
            "/snn",
            "--allow-websocket-origin",
            "lab.example.org",
            "--max-sessions",
            "40",
            "--max-cells",
            "1000",
            "--max-upload-bytes",
            "2048",
        ]
    )
    cmd = serve_command(args)
    assert cmd[cmd.index("--address") + 1] == "localhost"  # never public unless told
    assert cmd[cmd.index("--num-procs") + 1] == "3"
    assert cmd[cmd.index("--prefix") + 1] == "/snn"
    assert "lab.example.org" in cmd and "--unused-session-lifetime" in cmd
    setup = Path(cmd[cmd.index("--setup") + 1])
    assert setup.read_text() == SETUP_SCRIPT
    caps = limits_of(args)
    assert (caps.max_sessions, caps.max_cells, caps.max_upload_bytes) == (40, 1000, 2048)
    env = server_environment(args)
    assert env["SNNLAB_MAX_CELLS"] == "1000"
    if "JAX_COMPILATION_CACHE_DIR" not in os.environ:
        assert env["JAX_COMPILATION_CACHE_DIR"].endswith("jax")  # the compile cache is on
    off = server_environment(build_parser().parse_args(["serve", "--jax-cache", ""]))
    assert "JAX_COMPILATION_CACHE_DIR" not in off
    assert Limits.from_env(caps.env()) == caps
    with pytest.raises(SystemExit):
        build_parser().parse_args(["serve", "--max-cells", "nan"])
    with pytest.raises(ValueError, match="SNNLAB_MAX_CELLS"):
        Limits.from_env({"SNNLAB_MAX_CELLS": "-5"})


@pytest.fixture(scope="module")
def server():
    with load_test.Server("--session-lifetime", "2000", "--max-sessions", "6") as srv:
        yield srv


def test_four_sessions_get_their_own_updates_and_memory_comes_back(server):
    # warm up (compiles), then measure: the server's memory after the sessions close
    asyncio.run(load_test.run_load(server.url, 1, 1, 60.0))
    time.sleep(3.0)
    rss0 = server.rss_mb()
    out = asyncio.run(load_test.run_load(server.url, 4, 3, 90.0, pause=0.1))
    assert out["errors"] == [], out["errors"]
    assert out["opened"] == 4 and all(out["own"]) and len(out["latencies"]) == 12
    rss1 = load_test.wait_for_memory(server, rss0, 30.0)
    assert rss1 <= 1.10 * rss0, (rss0, rss1)


def test_the_session_limit_refuses_past_it(server):
    async def scenario():
        sessions = [load_test.Session(server.url) for _ in range(8)]
        results = []
        for s in sessions:  # one after the other, so that the count is exact
            try:
                await s.open()
                results.append(s.status)
            except Exception as err:  # noqa: BLE001
                results.append(getattr(err, "code", repr(err)))
        for s in sessions:
            await s.close()
        return results

    time.sleep(4.0)  # the earlier test's sessions expire (lifetime 2 s)
    statuses = asyncio.run(scenario())
    assert statuses.count(200) <= 6 and 403 in statuses, statuses


def test_killing_one_server_process_leaves_the_others_serving():
    with load_test.Server("--num-procs", "2") as srv:
        deadline = time.monotonic() + 30
        while len(load_test.children(srv.proc.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.5)
        workers = load_test.children(srv.proc.pid)
        assert len(workers) == 2, workers
        os.kill(workers[0], signal.SIGKILL)
        ok = 0
        for _ in range(10):
            try:
                urllib.request.urlopen(srv.url + "/", timeout=10).read()
                ok += 1
            except (urllib.error.URLError, OSError):
                pass
        assert ok == 10
        # and a full app session still works on the surviving process
        out = asyncio.run(load_test.run_load(srv.url, 1, 1, 90.0))
        assert out["errors"] == [] and out["opened"] == 1
        # stopping the server (its parent process) stops every worker with it
        workers = load_test.children(srv.proc.pid)
        srv.proc.terminate()
        srv.proc.wait(timeout=15)
        deadline = time.monotonic() + 15
        while any(Path(f"/proc/{w}").exists() for w in workers) and time.monotonic() < deadline:
            time.sleep(0.2)
        alive = [w for w in workers if Path(f"/proc/{w}").exists()]
        assert alive == [], f"workers outlived the server: {alive}"


def test_workers_share_new_connections_and_a_grown_idle_worker_is_replaced():
    """Under --num-procs 2: a burst of sessions is spread over both workers (with
    Tornado's own accepting the first worker awake often took nearly all); once the
    sessions have left, a worker whose
    memory grew past --recycle-growth (here any growth) is replaced by a fresh one, and
    the server keeps serving."""
    extra = ["--num-procs", "2", "--session-lifetime", "1000", "--recycle-growth", "1e-9"]
    with load_test.Server(*extra) as srv:
        deadline = time.monotonic() + 60
        while srv.count("warm in") < 2:  # both workers have warmed up
            assert time.monotonic() < deadline, srv.output()
            time.sleep(0.5)
        workers = load_test.children(srv.proc.pid)

        def spread():
            return load_test.connections_by_pid(srv.port, workers)

        out = asyncio.run(load_test.run_load(srv.url, 6, 1, 120.0, spread=spread))
        assert out["errors"] == [] and out["opened"] == 6
        assert sorted(out["per_worker"]) == sorted(workers)
        # The balancer defers a busy worker's accept by at most 0.1 s, so on a loaded
        # machine one connection may still land on the busier worker (2 / 4 seen under CI);
        # Tornado's own accepting gives 6 / 0 or 5 / 1. The exact deferral rule is checked
        # without timing in tests/test_serve_main.py.
        assert min(out["per_worker"].values()) >= 2, out["per_worker"]
        deadline = time.monotonic() + 60
        while srv.count(load_test.RECYCLED) < 2:
            assert time.monotonic() < deadline, srv.output()
            time.sleep(0.5)
        assert "idle at" in srv.output(20_000) and "recycling" in srv.output(20_000)
        fresh = load_test.children(srv.proc.pid)
        assert not set(fresh) & set(workers), (workers, fresh)
        out = asyncio.run(load_test.run_load(srv.url, 2, 2, 120.0))
        assert out["errors"] == [] and out["opened"] == 2 and len(out["latencies"]) == 4


def test_load_script_refuses_non_loopback_addresses():
    with pytest.raises(SystemExit, match="loopback"):
        load_test._check_loopback("http://192.168.1.5:5006")
    assert sys.executable  # the script runs with this interpreter


def test_served_apps_compute_in_float64_unless_told_float32(monkeypatch):
    monkeypatch.delenv("JAX_ENABLE_X64", raising=False)
    env = server_environment(build_parser().parse_args(["serve"]))
    assert env["JAX_ENABLE_X64"] == "1"
    args = build_parser().parse_args(["serve", "--precision", "float32"])
    assert server_environment(args)["JAX_ENABLE_X64"] == "0"
    code = (
        "import snnlab; from snnlab.neurons import LIF; "
        "print(snnlab.simulate(LIF(), None, duration=1.0)['V'].dtype)"
    )
    for flag, dtype in (("1", "float64"), ("0", "float32")):
        out = subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "JAX_ENABLE_X64": flag},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert out.stdout.strip() == dtype, out.stderr[-2000:]
