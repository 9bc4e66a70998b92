"""Server CPU per Explorer move: the thread CPU time of one slider move on the server.

A move is a parameter set on the Explorer's params object, as a slider's change from the
browser does; it runs the whole server side of the move on this thread: the scheduler,
building the model, the simulation, the new columns into the page's Bokeh sources
(`snnlab/app/_live.py`). Thread CPU time (`time.thread_time`) is reported besides wall
time because it is what a loaded machine does not inflate: XLA's own threads are not
counted, so the CPU figure is the Python side of a move; the wall figure includes the
simulation.

    python bench/bench_explorer_cpu.py [--moves 50] [--only W1 W2]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from bench_loop import WORKLOADS, _explorer  # noqa: E402


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
    args = parser.parse_args()
    print(f"load: {os.getloadavg()[0]:.1f} (1 min), {os.cpu_count()} cores")
    print("| workload | CPU p50 (ms) | CPU p95 (ms) | wall p50 (ms) | wall p95 (ms) | moves |")
    print("|---|---|---|---|---|---|")
    for name in args.only:
        (c50, c95), (w50, w95) = cpu_per_move(WORKLOADS[name], args.moves)
        print(f"| {name} | {c50:.2f} | {c95:.2f} | {w50:.2f} | {w95:.2f} | {args.moves} |")


if __name__ == "__main__":
    main()
