"""Issue 7 benchmark: f-I sweeps (512 currents x 1000 ms) and the phase-plane redraw time.

Prints Markdown table rows; `--quick` shrinks the sweeps for a smoke run. Peers (Brian2,
BrainPy) are not run here: see bench/peers.

    python bench/bench_analysis.py [--quick]
"""

from __future__ import annotations

import argparse
import time

import jax
import numpy as np

from snnlab.analysis import fi_curve, fixed_points, nullclines, vector_field
from snnlab.neurons import HH, LIF
from snnlab.neurons._fhn import FitzHughNagumo
from snnlab.neurons._morris_lecar import MorrisLecar


def timed(fn, repeat):
    fn()  # compile
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return np.array(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    n, duration = (64, 200.0) if args.quick else (512, 1000.0)
    device = jax.devices()[0].device_kind
    print("| benchmark | size | median (s) | p95 (s) | device |")
    print("|---|---|---|---|---|")
    for name, model, currents, dt, method in (
        ("f-I LIF (exp_euler)", LIF(), np.linspace(0, 1500, n), 0.1, "exp_euler"),
        ("f-I HH (rk4)", HH(), np.linspace(0, 1500, n), 0.025, "rk4"),
    ):
        t = timed(
            lambda m=model, c=currents, d=dt, me=method: fi_curve(
                m, c, duration=duration, dt=d, method=me
            ),
            repeat=3,
        )
        print(
            f"| {name} | {n} currents x {duration:g} ms | {np.median(t):.3f} | "
            f"{np.percentile(t, 95):.3f} | {device} |"
        )
    for name, model, box in (
        ("FitzHugh-Nagumo", FitzHughNagumo(), dict(xlim=(-2.5, 2.5), ylim=(-1.0, 2.0))),
        ("Morris-Lecar", MorrisLecar(), dict(xlim=(-80.0, 40.0), ylim=(0.0, 1.0))),
    ):
        currents = iter(np.linspace(0.0, 0.5, 1000))

        def redraw(m=model, b=box, currents=currents):
            cur = float(next(currents))  # a slider move: a new current, same shapes
            vector_field(m, n=20, current=cur, **b)
            nullclines(m, n=40, current=cur, **b)
            fixed_points(m, current=cur, n_starts=8, **b)

        t = timed(redraw, repeat=20)
        print(
            f"| phase-plane redraw {name} | 40x40 grid | {np.median(t):.4f} | "
            f"{np.percentile(t, 95):.4f} | {device} |"
        )


if __name__ == "__main__":
    main()
