"""NEST (pip package nest-simulator) on the benchmark workloads; prints one JSON line.

Run by bench/run.py inside bench/.envs/nest: `python nest_bench.py --spec JSON --repeats N`.
Models: iaf_psc_delta (W1, W6), iaf_psc_exp (W3), hh_psc_alpha (W2; NEST integrates it
with GSL's adaptive RKF45, not a fixed-step RK4). Protocol: every run resets the kernel,
builds the network (timed apart as "setup") and times `nest.Simulate`; the first run in
the process is reported as the first call; warm runs are timed as bench/peers/_timing.py
says (timeit's convention, and after a gc.collect()). One thread, as the other single-process rows.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

import numpy as np
from _timing import warm_runs  # bench/peers/_timing.py: the same timing as run.py's

LIF = dict(C_m=250.0, tau_m=10.0, E_L=-70.0, V_reset=-70.0, V_th=-55.0, t_ref=2.0, V_m=-70.0)


def build(nest, workload, spec):
    """Create one workload's network; returns a reader of the result summary."""
    w = spec[workload]
    nest.ResetKernel()
    nest.SetKernelStatus({"resolution": w["dt_ms"], "local_num_threads": 1, "print_time": False})
    if workload == "W1":
        neurons = nest.Create("iaf_psc_delta", 1, params=LIF)
        dc = nest.Create("dc_generator", params={"amplitude": w["current_pA"]})
        nest.Connect(dc, neurons)
        mm = nest.Create("multimeter", params={"record_from": ["V_m"], "interval": w["dt_ms"]})
        nest.Connect(mm, neurons)
        sr = nest.Create("spike_recorder")
        nest.Connect(neurons, sr)
        return lambda: int(sr.n_events)
    if workload == "W6":
        currents = np.linspace(w["current_min_pA"], w["current_max_pA"], w["n"])
        neurons = nest.Create("iaf_psc_delta", w["n"], params=LIF)
        neurons.I_e = currents.tolist()
        sr = nest.Create("spike_recorder")
        nest.Connect(neurons, sr)
        return lambda: int(sr.n_events)
    if workload == "W3":
        neurons = nest.Create("iaf_psc_exp", w["n"], params=dict(LIF, tau_syn_ex=2.0))
        # One poisson_generator sends an independent train to each target.
        pg = nest.Create("poisson_generator", params={"rate": w["rate_Hz"]})
        nest.Connect(pg, neurons, syn_spec={"weight": w["weight_pA"]})
        mm = nest.Create("multimeter", params={"record_from": ["V_m"], "interval": w["dt_ms"]})
        nest.Connect(mm, neurons)
        sr = nest.Create("spike_recorder")
        nest.Connect(neurons, sr)
        return lambda: int(sr.n_events)
    if workload == "W2":
        neurons = nest.Create("hh_psc_alpha", 1, params={"I_e": w["current_pA"], "V_m": -65.0})
        mm = nest.Create("multimeter", params={"record_from": ["V_m"], "interval": w["dt_ms"]})
        nest.Connect(mm, neurons)
        return lambda: float(np.max(mm.events["V_m"]))
    raise ValueError(workload)


def run_once(nest, workload, spec):
    t0 = time.perf_counter()
    summary = build(nest, workload, spec)
    c1, t1 = time.process_time(), time.perf_counter()
    nest.Simulate(spec[workload]["duration_ms"])
    t2, c2 = time.perf_counter(), time.process_time()
    return (t1 - t0) * 1e3, (t2 - t1) * 1e3, summary(), (c2 - c1) * 1e3


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--spec", required=True)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--workloads", default="W1,W2,W3,W6")
    args = parser.parse_args()
    spec = json.loads(args.spec)
    # NEST prints its banner and progress on stdout; keep stdout for the JSON line.
    stdout = os.dup(1)
    os.dup2(2, 1)
    t0 = time.perf_counter()
    import nest

    if hasattr(nest, "VerbosityLevel"):
        nest.verbosity = nest.VerbosityLevel.ERROR
    else:
        nest.set_verbosity("M_ERROR")
    import_ms = (time.perf_counter() - t0) * 1e3
    out = {"peer": "NEST", "version": nest.__version__, "import_ms": import_ms, "results": {}}
    for workload in args.workloads.split(","):
        try:
            _, first, _, _ = run_once(nest, workload, spec)

            def one(workload=workload):
                setup, wall, summ, cpu = run_once(nest, workload, spec)
                return wall, cpu, (setup, summ)

            m = warm_runs({workload: one}, args.repeats)[workload]
        except Exception as err:  # a failure is reported in the table, not raised
            out["results"][workload] = {"unavailable": f"{type(err).__name__}: {err}"[:200]}
            continue
        out["results"][workload] = {
            "median_ms": statistics.median(m["runs_ms"]),
            "runs_ms": m["runs_ms"],
            "cpu_median_ms": statistics.median(m["cpu_ms"]),
            "gc_runs_ms": m["gc_runs_ms"],
            "gc_median_ms": statistics.median(m["gc_runs_ms"]),
            "first_ms": first,
            "setup_ms": m["last"][0],
            "summary": m["last"][1],
            "dtype": "float64",
        }
    sys.stdout.flush()
    os.dup2(stdout, 1)
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
