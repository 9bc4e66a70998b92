"""Slider-to-data latency of the Explorer, server side and (with --browser) end to end.

Server side: a parameter is set on the Explorer's params object (what a slider move
does) and the time until the new data sits in the Bokeh document's data source is
measured, over N moves, for

- W1: 1 LIF, 1000 ms, dt 0.1 (trace);
- W2: 1 HH, 200 ms, dt 0.01, rk4 (trace);
- W3: 1000 ExpLIF with Poisson input, 1000 ms, dt 0.1 (raster).

Browser mode (--browser): every app is served on 127.0.0.1 and headless chromium moves
its first slider at default settings; the time from the slider's value change to the
first change of a plotted data source in the page is measured (see browser_loop.py).
Prints Markdown rows; with --write, also puts the browser rows, the command, the date,
the machine and its load into their own section of bench/results.md.

    python bench/bench_loop.py [--moves 50] [--only W1 W2 W3]
    python bench/bench_loop.py --browser [--moves 25] [--apps explorer ...] [--write]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

WORKLOADS = {
    "W1": dict(
        model="LIF",
        inputs=["DCGenerator"],
        duration=1000.0,
        dt=0.1,
        size=1,
        slider=("LIF", "I_e", 0.0, 5.0),
    ),
    "W2": dict(
        model="HH",
        inputs=["DCGenerator"],
        duration=200.0,
        dt=0.01,
        size=1,
        method="rk4",
        slider=("HH", "I_e", 0.0, 5.0),
    ),
    "W3": dict(
        model="ExpLIF",
        inputs=["PoissonGenerator"],
        duration=1000.0,
        dt=0.1,
        size=1000,
        weight=100.0,
        slider=("ExpLIF", "tau", 10.0, 0.05),
    ),
}


def _explorer(spec):
    import panel as pn

    from snnlab.app import Explorer

    settings = {k: v for k, v in spec.items() if k != "slider"}
    e = Explorer(sync_url=False, **settings)
    e.root = pn.panel(e).get_root()
    return e


def server_side(name, spec, moves):
    """p50/p95 (ms) from a parameter set to new data in the Bokeh source."""
    e = _explorer(spec)
    model, pname, start, step = spec["slider"]
    obj = e.neuron_params[model]
    view = e.raster_view if spec["size"] > 1 else e.voltage_view  # snnlab/app/_live.py

    def fingerprint():
        out = []
        for src in view.sources.values():
            out.append(sum(len(v) for v in src.data.values()))
            out.append(tuple(np.asarray(v)[:3].tobytes() for v in src.data.values()))
        return out

    setattr(obj, pname, start)  # warm up: compile once
    times = []
    for k in range(moves):
        before = fingerprint()
        t0 = time.perf_counter()
        setattr(obj, pname, start + step * (k + 1))
        after = fingerprint()
        times.append((time.perf_counter() - t0) * 1e3)
        if after == before and e.message:
            raise RuntimeError(e.message)
    return np.percentile(times, [50, 95])


def _write_section(rows, command: str, load_before: str, load_after: str) -> None:
    """Replace (or append) the browser-mode section of bench/results.md."""
    import datetime
    import platform
    from pathlib import Path

    import browser_loop

    path = Path(__file__).with_name("results.md")
    begin, end = "<!-- bench_loop.py --browser: begin -->", "<!-- bench_loop.py --browser: end -->"
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    cpu = platform.processor() or platform.machine()
    lines = [
        begin,
        "## Slider to data in the browser (bench/bench_loop.py --browser)",
        "",
        f"Command: `{command}`; {now}; {os.cpu_count()} CPUs ({cpu}), headless Debian "
        "chromium through Playwright. The machine is shared with other developers' jobs, "
        f"so these figures are noisy: `uptime` load before `{load_before}`, after "
        f"`{load_after}`. Moves without an update (within the wait) are left out of "
        "the percentiles.",
        "",
        *browser_loop.HEADER,
        *(r.markdown() for r in rows),
        end,
    ]
    text = path.read_text() if path.exists() else ""
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        text = head + "\n".join(lines) + rest.split(end, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + "\n".join(lines) + "\n"
    path.write_text(text)


def _load() -> str:
    return os.popen("uptime").read().strip().split("load average:")[-1].strip()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=None, help="moves per workload or app")
    parser.add_argument("--browser", action="store_true", help="every app, in chromium")
    parser.add_argument("--only", nargs="*", default=list(WORKLOADS), help="server-side workloads")
    parser.add_argument("--apps", nargs="*", default=None, help="browser mode: these apps only")
    parser.add_argument("--wait", type=float, default=5.0, help="browser mode: s before no update")
    parser.add_argument("--write", action="store_true", help="browser mode: into results.md")
    args = parser.parse_args()
    if args.browser:
        import browser_loop

        load_before = _load()
        rows = browser_loop.run(args.moves or 25, args.wait, args.apps)
        if args.write:
            command = "python " + " ".join(["bench/bench_loop.py", *sys.argv[1:]])
            _write_section(rows, command, load_before, _load())
        return
    moves = args.moves or 50
    print("| workload | measurement | p50 (ms) | p95 (ms) | moves |")
    print("|---|---|---|---|---|")
    for name in args.only:
        p50, p95 = server_side(name, WORKLOADS[name], moves)
        print(f"| {name} | server side | {p50:.1f} | {p95:.1f} | {moves} |", flush=True)


if __name__ == "__main__":
    main()
