"""Server CPU per Explorer move: the thread CPU time of one slider move on the server.

A move is a parameter set on the Explorer's params object, as a slider's change from the
browser does; it runs the whole server side of the move on this thread: the scheduler,
building the model, the simulation, the new columns into the page's Bokeh sources
(`snnlab/app/_live.py`). Thread CPU time (`time.thread_time`) is reported besides wall
time because it is what a loaded machine does not inflate: XLA's own threads are not
counted, so the CPU figure is the Python side of a move; the wall figure includes the
simulation.

    python bench/bench_explorer_cpu.py [--moves 50] [--only W1 W2] [--write]

With `--write` the table goes into bench/results.md (command, machine, date and load
beside it).
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from bench_loop import WORKLOADS, _explorer  # noqa: E402
from load_test import markers, write_section  # noqa: E402

RESULTS = Path(__file__).with_name("results.md")
WRITER = "bench/bench_explorer_cpu.py"
TARGET_MS = {"W1": 5.0}
"""Issue #16's target for the server CPU (p50) of one Explorer move."""


def cpu_per_move(spec, moves: int):
    """p50/p95 of thread CPU (ms) and of wall time (ms) per move, and how many ran inline."""
    e = _explorer(spec)
    model, pname, start, step = spec["slider"]
    obj = e.neuron_params[model]
    for k in range(3):  # compile and measure the variant
        setattr(obj, pname, start + step * k)
    cpu, wall = [], []
    for k in range(moves):
        c0, t0 = time.thread_time(), time.perf_counter()
        setattr(obj, pname, start + step * (k + 3))
        cpu.append((time.thread_time() - c0) * 1e3)
        wall.append((time.perf_counter() - t0) * 1e3)
        if e.message:
            raise RuntimeError(e.message)
    return np.percentile(cpu, [50, 95]), np.percentile(wall, [50, 95])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=50)
    parser.add_argument("--only", nargs="*", default=["W1", "W2"])
    parser.add_argument("--write", action="store_true", help="into bench/results.md")
    args = parser.parse_args()
    load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
    rows = [
        "| workload | CPU p50 (ms) | CPU p95 (ms) | wall p50 (ms) | wall p95 (ms) | moves |",
        "|---|---|---|---|---|---|",
    ]
    verdicts = []
    for name in args.only:
        (c50, c95), (w50, w95) = cpu_per_move(WORKLOADS[name], args.moves)
        rows.append(f"| {name} | {c50:.2f} | {c95:.2f} | {w50:.2f} | {w95:.2f} | {args.moves} |")
        if name in TARGET_MS:
            ok = "met" if c50 <= TARGET_MS[name] else "**missed**"
            verdicts.append(f"{name} CPU p50 <= {TARGET_MS[name]:g} ms: {ok} ({c50:.2f} ms)")
    begin, end = markers("bench_explorer_cpu", WRITER)
    command = f"python bench/bench_explorer_cpu.py --moves {args.moves} --only " + " ".join(
        args.only
    )
    text = "\n".join(
        [
            begin,
            "## Server CPU per Explorer move (bench/bench_explorer_cpu.py)",
            "",
            f"Command: `{command}`; "
            f"{datetime.datetime.now(datetime.UTC).strftime('%Y-%m-%d %H:%M UTC')}; "
            f"{platform.node()}, {os.cpu_count()} cores; load average before {load_before}, "
            f"after {' '.join(f'{x:.2f}' for x in os.getloadavg())}. Thread CPU time of one "
            "slider move (scheduler, model build, simulation, new columns into the Bokeh "
            "sources); wall time includes the simulation.",
            "",
            *rows,
            "",
            "Target: " + ("; ".join(verdicts) or "none for these workloads") + ".",
            end,
        ]
    )
    print(text)
    if args.write:
        write_section(RESULTS, text + "\n", "bench_explorer_cpu", WRITER)


if __name__ == "__main__":
    main()
