"""Benchmark snnlab against a hand-written JAX floor and its peers; writes bench/results.md.

Usage: `python bench/run.py [--quick]` from the repository root (see bench/README.md).

The parent process only orchestrates; every measurement runs in a fresh subprocess so
that first-call (trace + compile) times are real:

- `run.py --worker jax` times snnlab (through `simulate`, the public API) and the floor
  (bench/floor.py) in one process, interleaved, float32; again under JAX_ENABLE_X64=1 for
  float64; it also times `run_stepped` alone, to split `simulate`'s host-side cost off.
- `run.py --worker cache` gets a first W3 result with JAX's persistent compilation cache
  in bench/.cache/jax, twice: the second process reads what the first one wrote.
- the peers (bench/peers/*_bench.py) run in their own virtual environments under
  bench/.envs/, which this script creates and installs; a peer that cannot be installed
  is reported as "unavailable: <reason>".
- any other bench/bench_*.py script is run and the Markdown rows it prints are copied
  (with --no-others, the section of the previous full run is kept, marked as such).

Warm runs, snnlab's, the floors' and the peers' alike (bench/peers/_timing.py), follow
Python's timeit convention: a `gc.collect()` before each row's batch of calls, the garbage
collector disabled during the batch, the calls back to back; the targets are judged on
these medians, because that is how a user's loop of calls runs. The older method (a
`gc.collect()` before every call, which evicts the CPU caches and lets XLA's threads fall
asleep, so that each microsecond of host code costs several) is still measured in the same
run and reported in its own column ("after gc.collect()") for comparison with older figures.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import inspect
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
ENVS = BENCH / ".envs"
CACHE = BENCH / ".cache"
WORKLOADS = ("W1", "W2", "W3", "W6")

SPEC = {
    "W1": {"n": 1, "current_pA": 500.0, "duration_ms": 1000.0, "dt_ms": 0.1},
    "W2": {"n": 1, "current_pA": 1000.0, "duration_ms": 200.0, "dt_ms": 0.01},
    "W3": {"n": 1000, "rate_Hz": 1000.0, "weight_pA": 250.0, "duration_ms": 1000.0, "dt_ms": 0.1},
    "W6": {
        "n": 256,
        "current_min_pA": 0.0,
        "current_max_pA": 1000.0,
        "duration_ms": 1000.0,
        "dt_ms": 0.1,
    },
}
TITLES = {
    "W1": "W1 1 LIF, DC 500 pA, 1000 ms @ 0.1 ms, V + spikes",
    "W2": "W2 1 HH, DC 1000 pA, 200 ms @ 0.01 ms, rk4, V",
    "W3": "W3 1000 ExpLIF + own 1000 Hz input, 1000 ms @ 0.1 ms, V + spikes",
    "W6": "W6 f-I curve, 256 currents 0-1000 pA, 1000 ms, spike counts",
}
# Ratio to the floor that snnlab must stay within (same run, same precision).
PARTIAL_NOTE = (
    "Written by `bench/run.py --workloads ...`, which runs only snnlab and the floor for the "
    "workloads named (no peers, no compilation-cache or other scripts) and replaces only this "
    "section; the tables above are from the last full run."
)
FLOOR_TARGETS = {"W1": 1.5, "W2": 2.0, "W3": 1.3, "W6": 1.5}
OTHERS_HEADING = "## Other bench/bench_*.py scripts"
CACHE_TARGET_S = 1.5  # "a second process gets its first W3 result in about a second"

# name, pip requirements, [(row label, extra args)]; pinned to the versions checked here.
PEERS = [
    (
        "brian2",
        ["brian2==2.9.0", "numpy<2.4", "cython", "setuptools"],
        [("Brian2 numpy", ["--target", "numpy"]), ("Brian2 cython", ["--target", "cython"])],
    ),
    ("nest", ["nest-simulator==3.10.0"], [("NEST", [])]),
    (
        "brainpy",
        ["brainpy==2.8.2", "jax[cpu]==0.10.2"],
        [("BrainPy", []), ("BrainPy", ["--x64"])],
    ),
]


# --------------------------------------------------------------------------------------
# Worker: snnlab and the floor, in one fresh process per precision.
# --------------------------------------------------------------------------------------


def jax_cases():
    """(workload, implementation, call, summary) for every JAX row; call() is timed."""
    import equinox as eqx
    import floor
    import jax
    import jax.numpy as jnp
    import numpy as np

    import snnlab
    from snnlab.core._stepped import bucket_steps, run_stepped
    from snnlab.generators import BernoulliGenerator, DCGenerator, PoissonGenerator
    from snnlab.neurons import HH, LIF, ExpLIF

    dtype = jnp.result_type(float)
    lif_kw = dict(tau=10.0, R=0.04, V_rest=-70.0, V_reset=-70.0, V_th=-55.0, tau_ref=2.0)
    w1, w2, w3, w6 = (SPEC[w] for w in WORKLOADS)
    steps = {w: int(round(SPEC[w]["duration_ms"] / SPEC[w]["dt_ms"])) for w in WORKLOADS}
    currents = np.linspace(w6["current_min_pA"], w6["current_max_pA"], w6["n"])
    prob = w3["rate_Hz"] * w3["dt_ms"] / 1000.0

    def sim(model, inputs, w, **kw):
        return lambda: snnlab.simulate(
            model, inputs, duration=SPEC[w]["duration_ms"], dt=SPEC[w]["dt_ms"], **kw
        )

    def stepped_only(model, inputs, w, method, record):
        """`run_stepped` as `simulate` calls it, without validation or building a Result."""
        conns = snnlab.core._simulate.normalise_inputs(inputs, model.size)
        cols = tuple(model.state_names.index(r) for r in record)
        dt = np.asarray(SPEC[w]["dt_ms"], dtype)
        n = bucket_steps(steps[w])
        # The core takes an integer seed or (older versions) a PRNG key.
        params = inspect.signature(run_stepped.__wrapped__).parameters
        seed = np.asarray(0, np.uint32) if "seed" in params else jax.random.PRNGKey(0)
        extra = ()
        if "windows" in params:  # newer cores: host-planned input windows, a start step
            conns, windows = snnlab.core._simulate.plan_on_grid(conns, SPEC[w]["dt_ms"])
            extra = (windows, np.asarray(steps[w], np.int32), np.asarray(0, np.int32))
        return lambda: jax.block_until_ready(
            run_stepped(model, conns, n, dt, seed, method, cols, *extra)
        )

    def floor_call(fn, *args, **kw):
        return lambda: jax.block_until_ready(fn(*args, **kw))

    spike_count = lambda res: int(res.spikes.sum())  # noqa: E731
    count_sum = lambda res: int(res.spike_counts.sum())  # noqa: E731
    m1 = LIF(size=1, **lif_kw)
    in1 = snnlab.Connection(DCGenerator(size=1, amplitude=w1["current_pA"]))
    m2 = HH(size=1)
    in2 = snnlab.Connection(DCGenerator(size=1, amplitude=w2["current_pA"]))
    m3 = ExpLIF(size=w3["n"], tau_syn=2.0, **lif_kw)
    in3 = snnlab.Connection(BernoulliGenerator(size=w3["n"], prob=prob), weight=w3["weight_pA"])
    in3p = snnlab.Connection(
        PoissonGenerator(size=w3["n"], rate=w3["rate_Hz"]), weight=w3["weight_pA"]
    )
    m6 = LIF(size=w6["n"], I_e=currents, **lif_kw)

    # The f-I curve as vmap over run_stepped of a one-neuron model (not the public API).
    one = LIF(size=1, **lif_kw)
    dt6 = jnp.asarray(w6["dt_ms"], dtype)

    def one_count(i_e):
        model = eqx.tree_at(lambda m: m.I_e, one, i_e)
        n = bucket_steps(steps["W6"])
        extra = ()
        if "windows" in params:
            extra = ((), jnp.asarray(steps["W6"], jnp.int32), jnp.asarray(0, jnp.int32))
        out = run_stepped(model, (), n, dt6, seed0, "exp_euler", (), *extra)
        return out[1][: steps["W6"] + 1].sum()

    params = inspect.signature(run_stepped.__wrapped__).parameters
    seed0 = np.asarray(0, np.uint32) if "seed" in params else jax.random.PRNGKey(0)
    vmap_fi = jax.jit(jax.vmap(one_count))
    cur6 = jnp.asarray(currents, dtype)

    return [
        (
            "W1",
            "floor",
            floor_call(floor.lif, jnp.full(1, w1["current_pA"], dtype), steps["W1"], 0.1),
            lambda o: int(o[1].sum()),
        ),
        ("W1", "snnlab", sim(m1, in1, "W1", record=["V"]), spike_count),
        ("W1", "run_stepped only", stepped_only(m1, in1, "W1", "exp_euler", ["V"]), None),
        (
            "W2",
            "floor",
            floor_call(
                floor.hh_rk4,
                jnp.asarray(w2["current_pA"], dtype),
                jnp.asarray(-65.0, dtype),
                steps["W2"],
                0.01,
            ),
            lambda o: float(o.max()),
        ),
        (
            "W2",
            "snnlab",
            sim(m2, in2, "W2", method="rk4", record=["V"]),
            lambda r: float(r["V"].max()),
        ),
        ("W2", "run_stepped only", stepped_only(m2, in2, "W2", "rk4", ["V"]), None),
        (
            "W3",
            "floor",
            floor_call(
                floor.explif_bernoulli,
                jax.random.PRNGKey(0),
                prob,
                w3["weight_pA"],
                w3["n"],
                steps["W3"],
                0.1,
            ),
            lambda o: int(o[1].sum()),
        ),
        (
            "W3",
            "floor, split keys",
            floor_call(
                floor.explif_bernoulli_split,
                jax.random.PRNGKey(0),
                prob,
                w3["weight_pA"],
                w3["n"],
                steps["W3"],
                0.1,
            ),
            lambda o: int(o[1].sum()),
        ),
        ("W3", "snnlab", sim(m3, in3, "W3", record=["V"], seed=0), spike_count),
        ("W3", "run_stepped only", stepped_only(m3, in3, "W3", "exp_euler", ["V"]), None),
        ("W3", "snnlab, Poisson input", sim(m3, in3p, "W3", record=["V"], seed=0), spike_count),
        ("W6", "floor", floor_call(floor.fi_curve, cur6, steps["W6"], 0.1), lambda o: int(o.sum())),
        ("W6", "snnlab", sim(m6, None, "W6", record=[], raster=False), count_sum),
        ("W6", "snnlab, raster", sim(m6, None, "W6", record=[]), spike_count),
        ("W6", "run_stepped only", stepped_only(m6, None, "W6", "exp_euler", []), None),
        ("W6", "snnlab jit(vmap(run_stepped))", floor_call(vmap_fi, cur6), lambda o: int(o.sum())),
    ]


def worker_jax(repeats: int, workloads=WORKLOADS) -> dict:
    t0 = time.perf_counter()
    import jax

    jax.block_until_ready(jax.jit(lambda x: x + 1)(1.0))  # backend start-up, charged to no row
    t1 = time.perf_counter()
    import snnlab  # noqa: F401

    import_ms = {"jax": (t1 - t0) * 1e3, "snnlab": (time.perf_counter() - t1) * 1e3}
    cases = [c for c in jax_cases() if c[0] in workloads]
    rows = {}
    failed = {}
    for w, impl, call, summary in cases:
        gc.collect()
        t = time.perf_counter()
        try:
            out = call()
        except Exception as err:  # reported in the table; the other rows still run
            failed[(w, impl)] = f"failed: {type(err).__name__}: {err}"[:200]
            continue
        first = (time.perf_counter() - t) * 1e3
        rows[(w, impl)] = {"first_ms": first, "runs_ms": [], "summary": summary and summary(out)}
        del out
    cases = [c for c in cases if c[:2] not in failed]
    from peers._timing import timed, warm_runs

    # Warm runs one workload at a time (so that W3's large buffers being freed do not land
    # in W1's timings), its rows interleaved (so that a change of load hits the floor and
    # snnlab alike); both methods, see bench/peers/_timing.py.
    for w in workloads:
        group = {(cw, impl): timed(call) for cw, impl, call, _ in cases if cw == w}
        for key, m in warm_runs(group, repeats).items():
            rows[key].update(
                runs_ms=m["runs_ms"],
                cpu_ms=m["cpu_ms"],
                gc_runs_ms=m["gc_runs_ms"],
                gc_cpu_ms=m["gc_cpu_ms"],
                batch=m["batch"],
            )
        del group
    dtype = "float64" if jax.config.jax_enable_x64 else "float32"
    result = []
    for (w, impl), r in rows.items():
        r.update(workload=w, impl=impl, dtype=dtype)
        medians(r)
        result.append(r)
    for (w, impl), msg in failed.items():
        result.append({"workload": w, "impl": impl, "dtype": dtype, "unavailable": msg})
    return {"dtype": dtype, "import_ms": import_ms, "rows": result, "versions": versions()}


def medians(r: dict) -> dict:
    """Fill a row's medians from its runs: `median_ms`/`cpu_median_ms` (timeit's
    convention, the judged figures) and `gc_median_ms`/`gc_cpu_median_ms` (a
    `gc.collect()` before each call, the older method)."""
    r["median_ms"] = statistics.median(r["runs_ms"])
    r["cpu_median_ms"] = statistics.median(r.pop("cpu_ms"))
    if r.get("gc_runs_ms"):
        r["gc_median_ms"] = statistics.median(r["gc_runs_ms"])
        r["gc_cpu_median_ms"] = statistics.median(r.pop("gc_cpu_ms"))
    return r


def worker_cache() -> dict:
    """First W3 result of a fresh process with the persistent compilation cache on."""
    t0 = time.perf_counter()
    import jax

    jax.config.update("jax_compilation_cache_dir", str(CACHE / "jax"))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", -1)
    import snnlab
    from snnlab.generators import BernoulliGenerator
    from snnlab.neurons import ExpLIF

    t1 = time.perf_counter()
    w = SPEC["W3"]
    model = ExpLIF(
        size=w["n"], tau=10.0, R=0.04, V_rest=-70.0, V_reset=-70.0, V_th=-55.0, tau_ref=2.0
    )
    gen = BernoulliGenerator(size=w["n"], prob=w["rate_Hz"] * w["dt_ms"] / 1000.0)
    res = snnlab.simulate(
        model,
        snnlab.Connection(gen, weight=w["weight_pA"]),
        duration=w["duration_ms"],
        dt=w["dt_ms"],
        record=["V"],
    )
    t2 = time.perf_counter()
    return {"import_s": t1 - t0, "first_s": t2 - t1, "spikes": int(res.spikes.sum())}


def versions() -> dict:
    import importlib.metadata as md

    out = {"python": sys.version.split()[0]}
    for name in ("snnlab", "jax", "jaxlib", "equinox", "diffrax", "numpy"):
        try:
            out[name] = md.version(name)
        except md.PackageNotFoundError:
            out[name] = "not installed"
    try:
        git = ["git", "-C", str(ROOT)]
        head = subprocess.run(
            [*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True
        )
        dirty = subprocess.run(
            [*git, "status", "--porcelain", "snnlab"], capture_output=True, text=True
        )
        out["commit"] = head.stdout.strip() + (
            " + uncommitted snnlab/ changes" if dirty.stdout.strip() else ""
        )
    except OSError:
        out["commit"] = "unknown"
    return out


# --------------------------------------------------------------------------------------
# Orchestration.
# --------------------------------------------------------------------------------------


def last_json(stdout: str):
    for line in reversed(stdout.strip().splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    raise ValueError("no JSON line in the output")


def reason(text: str, default: str) -> str:
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    errors = [ln for ln in lines if "error" in ln.lower() and not ln.startswith("WARNING")]
    return ((errors or lines or [default])[-1])[:200]


def run_worker(kind: str, args: list[str], env: dict | None = None, timeout: int = 1800):
    cmd = [sys.executable, str(BENCH / "run.py"), "--worker", kind, *args]
    full_env = dict(os.environ, **(env or {}))
    t = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, env=full_env, timeout=timeout)
    wall = time.perf_counter() - t
    if p.returncode != 0:
        raise RuntimeError(f"worker {kind} failed: {reason(p.stderr, 'no output')}")
    out = last_json(p.stdout)
    out["process_wall_s"] = wall
    return out


def ensure_env(name: str, requirements: list[str]) -> str | None:
    """Create bench/.envs/<name> with `requirements`; the python path, or None on failure
    (then the reason is in bench/.envs/<name>.log and in the returned status)."""
    env = ENVS / name
    marker = env / "bench-requirements.txt"
    python = env / "bin" / "python"
    wanted = "\n".join(requirements)
    if marker.exists() and marker.read_text() == wanted and python.exists():
        return None
    ENVS.mkdir(parents=True, exist_ok=True)
    log = ENVS / f"{name}.log"
    print(f"[bench] installing {name} into {env} ...", flush=True)
    with open(log, "w") as f:
        steps = [
            [sys.executable, "-m", "venv", "--clear", str(env)],
            [str(python), "-m", "pip", "install", "-q", *requirements],
        ]
        for cmd in steps:
            p = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT, timeout=1800)
            if p.returncode != 0:
                return f"unavailable: {reason(log.read_text(), 'install failed')}"
    marker.write_text(wanted)
    return None


def run_peers(repeats: int, quick: bool, only=None) -> list[dict]:
    rows = []
    for name, requirements, variants in PEERS:
        if only and name not in only:
            continue
        try:
            failure = ensure_env(name, requirements)
        except subprocess.TimeoutExpired:
            failure = "unavailable: installation timed out"
        for label, extra in variants:
            if quick and "--target" in extra and "numpy" in extra:
                continue
            dtype = "float64" if label != "BrainPy" or "--x64" in extra else "float32"
            if failure:
                rows += [peer_row(w, label, dtype, {"unavailable": failure}) for w in WORKLOADS]
                continue
            script = BENCH / "peers" / f"{name}_bench.py"
            cmd = [str(ENVS / name / "bin" / "python"), str(script), "--spec", json.dumps(SPEC)]
            cmd += ["--repeats", str(repeats), *extra]
            print(f"[bench] {label} {' '.join(extra)} ...", flush=True)
            try:
                p = subprocess.run(cmd, capture_output=True, text=True, timeout=1800, cwd=BENCH)
                out = last_json(p.stdout)
            except Exception as err:
                msg = f"unavailable: {type(err).__name__}: {reason(getattr(p, 'stderr', ''), '')}"
                rows += [peer_row(w, label, dtype, {"unavailable": msg}) for w in WORKLOADS]
                continue
            for w in WORKLOADS:
                r = out["results"].get(w, {"unavailable": "not run"})
                rows.append(peer_row(w, f"{label} {out['version']}", r.get("dtype", dtype), r))
    return rows


def peer_row(workload, impl, dtype, r):
    row = dict(r, workload=workload, impl=impl, dtype=dtype, peer=True)
    if "unavailable" in r and not str(r["unavailable"]).startswith("unavailable"):
        row["unavailable"] = f"unavailable: {r['unavailable']}"
    return row


def run_other_scripts(root: Path) -> list[tuple[str, str]]:
    """Run every bench/bench_*.py of the checkout `root` with that checkout first on the
    path; keep its output (the Markdown rows alone when it prints more than 60 lines)."""
    out = []
    path = os.pathsep.join(p for p in (str(root), os.environ.get("PYTHONPATH")) if p)
    env = dict(os.environ, PYTHONPATH=path)
    for script in sorted((root / "bench").glob("bench_*.py")):
        print(f"[bench] {script.name} ...", flush=True)
        try:
            p = subprocess.run(
                [sys.executable, str(script)],
                capture_output=True,
                text=True,
                timeout=900,
                cwd=root,
                env=env,
            )
            lines = [ln for ln in p.stdout.strip().splitlines()]
            if len(lines) > 60:
                lines = [ln for ln in lines if ln.lstrip().startswith("|")]
            if p.returncode != 0:
                text = f"failed (exit {p.returncode}): {reason(p.stderr, 'no output')}"
            elif lines:
                text = "\n".join(lines)
            else:
                text = "(printed nothing)"
        except subprocess.TimeoutExpired:
            text = "failed: timed out after 900 s"
        out.append((script.name, text))
    return out


def machine() -> dict:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu": model, "load": os.getloadavg()}


# --------------------------------------------------------------------------------------
# Report.
# --------------------------------------------------------------------------------------


def fmt(ms) -> str:
    if ms is None:
        return "-"
    if ms >= 100:
        return f"{ms:.0f}"
    if ms >= 1:
        return f"{ms:.2f}"
    return f"{ms:.3f}"


def report(args, rows, cache, others, mach_before, mach_after, jax_meta, started) -> str:
    ws = args.workloads
    partial = ws != WORKLOADS or args.section
    # the best floor: the faster of a workload's floors (W3: fold_in per step or keys split
    # once) in warm median, first call and CPU time each
    floors = [r for r in rows if r["impl"].startswith("floor") and "median_ms" in r]
    floor, first_floor, cpu_floor, gc_floor = {}, {}, {}, {}
    for r in floors:
        key = (r["workload"], r["dtype"])
        floor[key] = min(floor.get(key, float("inf")), r["median_ms"])
        if r.get("gc_median_ms") is not None:
            gc_floor[key] = min(gc_floor.get(key, float("inf")), r["gc_median_ms"])
        first_floor[key] = min(first_floor.get(key, float("inf")), r["first_ms"])
        cpu_floor[key] = min(cpu_floor.get(key, float("inf")), r["cpu_median_ms"])
    get = {(r["workload"], r["impl"], r["dtype"]): r for r in rows}
    v = jax_meta["versions"]
    if partial:
        head = [f"## Partial run: {', '.join(ws)}", "", PARTIAL_NOTE, ""]
        if args.peers and not args.no_peers:
            head += [f"Peers run here too (`--peers`): {', '.join(args.peers)}.", ""]
    else:
        head = ["# snnlab benchmark results", "", "Written by `bench/run.py`; do not edit by hand."]
        head.append("")
    h = "#" if partial else ""  # partial runs nest one heading level deeper
    lines = [
        *head,
        f"- command: `{' '.join(['python bench/run.py', *sys.argv[1:]])}` "
        f"({args.repeats} warm runs per row, median)",
        f"- date: {started:%Y-%m-%d %H:%M} UTC",
        f"- machine: {mach_before['nproc']} cores, {mach_before['cpu']}, no GPU; load average "
        f"(1, 5, 15 min) {fmt_load(mach_before['load'])} at the start, "
        f"{fmt_load(mach_after['load'])} at the end",
        f"- snnlab: git {v.get('commit', 'unknown')}",
        f"- versions: Python {v['python']}, snnlab {v['snnlab']}, jax {v['jax']}, "
        f"jaxlib {v['jaxlib']}, equinox {v['equinox']}, diffrax {v['diffrax']}, "
        f"numpy {v['numpy']}; peers as named in the rows",
        f"- imports: jax {jax_meta['import_ms']['jax']:.0f} ms (with backend start), "
        f"snnlab {jax_meta['import_ms']['snnlab']:.0f} ms",
        "",
        "Times in ms. Warm runs follow Python's timeit convention: one `gc.collect()` "
        "before each row's batch of calls, the garbage collector off during the batch, the "
        "calls back to back (3 to 20 per batch, about 20 ms, or 1 for a call of 50 ms or "
        "more; rows interleaved batch by batch); `warm median` and the targets use these "
        "runs, as a user's loop of calls runs. `after gc.collect()` is the older method "
        "(a full `gc.collect()` before every call, one call per row and round), kept so "
        "that older figures stay comparable: "
        "walking every object before each call evicts the CPU caches and lets XLA's threads "
        "fall asleep, which multiplies every microsecond of host code. "
        "`x floor` is the warm median over the best floor's (bench/floor.py: "
        "the faster of a workload's floors; W3 has one drawing with a fold_in per step and "
        "one with keys split once) of the same precision in this run. snnlab rows go through "
        "`snnlab.simulate` (validation, the jitted run, the numpy `Result`; W6 with "
        "`raster=False`, its counting mode); `run_stepped only` is the jitted core alone. "
        "First call = trace + compile + run in a fresh process (JAX backend already up). "
        "Brian2 and NEST compute in float64. The CPU median (process CPU time, all threads) "
        "is less disturbed by other processes on a shared machine than the wall-clock median; "
        "the targets are judged on the wall-clock medians.",
        "",
        f"{h}## Warm medians",
        "",
        "| implementation | dtype | " + " | ".join(ws) + " |",
        "|---|---|" + "---:|" * len(ws),
    ]
    impls = []
    for r in rows:
        if (r["impl"], r["dtype"]) not in impls:
            impls.append((r["impl"], r["dtype"]))
    for impl, dtype in impls:
        cells = []
        for w in ws:
            r = get.get((w, impl, dtype))
            if r is None:
                cells.append("")
            elif "unavailable" in r:
                cells.append(r["unavailable"])
            else:
                ratio = r["median_ms"] / floor[(w, dtype)] if (w, dtype) in floor else None
                cells.append(fmt(r["median_ms"]) + (f" ({ratio:.2f}x)" if ratio else ""))
        lines.append(f"| {impl} | {dtype} | " + " | ".join(cells) + " |")
    lines += ["", "Cells: warm median (x floor).", "", f"{h}## Per workload", ""]
    for w in ws:
        lines += [
            f"{h}### {TITLES[w]}",
            "",
            "| implementation | dtype | warm median | x floor | CPU median (x floor) "
            "| after gc.collect() (x floor) | first call | x floor's first | result | runs |",
            "|---|---|---:|---:|---:|---:|---:|---:|---|---|",
        ]
        for r in rows:
            if r["workload"] != w:
                continue
            if "unavailable" in r:
                lines.append(f"| {r['impl']} | {r['dtype']} | {r['unavailable']} | | | | | | | |")
                continue
            key = (w, r["dtype"])
            ratio = r["median_ms"] / floor[key] if key in floor else None
            fratio = r["first_ms"] / first_floor[key] if key in first_floor else None
            extra = []
            if r.get("compile_ms") is not None:
                extra.append(f"compile {fmt(r['compile_ms'])}")
            if r.get("setup_ms") is not None:
                extra.append(f"setup {fmt(r['setup_ms'])}")
            cpu = "-"
            if r.get("cpu_median_ms") is not None:
                cpu = fmt(r["cpu_median_ms"])
                if key in cpu_floor:
                    cpu += f" ({r['cpu_median_ms'] / cpu_floor[key]:.2f})"
            old = "-"
            if r.get("gc_median_ms") is not None:
                old = fmt(r["gc_median_ms"])
                if key in gc_floor:
                    old += f" ({r['gc_median_ms'] / gc_floor[key]:.2f})"
            runs = str(len(r["runs_ms"]))
            if r.get("gc_runs_ms"):
                runs += f" + {len(r['gc_runs_ms'])}"
            summary = "" if r.get("summary") is None else _summary(w, r["summary"])
            summary += f" ({', '.join(extra)})" if extra else ""
            lines.append(
                f"| {r['impl']} | {r['dtype']} | {fmt(r['median_ms'])} | "
                f"{'-' if ratio is None else f'{ratio:.2f}'} | {cpu} | {old} | "
                f"{fmt(r['first_ms'])} | {'-' if fratio is None else f'{fratio:.2f}'} | "
                f"{summary} | {runs} |"
            )
        lines.append("")
    lines += [
        "Result column: spike count (W1, W3, W6) or max V in mV (W2); for Brian2 `compile` is "
        "its first run minus its warm median (code generation, and for cython the C++ build "
        "into an empty cache); `setup` is building the network, outside the timed run. "
        "NEST's hh_psc_alpha integrates W2 with GSL's adaptive RKF45, not RK4; BrainPy's W3 "
        "applies its Expon synapse before the membrane update, so its spike count differs.",
    ]
    if partial:
        lines += ["", f"{h}## Targets", ""]
        lines += targets(rows, floor, first_floor, get, cache, cpu_floor, gc_floor)
        return "\n".join(lines).rstrip() + "\n"
    lines += [
        "",
        "## Persistent compilation cache",
        "",
        "A fresh process sets `jax_compilation_cache_dir` to bench/.cache/jax (emptied first) "
        "and asks for the W3 result; a second fresh process then does the same.",
        "",
        "| process | imports (s) | first W3 result after imports (s) | process wall (s) |",
        "|---|---:|---:|---:|",
    ]
    for label, c in cache:
        if "error" in c:
            lines.append(f"| {label} | {c['error']} | | |")
        else:
            lines.append(
                f"| {label} | {c['import_s']:.2f} | {c['first_s']:.2f} | "
                f"{c['process_wall_s']:.2f} |"
            )
    lines += ["", "## Targets", ""]
    lines += targets(rows, floor, first_floor, get, cache, cpu_floor, gc_floor)
    if others:
        where = args.others_root.resolve()
        lines += ["", OTHERS_HEADING, ""]
        if where != ROOT:
            lines += [f"Run from the checkout {where} (with its own snnlab).", ""]
        for name, text in others:
            lines += [f"### {name}", "", text, ""]
    return "\n".join(lines).rstrip() + "\n"


def _summary(w, s):
    return f"max V {s:.2f} mV" if w == "W2" else f"{s} spikes"


def fmt_load(load) -> str:
    return ", ".join(f"{x:.2f}" for x in load)


def targets(rows, floor, first_floor, get, cache, cpu_floor=None, gc_floor=None) -> list[str]:
    cpu_floor, gc_floor = cpu_floor or {}, gc_floor or {}
    out = [
        "Judged on the wall-clock medians of this run's timeit-style warm runs (the collector "
        "off, calls back to back: how a loop of calls runs); `CPU` gives the same ratio in "
        "process CPU time, the steadier figure when the machine is shared; `after "
        "gc.collect()` the ratio by the older method, for comparison with older figures.",
        "",
    ]

    def mark(ok):
        return "met" if ok else "**missed**"

    def cpu_ratio(a, b):
        if a and b and a.get("cpu_median_ms") and b.get("cpu_median_ms"):
            return f" (CPU {a['cpu_median_ms'] / b['cpu_median_ms']:.2f}x)"
        return ""

    for dtype in ("float32", "float64"):
        for w in WORKLOADS:
            for impl in ("snnlab", "snnlab, Poisson input"):
                r = get.get((w, impl, dtype))
                if r is None or "median_ms" not in r or (w, dtype) not in floor:
                    continue
                ratio = r["median_ms"] / floor[(w, dtype)]
                limit = FLOOR_TARGETS[w]
                cpu = ""
                if r.get("cpu_median_ms") and (w, dtype) in cpu_floor:
                    cpu = f" (CPU {r['cpu_median_ms'] / cpu_floor[(w, dtype)]:.2f}x"
                    if r.get("gc_median_ms") and (w, dtype) in gc_floor:
                        cpu += (
                            f", after gc.collect() {r['gc_median_ms'] / gc_floor[(w, dtype)]:.2f}x"
                        )
                    cpu += ")"
                out.append(
                    f"- {w} {dtype}: {impl} within {limit}x of the best floor: "
                    f"{ratio:.2f}x{cpu}, {mark(ratio <= limit)}"
                )
    for w in WORKLOADS:
        r = get.get((w, "snnlab", "float32"))
        peers = [p for p in rows if p.get("peer") and p["workload"] == w and "median_ms" in p]
        if r is None or not peers:
            continue
        best = min(peers, key=lambda p: p["median_ms"])
        ok = r["median_ms"] < best["median_ms"]
        out.append(
            f"- {w}: snnlab (float32, {fmt(r['median_ms'])} ms) faster than every peer "
            f"(fastest: {best['impl']} {best['dtype']}, {fmt(best['median_ms'])} ms): {mark(ok)}"
        )
    for w in WORKLOADS:
        a, b = get.get((w, "snnlab", "float32")), get.get((w, "snnlab", "float64"))
        if a and b:
            ratio = b["median_ms"] / a["median_ms"]
            cpu = cpu_ratio(b, a)
            ok = mark(ratio <= 1.5)
            out.append(f"- {w}: snnlab float64 within 1.5x of float32: {ratio:.2f}x{cpu}, {ok}")
    for dtype in ("float32", "float64"):
        for w in WORKLOADS:
            r = get.get((w, "snnlab", dtype))
            if r and (w, dtype) in first_floor:
                ratio = r["first_ms"] / first_floor[(w, dtype)]
                out.append(
                    f"- {w} {dtype}: first call within 2x of the floor's: {fmt(r['first_ms'])} vs "
                    f"{fmt(first_floor[(w, dtype)])} ms = {ratio:.2f}x, {mark(ratio <= 2.0)}"
                )
    warm = dict(cache).get("second process (cache filled)")
    if warm and "first_s" in warm:
        out.append(
            f"- persistent cache: a second process's first W3 result {warm['first_s']:.2f} s "
            f"after imports ({warm['import_s']:.2f} s of imports; target about 1 s, "
            f"<= {CACHE_TARGET_S} s): {mark(warm['first_s'] <= CACHE_TARGET_S)}"
        )
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="float32 only, no Brian2 numpy")
    parser.add_argument("--repeats", type=int, default=None, help="warm runs per row (>= 5)")
    parser.add_argument("--worker", choices=["jax", "cache"], help=argparse.SUPPRESS)
    parser.add_argument("--no-peers", action="store_true", help="snnlab and the floor only")
    parser.add_argument(
        "--peers",
        nargs="+",
        choices=[p[0] for p in PEERS],
        help="run only these peers (default: all; with --workloads or --section, none unless "
        "named here)",
    )
    parser.add_argument(
        "--section",
        action="store_true",
        help="snnlab and the floors only, written as their own section of bench/results.md "
        "(as --workloads does), even for all workloads",
    )
    parser.add_argument(
        "--no-others", action="store_true", help="do not run the other bench/bench_*.py scripts"
    )
    parser.add_argument(
        "--workloads",
        nargs="+",
        choices=WORKLOADS,
        default=list(WORKLOADS),
        help="run only these (snnlab and the floor, no peers, cache or other scripts); "
        "their section of bench/results.md is written, the rest of the file is kept",
    )
    parser.add_argument(
        "--others-root",
        type=Path,
        default=ROOT,
        help="checkout whose bench/bench_*.py scripts to run (default: this one)",
    )
    args = parser.parse_args()
    args.workloads = tuple(w for w in WORKLOADS if w in args.workloads)
    partial = args.workloads != WORKLOADS or args.section
    if args.repeats is None:
        args.repeats = 5 if args.quick else 9
    if args.worker:
        # This checkout's snnlab and floor.py, whatever an installed snnlab points at.
        sys.path[:0] = [str(ROOT), str(BENCH)]
        out = worker_jax(args.repeats, args.workloads) if args.worker == "jax" else worker_cache()
        print(json.dumps(out))
        return

    started = datetime.datetime.now(datetime.UTC)
    mach_before = machine()
    print(f"[bench] load average {fmt_load(mach_before['load'])}", flush=True)
    rows = []
    dtypes = ("float32",) if args.quick else ("float32", "float64")
    jax_meta = None
    for dtype in dtypes:
        print(f"[bench] snnlab and floor, {dtype} ...", flush=True)
        env = {"JAX_ENABLE_X64": "1" if dtype == "float64" else "0"}
        worker_args = ["--repeats", str(args.repeats), "--workloads", *args.workloads]
        out = run_worker("jax", worker_args, env)
        jax_meta = jax_meta or out
        rows += out["rows"]
    if partial:
        if args.peers and not args.no_peers:
            rows += run_peers(max(args.repeats, 5), args.quick, args.peers)
            order = {w: i for i, w in enumerate(WORKLOADS)}
            rows.sort(key=lambda r: (order[r["workload"]], bool(r.get("peer"))))
        write_partial(args, rows, mach_before, jax_meta, started)
        return
    print("[bench] persistent compilation cache ...", flush=True)
    shutil.rmtree(CACHE / "jax", ignore_errors=True)
    cache = []
    for label in ("first process (cache empty)", "second process (cache filled)"):
        try:
            cache.append((label, run_worker("cache", [], {"JAX_ENABLE_X64": "0"})))
        except Exception as err:
            cache.append((label, {"error": str(err)[:200]}))
    if not args.no_peers:
        rows += run_peers(max(args.repeats, 5), args.quick, args.peers)
    others = [] if args.quick or args.no_others else run_other_scripts(args.others_root.resolve())
    results = BENCH / "results.md"
    old = results.read_text() if results.exists() else ""
    kept_others = None
    if args.no_others and not args.quick and OTHERS_HEADING in old:
        # keep the previous full run's section rather than lose it
        kept_others = old.split(OTHERS_HEADING, 1)[1].split("<!--", 1)[0].strip("\n")
        note = "Not rerun by this run (`--no-others`): kept from the previous full run"
        if not kept_others.startswith(note):
            date = re.search(r"^- date: (.*)$", old.split(OTHERS_HEADING, 1)[0], re.M)
            kept_others = f"{note} ({date.group(1) if date else 'date unknown'}).\n\n" + (
                kept_others
            )
    order = {w: i for i, w in enumerate(WORKLOADS)}
    rows.sort(key=lambda r: (order[r["workload"]], bool(r.get("peer"))))
    text = report(args, rows, cache, others, mach_before, machine(), jax_meta, started)
    if kept_others:
        text = text.rstrip("\n") + "\n\n" + OTHERS_HEADING + "\n\n" + kept_others + "\n"
    # keep the sections the other benches write between their own markers (load_test,
    # bench_loop --browser, bench_explorer_cpu, ...); run.py's partial sections are superseded
    for tag, body in re.findall(r"<!-- ([^:>]+): begin(.*?)<!-- \1: end -->", old, re.S):
        if not tag.startswith("run.py"):
            section = f"<!-- {tag}: begin{body}<!-- {tag}: end -->"
            text = text.rstrip("\n") + "\n\n" + section + "\n"
    results.write_text(text)
    print(text)


def write_partial(args, rows, mach_before, jax_meta, started) -> None:
    """Put a run of selected workloads into its own marked section of bench/results.md (one
    section per set of workloads, replaced by the next such run); the rest is kept."""
    text = report(args, rows, [], [], mach_before, machine(), jax_meta, started)
    results = BENCH / "results.md"
    old = results.read_text() if results.exists() else "# snnlab benchmark results\n"
    tag = " ".join(args.workloads) + (" section" if args.section else "")
    begin, end = f"<!-- run.py partial {tag}: begin -->", f"<!-- run.py partial {tag}: end -->"
    section = f"{begin}\n{text.rstrip()}\n{end}"
    if begin in old and end in old:
        before, rest = old.split(begin, 1)
        new = before + section + rest.split(end, 1)[1]
    else:
        # before the load test's section, if there is one
        mark = "<!-- load_test: begin"
        before, sep, after = old.partition(mark)
        new = before.rstrip("\n") + "\n\n" + section + "\n\n" + sep + after
    results.write_text(new.rstrip("\n") + "\n")
    print(text)


if __name__ == "__main__":
    main()
