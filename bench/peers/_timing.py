"""Warm-run timing shared by bench/run.py and the peer scripts (plain Python, no imports
beyond the standard library, so that every peer's environment can use it).

Two methods, on the same rows, in the same process:

- timeit's convention (the figure the targets are judged on): one `gc.collect()` before a
  row's batch, the garbage collector disabled during the batch, the calls of the batch back
  to back. This is how a user's loop of calls runs: Python's collector rarely runs inside a
  millisecond call, and the CPU caches and the thread pool stay warm between calls.
- "after gc.collect()" (the method of the older figures in bench/results.md): a full
  `gc.collect()` before every timed call. Walking every live object evicts the CPU caches
  and lets XLA's worker threads fall asleep, so each call pays a cold start: it punishes
  every microsecond of host code several times over and is kept only so that older figures
  stay comparable.

Rows are interleaved: each round times every row once after a `gc.collect()`, then every
row's batch, so that a change of load during the run hits all rows alike.
"""

from __future__ import annotations

import gc
import time

BATCH_TARGET_MS = 20.0  # a batch lasts about this long (3 to 20 calls; 1 for slow calls)
SLOW_CALL_MS = 50.0  # calls this long run alone in their batch (keeps peers' runs short)


def timed(call):
    """`call` wrapped to return (wall ms, process CPU ms, its result)."""

    def run():
        c, t = time.process_time(), time.perf_counter()
        out = call()
        return (time.perf_counter() - t) * 1e3, (time.process_time() - c) * 1e3, out

    return run


def batch_size(wall_ms: float) -> int:
    """Calls per batch for a call of `wall_ms`."""
    if wall_ms >= SLOW_CALL_MS:
        return 1
    return max(3, min(20, int(BATCH_TARGET_MS / max(wall_ms, 1e-3))))


def warm_runs(rows: dict, repeats: int) -> dict:
    """Time warm calls of every row; rows: key -> run() returning (wall ms, CPU ms, result)
    (see `timed`; a run may time only part of itself, e.g. a peer's simulate without its
    network build). Returns key -> {runs_ms, cpu_ms, gc_runs_ms, gc_cpu_ms, batch, last}:
    `runs_ms`/`cpu_ms` timeit-style (repeats batches), `gc_*` one call per round after a
    `gc.collect()`, `last` the result of the last call."""
    out = {}
    for key, run in rows.items():  # one warm-up call per row sets its batch size
        gc.collect()
        wall, _, last = run()
        out[key] = dict(runs_ms=[], cpu_ms=[], gc_runs_ms=[], gc_cpu_ms=[])
        out[key].update(batch=batch_size(wall), last=last)
        del last
    for _ in range(repeats):
        for key, run in rows.items():
            out[key]["last"] = None  # one result alive at a time
            gc.collect()
            wall, cpu, out[key]["last"] = run()
            out[key]["gc_runs_ms"].append(wall)
            out[key]["gc_cpu_ms"].append(cpu)
        for key, run in rows.items():
            r = out[key]
            r["last"] = None
            gc.collect()
            enabled = gc.isenabled()
            gc.disable()
            try:
                for _ in range(r["batch"]):
                    r["last"] = None
                    wall, cpu, r["last"] = run()
                    r["runs_ms"].append(wall)
                    r["cpu_ms"].append(cpu)
            finally:
                if enabled:
                    gc.enable()
    return out
