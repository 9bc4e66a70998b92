"""Brian2 on the benchmark workloads; prints one JSON line of timings.

Run by bench/run.py inside bench/.envs/brian2 (Brian2 2.9 pins numpy < 2.4):
`python brian2_bench.py --target numpy|cython --spec JSON --repeats N`.

Protocol: every run builds a fresh Network (`start_scope`) and calls `run`; the first run
includes code generation (and, for cython, C++ compilation into a fresh cache directory,
so the compile time is real, not a disk-cache hit); warm runs reuse the generated code.
Building the network is timed apart from `run` ("setup", the last warm run's); warm runs
are timed as bench/peers/_timing.py says (timeit's convention, and after a gc.collect()).
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
import warnings

import brian2 as b2
import numpy as np
from _timing import warm_runs  # bench/peers/_timing.py: the same timing as run.py's
from brian2 import Hz, Mohm, ms, mV, nS, pA, pF, volt

LIF_EQS = "dv/dt = (V_rest - v + R * (I_e + I_syn)) / tau : volt (unless refractory)\n"
LIF_NS = dict(V_rest=-70 * mV, R=40 * Mohm, tau=10 * ms)


def lif_group(n, i_e, with_syn):
    eqs = LIF_EQS + "I_e : amp\n"
    eqs += "dI_syn/dt = -I_syn / tau_syn : amp\n" if with_syn else "I_syn = 0 * amp : amp\n"
    g = b2.NeuronGroup(
        n,
        eqs,
        threshold="v >= -55 * mV",
        reset="v = -70 * mV",
        refractory=2 * ms,
        method="exact",
        namespace=dict(LIF_NS, tau_syn=2 * ms),
    )
    g.v = -70 * mV
    g.I_e = i_e
    return g


def build(workload, spec):
    """Objects of one workload; returns (objects, reader of the result summary)."""
    w = spec[workload]
    if workload == "W1":
        g = lif_group(1, w["current_pA"] * pA, with_syn=False)
        mon = b2.StateMonitor(g, "v", record=True)
        spk = b2.SpikeMonitor(g)
        return [g, mon, spk], lambda: int(spk.num_spikes)
    if workload == "W6":
        currents = np.linspace(w["current_min_pA"], w["current_max_pA"], w["n"])
        g = lif_group(w["n"], currents * pA, with_syn=False)
        spk = b2.SpikeMonitor(g, record=False)
        return [g, spk], lambda: int(np.asarray(spk.count).sum())
    if workload == "W3":
        g = lif_group(w["n"], 0 * pA, with_syn=True)
        # One Bernoulli draw per neuron and step (binomial with N=1), as snnlab's input.
        inp = b2.PoissonInput(g, "I_syn", N=1, rate=w["rate_Hz"] * Hz, weight=w["weight_pA"] * pA)
        mon = b2.StateMonitor(g, "v", record=True)
        spk = b2.SpikeMonitor(g)
        return [g, inp, mon, spk], lambda: int(spk.num_spikes)
    if workload == "W2":
        eqs = """
        dv/dt = (I_e - g_Na * m**3 * h * (v - E_Na) - g_K * n**4 * (v - E_K)
                 - g_L * (v - E_L)) / C_m : volt
        dm/dt = alpha_m * (1 - m) - beta_m * m : 1
        dh/dt = alpha_h * (1 - h) - beta_h * h : 1
        dn/dt = alpha_n * (1 - n) - beta_n * n : 1
        alpha_m = 0.1 / mV * (v + 40 * mV) / (1 - exp(-(v + 40 * mV) / (10 * mV))) / ms : Hz
        beta_m = 4 * exp(-(v + 65 * mV) / (18 * mV)) / ms : Hz
        alpha_h = 0.07 * exp(-(v + 65 * mV) / (20 * mV)) / ms : Hz
        beta_h = 1 / (1 + exp(-(v + 35 * mV) / (10 * mV))) / ms : Hz
        alpha_n = 0.01 / mV * (v + 55 * mV) / (1 - exp(-(v + 55 * mV) / (10 * mV))) / ms : Hz
        beta_n = 0.125 * exp(-(v + 65 * mV) / (80 * mV)) / ms : Hz
        """
        ns = dict(
            C_m=100 * pF,
            g_Na=12000 * nS,
            g_K=3600 * nS,
            g_L=30 * nS,
            E_Na=50 * mV,
            E_K=-77 * mV,
            E_L=-54.402 * mV,
            I_e=w["current_pA"] * pA,
        )
        g = b2.NeuronGroup(1, eqs, method="rk4", namespace=ns, threshold="v > 0 * mV", reset="")
        g.v = -65 * mV
        v = -65.0
        am = 0.1 * (v + 40) / (1 - np.exp(-(v + 40) / 10))
        bm = 4 * np.exp(-(v + 65) / 18)
        ah, bh = 0.07 * np.exp(-(v + 65) / 20), 1 / (1 + np.exp(-(v + 35) / 10))
        an, bn = 0.01 * (v + 55) / (1 - np.exp(-(v + 55) / 10)), 0.125 * np.exp(-(v + 65) / 80)
        g.m, g.h, g.n = am / (am + bm), ah / (ah + bh), an / (an + bn)
        mon = b2.StateMonitor(g, "v", record=True)
        return [g, mon], lambda: float(np.max(mon.v[0] / volt) * 1e3)
    raise ValueError(workload)


def run_once(workload, spec):
    w = spec[workload]
    b2.start_scope()
    b2.defaultclock.dt = w["dt_ms"] * ms
    t0 = time.perf_counter()
    objects, summary = build(workload, spec)
    net = b2.Network(*objects)
    c1, t1 = time.process_time(), time.perf_counter()
    net.run(w["duration_ms"] * ms)
    t2, c2 = time.perf_counter(), time.process_time()
    return (t1 - t0) * 1e3, (t2 - t1) * 1e3, summary(), (c2 - c1) * 1e3


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--target", choices=["numpy", "cython"], required=True)
    parser.add_argument("--spec", required=True)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--workloads", default="W1,W2,W3,W6")
    args = parser.parse_args()
    spec = json.loads(args.spec)
    warnings.filterwarnings("ignore")
    b2.prefs.codegen.target = args.target
    b2.prefs.logging.console_log_level = "ERROR"
    if args.target == "cython":
        b2.prefs.codegen.runtime.cython.cache_dir = tempfile.mkdtemp(prefix="brian2-cython-")
    out = {"peer": f"Brian2 ({args.target})", "version": b2.__version__, "results": {}}
    for workload in args.workloads.split(","):
        try:
            _, first, summary, _ = run_once(workload, spec)

            def one(workload=workload):
                setup, wall, summ, cpu = run_once(workload, spec)
                return wall, cpu, (setup, summ)

            m = warm_runs({workload: one}, args.repeats)[workload]
        except Exception as err:  # a failure is reported in the table, not raised
            out["results"][workload] = {"unavailable": f"{type(err).__name__}: {err}"[:200]}
            continue
        med = statistics.median(m["runs_ms"])
        out["results"][workload] = {
            "median_ms": med,
            "runs_ms": m["runs_ms"],
            "cpu_median_ms": statistics.median(m["cpu_ms"]),
            "gc_runs_ms": m["gc_runs_ms"],
            "gc_median_ms": statistics.median(m["gc_runs_ms"]),
            "first_ms": first,
            "compile_ms": max(first - med, 0.0),
            "setup_ms": m["last"][0],
            "summary": summary,
            "dtype": "float64",
        }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
