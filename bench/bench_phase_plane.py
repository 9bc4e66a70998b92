"""Issue 7 benchmark: phase-plane redraw time for a slider move, in-process (server side).

Builds `PhasePlaneApp` with its Bokeh models (as a served page would), then moves the input
current `I_e` like a slider drag and times each redraw from the parameter change to the
updated Bokeh data sources (analysis + HoloViews update; the browser's paint is not in it).
Prints one Markdown row per model; the target is p95 <= 50 ms for a 2-D model on a 40x40
grid.

    python bench/bench_phase_plane.py [--moves 40]
"""

from __future__ import annotations

import argparse
import time

import jax
import numpy as np
import panel as pn

from snnlab.app._phase_plane import PhasePlaneApp


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--moves", type=int, default=40)
    args = parser.parse_args()
    device = jax.devices()[0].device_kind
    print("| benchmark | grid | p50 (ms) | p95 (ms) | of which analysis p50 (ms) | device |")
    print("|---|---|---|---|---|---|")
    for model in ("MorrisLecar", "FitzHughNagumo"):
        app = PhasePlaneApp(model=model, grid=40, arrows=20)
        pn.panel(app).get_root()
        p = app.params_of()
        lo, hi = p.param.I_e.softbounds
        values = np.linspace(lo, hi, args.moves + 1)
        p.I_e = float(values[0])  # compile
        wall, inner = [], []
        for v in values[1:]:
            t0 = time.perf_counter()
            p.I_e = float(v)
            wall.append((time.perf_counter() - t0) * 1e3)
            inner.append(app.last_redraw_ms)
        print(
            f"| phase-plane redraw {model} (I_e drag) | 40x40 nullclines, 20x20 arrows | "
            f"{np.median(wall):.1f} | {np.percentile(wall, 95):.1f} | {np.median(inner):.1f} | "
            f"{device} |"
        )


if __name__ == "__main__":
    main()
