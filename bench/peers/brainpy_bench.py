"""BrainPy (its jitted loop: `bm.jit` around `bm.for_loop` over the model's update) on the
benchmark workloads; prints one JSON line of timings.

Run by bench/run.py inside bench/.envs/brainpy: `python brainpy_bench.py --spec JSON
--repeats N [--x64]`. Models: `bp.dyn.LifRef` (W1, W6), `LifRef` fed by `bp.dyn.Expon`
from a `bp.dyn.PoissonGroup` (W3: one Bernoulli draw per neuron and step, drawn inside the
loop), `bp.dyn.HH` with method "rk4" and the neurai (NEST) parameters (W2). The state is
reset outside the timed call; the first call includes tracing and compilation; warm calls
are timed as bench/peers/_timing.py says (timeit's convention, and after a gc.collect()).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import warnings

from _timing import warm_runs  # bench/peers/_timing.py: the same timing as run.py's


def lif(bp, n, v_th=-55.0):
    return bp.dyn.LifRef(
        n,
        V_rest=-70.0,
        V_reset=-70.0,
        V_th=v_th,
        R=0.04,
        tau=10.0,
        tau_ref=2.0,
        V_initializer=bp.init.Constant(-70.0),
    )


def build(bp, bm, np, workload, spec):
    """(stateful model, jitted run over step indices, reader of the result summary)."""
    w = spec[workload]
    bm.set_dt(w["dt_ms"])
    if workload == "W1":
        model = lif(bp, 1)

        def step(i):
            bp.share.save(i=i, t=i * bm.get_dt())
            model(w["current_pA"])
            return model.V.value, model.spike.value

        return model, bm.jit(lambda idx: bm.for_loop(step, idx)), lambda out: int(out[1].sum())
    if workload == "W6":
        model = lif(bp, w["n"])
        currents = bm.linspace(w["current_min_pA"], w["current_max_pA"], w["n"])

        def step(i):
            bp.share.save(i=i, t=i * bm.get_dt())
            model(currents)
            return model.spike.value

        return (
            model,
            bm.jit(lambda idx: bm.for_loop(step, idx).sum(axis=0)),
            lambda out: int(out.sum()),
        )
    if workload == "W3":

        class Net(bp.DynSysGroup):
            def __init__(self):
                super().__init__()
                self.inp = bp.dyn.PoissonGroup(w["n"], freqs=w["rate_Hz"])
                self.syn = bp.dyn.Expon(w["n"], tau=2.0, method="exp_auto")
                self.neu = lif(bp, w["n"])

            def update(self):
                i_syn = self.syn(self.inp() * w["weight_pA"])
                self.neu(i_syn)
                return self.neu.V.value, self.neu.spike.value

        model = Net()

        def step(i):
            bp.share.save(i=i, t=i * bm.get_dt())
            return model()

        return model, bm.jit(lambda idx: bm.for_loop(step, idx)), lambda out: int(out[1].sum())
    if workload == "W2":
        model = bp.dyn.HH(
            1,
            method="rk4",
            C=100.0,
            gNa=12000.0,
            gK=3600.0,
            gL=30.0,
            ENa=50.0,
            EK=-77.0,
            EL=-54.402,
            V_th=0.0,
            V_initializer=bp.init.Constant(-65.0),
        )

        def step(i):
            bp.share.save(i=i, t=i * bm.get_dt())
            model(w["current_pA"])
            return model.V.value

        return model, bm.jit(lambda idx: bm.for_loop(step, idx)), lambda out: float(out.max())
    raise ValueError(workload)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--spec", required=True)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--workloads", default="W1,W2,W3,W6")
    parser.add_argument("--x64", action="store_true")
    args = parser.parse_args()
    spec = json.loads(args.spec)
    warnings.filterwarnings("ignore")
    t0 = time.perf_counter()
    import brainpy as bp
    import brainpy.math as bm
    import jax
    import numpy as np

    if args.x64:
        bm.enable_x64()
    import_ms = (time.perf_counter() - t0) * 1e3
    dtype = "float64" if args.x64 else "float32"
    out = {"peer": "BrainPy", "version": bp.__version__, "import_ms": import_ms, "results": {}}
    for workload in args.workloads.split(","):
        try:
            model, run, summary = build(bp, bm, np, workload, spec)
            w = spec[workload]
            idx = bm.arange(int(round(w["duration_ms"] / w["dt_ms"])))
            bp.reset_state(model)
            t = time.perf_counter()
            res = jax.block_until_ready(run(idx))
            first = (time.perf_counter() - t) * 1e3

            def one(run=run, model=model, idx=idx):
                bp.reset_state(model)  # outside the timed call
                c, t = time.process_time(), time.perf_counter()
                out = jax.block_until_ready(run(idx))
                return (time.perf_counter() - t) * 1e3, (time.process_time() - c) * 1e3, out

            m = warm_runs({workload: one}, args.repeats)[workload]
            res = m["last"]
        except Exception as err:  # a failure is reported in the table, not raised
            out["results"][workload] = {"unavailable": f"{type(err).__name__}: {err}"[:200]}
            continue
        out["results"][workload] = {
            "runs_ms": m["runs_ms"],
            "median_ms": statistics.median(m["runs_ms"]),
            "cpu_median_ms": statistics.median(m["cpu_ms"]),
            "gc_runs_ms": m["gc_runs_ms"],
            "gc_median_ms": statistics.median(m["gc_runs_ms"]),
            "first_ms": first,
            "summary": summary(res),
            "dtype": dtype,
        }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
