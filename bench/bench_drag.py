"""Dragging the Explorer's duration and neurons sliders across their whole range.

Issue #16 asks that a drag compile at most once per shape bucket, and that every run
that compiles runs off the event loop (on the pool, behind the busy sign). This script
drags each slider over every position of its range (the slider's `softbounds`, at its
`step`; neurons at every count up to 64 and 16 counts per octave above), the way a
browser sends a drag: one value after the other, each waiting for its run. The
Explorer runs as served, with its scheduler on a stand-in event loop (the calls a
Bokeh server would make, run in order on this thread) and the real thread pool, so the
scheduler decides inline or pool exactly as served.

Counted per drag: XLA compilations (`snnlab.app._scheduler.compile_count`), distinct
shape buckets visited, runs that compiled on the loop (must be 0), runs on the pool
and inline.

    python bench/bench_drag.py [--write]
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))
from load_test import markers, write_section  # noqa: E402

RESULTS = Path(__file__).with_name("results.md")
WRITER = "bench/bench_drag.py"


def neuron_positions(lo: int, hi: int) -> list[int]:
    """Every count up to 64, then 16 per octave: what a drag over the range sends."""
    out, n = [], lo
    while n <= hi:
        out.append(n)
        n = n + 1 if n < 64 else n + max(1, n // 16)
    return out if out[-1] == hi else [*out, hi]


def drag(name: str, values: list, **settings) -> dict:
    """Drag the Explorer's `name` over `values` and count what happened."""
    from snnlab.app import _guard as guard
    from snnlab.app import _scheduler
    from snnlab.app._explorer import Explorer
    from snnlab.app._explorer_runs import neuron_bucket
    from snnlab.core import bucket_steps

    queue: list = []
    loop_thread = threading.get_ident()
    compiled_on_loop, compiled_on_pool = [], []
    timed = _scheduler._timed

    def recording(work):
        out = timed(work)
        if out[2]:
            on_loop = threading.get_ident() == loop_thread
            (compiled_on_loop if on_loop else compiled_on_pool).append(1)
        return out

    saved = (guard.call_soon_in_session, guard.call_later_in_session, _scheduler._timed)
    guard.call_soon_in_session = lambda doc, fn, *a: queue.append((fn, a))
    guard.call_later_in_session = lambda doc, ms, fn, *a: None
    _scheduler._timed = recording
    try:
        ex = Explorer(sync_url=False, **{**settings, name: values[0]})
        ex._doc = object()  # as if served: the scheduler uses the loop and the pool
        sched = ex._runs  # the Explorer's RunScheduler
        c0 = _scheduler.compile_count()
        t0 = time.perf_counter()
        messages = []
        for value in values[1:]:  # the drag starts at the first position
            runs = ex.runs
            setattr(ex, name, value)
            deadline = time.monotonic() + 120
            while ex.runs == runs and time.monotonic() < deadline:
                if queue:
                    fn, args = queue.pop(0)
                    fn(*args)
                else:
                    time.sleep(0.001)
            if ex.runs == runs:
                messages.append(f"{name}={value}: no run within 120 s")
            if ex.message:
                messages.append(f"{name}={value}: {ex.message}")
        took = time.perf_counter() - t0
        compiles = _scheduler.compile_count() - c0
        ex.close()
    finally:
        guard.call_soon_in_session, guard.call_later_in_session, _scheduler._timed = saved
    if name == "duration":
        buckets = {bucket_steps(round(v / ex.dt)) for v in values}
    else:
        buckets = {neuron_bucket(v) for v in values}
    return {
        "slider": name,
        "positions": len(values),
        "range": f"{values[0]:g} - {values[-1]:g}",
        "buckets": len(buckets),
        "compiles": compiles,
        "compiled_on_loop": len(compiled_on_loop),
        "compiled_on_pool": len(compiled_on_pool),
        "pool_runs": getattr(sched, "pool_runs", None),
        "inline_runs": getattr(sched, "inline_runs", None),
        "seconds": took,
        "messages": messages,
    }


def report(rows: list[dict], load_before: str, load_after: str, settings: str) -> str:
    """The Markdown section of bench/results.md."""
    begin, end = markers("bench_drag", WRITER)
    lines = [
        begin,
        "## Dragging duration and neurons across their range (bench/bench_drag.py)",
        "",
        f"Command: `{' '.join(['python bench/bench_drag.py', *sys.argv[1:]])}`; "
        f"{datetime.datetime.now(datetime.UTC).strftime('%Y-%m-%d %H:%M UTC')}; "
        f"{platform.node()}, {os.cpu_count()} cores; load average before {load_before}, "
        f"after {load_after}. Explorer settings: {settings}; each value waits for its run; "
        "the scheduler as served (stand-in event loop, real thread pool). A compilation is "
        "an XLA compile reported by JAX (several per new bucket: the run and its helpers).",
        "",
        "| slider | positions | range | buckets visited | XLA compilations | runs that "
        "compiled on the loop | runs that compiled on the pool | pool runs | inline runs "
        "| time (s) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['slider']} | {r['positions']} | {r['range']} | {r['buckets']} | "
            f"{r['compiles']} | {r['compiled_on_loop']} | {r['compiled_on_pool']} | "
            f"{r['pool_runs']} | {r['inline_runs']} | {r['seconds']:.1f} |"
        )
    ok = all(
        r["compiled_on_loop"] == 0 and r["compiled_on_pool"] <= r["buckets"] and not r["messages"]
        for r in rows
    )
    lines += [
        "",
        "Target: at most one compiling run per bucket, none on the event loop, no error: "
        + ("met." if ok else "**missed**."),
    ]
    for r in rows:
        lines += [f"- {m}" for m in r["messages"][:5]]
    lines.append(end)
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="into bench/results.md")
    args = parser.parse_args(argv)
    from snnlab.app._explorer_settings import ExplorerSettings

    p = ExplorerSettings.param
    d_lo, d_hi = p.duration.softbounds
    n_lo, n_hi = p.size.softbounds
    step = p.duration.step
    durations = [float(d_lo + k * step) for k in range(int(round((d_hi - d_lo) / step)) + 1)]
    load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
    settings = "LIF, DC input, dt 0.1 ms; the neurons drag at duration 200 ms"
    rows = [
        drag("duration", durations, size=1),
        drag("size", neuron_positions(int(n_lo), int(n_hi)), duration=200.0),
    ]
    text = report(rows, load_before, " ".join(f"{x:.2f}" for x in os.getloadavg()), settings)
    print(text)
    if args.write:
        write_section(RESULTS, text, "bench_drag", WRITER)
    return 0 if "met." in text else 1


if __name__ == "__main__":
    raise SystemExit(main())
