"""The memory policy of a served process (snnlab.serve._memory)."""

import gc

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
