"""The memory policy of a served process (snnlab.serve._memory)."""

import gc
import os
import subprocess
import sys

import pytest

from snnlab.serve._memory import GcPolicy, Recycler, rss_mib


@pytest.fixture
def policy():
    p = GcPolicy(growth=2.0)
    yield p
    p.uninstall()


def _cycles(n):
    out = []
    for _ in range(n):
        a, b = [], []
        a.append(b)
        b.append(a)
        out.append(a)
    return out


def test_a_complete_collection_freezes_what_survives_and_frees_cycles(policy):
    keep = _cycles(1000)
    garbage = _cycles(1000)
    del garbage
    pause = policy.complete()
    assert pause >= 0 and policy.complete_collections == 1
    assert gc.get_freeze_count() == policy.frozen_base > 2000  # `keep` is frozen ...
    assert all(gc.is_tracked(a) for a in keep)
    assert len(gc.get_objects(2)) < 100  # ... and no longer visited by full passes


def test_survivors_of_a_full_collection_are_frozen_at_the_next_check(policy):
    policy.complete()
    base = gc.get_freeze_count()
    policy.check()
    assert gc.get_freeze_count() == base  # no full collection happened: nothing to do
    gc.callbacks.append(policy._on_collection)
    try:
        keep = _cycles(500)
        gc.collect()  # a full collection, as CPython runs them by itself
        policy.check()
    finally:
        gc.callbacks.remove(policy._on_collection)
    assert gc.get_freeze_count() >= base + 1000
    assert policy.complete_collections == 1  # grown less than 2x: frozen, not re-collected
    assert keep


def test_garbage_among_frozen_objects_is_reclaimed_once_the_frozen_heap_has_grown(policy):
    policy.complete()
    base = policy.frozen_base
    gc.callbacks.append(policy._on_collection)
    try:
        held = _cycles(base)  # frozen at the next check: the frozen heap triples ...
        gc.collect()
        policy.check()
        assert policy.complete_collections == 2  # ... so a complete collection ran
        del held  # cycles among frozen objects: only a complete collection frees them
        frozen = gc.get_freeze_count()
        policy.complete()
        assert frozen > 3 * base and gc.get_freeze_count() < base + 100  # back to the base
    finally:
        gc.callbacks.remove(policy._on_collection)


def test_recycler_compares_idle_memory_with_its_warm_baseline():
    r = Recycler(growth=0.10, baseline_mib=200.0)
    assert not r.should_recycle(219.0)
    assert r.should_recycle(221.0)
    first = Recycler(growth=0.10)
    assert not first.should_recycle(300.0) and first.baseline_mib == 300.0
    assert first.should_recycle(331.0)
    with pytest.raises(ValueError, match="growth"):
        Recycler(growth=0)
    with pytest.raises(ValueError, match="growth"):
        GcPolicy(growth=1.0)


def test_rss_is_read_from_proc():
    assert 10 < rss_mib() < 100_000
    assert rss_mib(2**22 + 12345) == 0.0  # no such process


_SCATTERED_SURVIVORS = """
import gc
from snnlab.serve._memory import rss_mib, trim_heap
gc.collect(); trim_heap()
start = rss_mib()
blocks = [bytearray(200) for _ in range(600_000)]  # ~150 MiB of small objects
grown = rss_mib() - start
keep = blocks[::4096]  # a survivor every ~1 MiB, as a class leaves a few long-lived objects
del blocks
gc.collect(); trim_heap()
print((rss_mib() - start) / grown)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim")
def test_the_servers_allocator_gives_back_memory_that_scattered_survivors_would_pin(
    monkeypatch,
):
    """Unless workers are recycled, `snnlab serve` starts its processes on the C heap
    (`server_environment`): memory
    freed around a few survivors goes back to the system, where CPython's own allocator
    keeps every 1 MiB arena holding one survivor (the +26% after a class that
    bench/load_test.py --no-recycle measured)."""
    from snnlab.serve._cli import build_parser, server_environment

    for name in ("PYTHONMALLOC", "MALLOC_ARENA_MAX"):
        monkeypatch.delenv(name, raising=False)
    env = server_environment(build_parser().parse_args(["serve"]))
    assert env["PYTHONMALLOC"] == "malloc" and env["MALLOC_ARENA_MAX"] == "2"
    no_recycling = ["serve", "--num-procs", "2", "--recycle-growth", "1000"]
    assert server_environment(build_parser().parse_args(no_recycling))["PYTHONMALLOC"] == "malloc"
    recycled = build_parser().parse_args(["serve", "--num-procs", "2"])
    assert "PYTHONMALLOC" not in server_environment(recycled)  # memory back by recycling
    monkeypatch.setenv("PYTHONMALLOC", "pymalloc")  # the user's own choice is kept
    assert "PYTHONMALLOC" not in server_environment(build_parser().parse_args(["serve"]))

    def kept(allocator_env):
        out = subprocess.run(
            [sys.executable, "-c", _SCATTERED_SURVIVORS],
            env={**os.environ, **allocator_env},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert out.returncode == 0, out.stderr[-2000:]
        return float(out.stdout)

    assert kept(env) < 0.2  # nearly all of it given back
    assert kept({"PYTHONMALLOC": "pymalloc"}) > 0.6  # the premise: pinned arenas stay


def test_a_grown_frozen_heap_of_open_sessions_is_not_collected_until_enough_have_closed():
    """A complete collection of 15 open Explorer sessions' objects (no garbage) would
    pause the process for 1.0-1.8 s (logged in the load test): served, a grown frozen
    heap is collected only once as many sessions have closed as are open (growth 2)."""
    live = [4]
    policy = GcPolicy(growth=2.0, live_sessions=lambda: live[0])
    try:
        policy.complete()
        gc.callbacks.append(policy._on_collection)
        try:
            held = _cycles(policy.frozen_base)  # the frozen heap will triple
            gc.collect()
            policy.check()
            assert policy.complete_collections == 1  # grown, but every session is open
            for _ in range(3):
                policy.session_closed()
            live[0] = 3  # 3 closed, 3 open: as much garbage as live heap
            gc.collect()
            policy._measured_at = -float("inf")  # measure again now
            policy.check()
            assert policy.complete_collections == 2 and policy.closed_since_complete == 0
        finally:
            gc.callbacks.remove(policy._on_collection)
        assert held
    finally:
        policy.uninstall()
