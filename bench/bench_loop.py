"""Slider-to-data latency of the Explorer, server side and (with --browser) end to end.

Server side: a parameter is set on the Explorer's params object (what a slider move
does) and the time until the new data sits in the Bokeh document's data source is
measured, over N moves, for

- W1: 1 LIF, 1000 ms, dt 0.1 (trace);
- W2: 1 HH, 200 ms, dt 0.01, rk4 (trace);
- W3: 1000 ExpLIF with Poisson input, 1000 ms, dt 0.1 (raster).

End to end (--browser): the Explorer is served on 127.0.0.1, headless chromium presses
an arrow key on the slider and the time until new glyph data arrive in the page is
measured. Prints one Markdown row per workload and measurement; writes no file.

    python bench/bench_loop.py [--moves 50] [--browser]
"""

from __future__ import annotations

import argparse
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


def end_to_end(name, spec, moves):
    """p50/p95 (ms) from a key press on the slider to new glyph data in the page."""
    import socket
    import threading

    import panel as pn
    from playwright.sync_api import sync_playwright

    import snnlab

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    snnlab.extension(warn=False)
    holder = {}

    def app():
        holder["e"] = _explorer(spec)
        return holder["e"]

    server = pn.serve(
        {"explorer": app},
        port=port,
        address="127.0.0.1",
        show=False,
        threaded=True,
        websocket_origin=[f"127.0.0.1:{port}"],
    )
    del threading
    fp_js = """() => { let s = 0; for (const doc of Bokeh.documents) for (const m of doc.all_models)
      if (m.data) for (const k of Object.keys(m.data)) { const v = m.data[k];
        if (v && v.length > 10 && typeof v[0] === 'number')
          s += v[1] + v[v.length - 1] + v.length; }
      return s; }"""
    model, pname, _, _ = spec["slider"]
    args = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
    ]
    times = []
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=args)
        page = b.new_page()
        page.goto(f"http://127.0.0.1:{port}/explorer")
        page.wait_for_function("() => window.Bokeh && Bokeh.documents.length > 0", timeout=60000)
        page.wait_for_timeout(3000)
        titles = page.locator(".bk-slider-title").all_inner_texts()
        idx = next(i for i, t in enumerate(titles) if t.startswith(pname + " "))
        handle = page.locator(".noUi-handle").nth(idx)
        handle.focus()
        for _ in range(moves):
            before = page.evaluate(fp_js)
            t0 = time.perf_counter()
            page.keyboard.press("ArrowRight")
            page.wait_for_function(f"() => ({fp_js})() !== {before}", timeout=30000, polling="raf")
            times.append((time.perf_counter() - t0) * 1e3)
        b.close()
    server.stop()
    return np.percentile(times, [50, 95])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=50)
    parser.add_argument("--browser", action="store_true", help="also measure end to end")
    parser.add_argument("--only", nargs="*", default=list(WORKLOADS))
    args = parser.parse_args()
    print("| workload | measurement | p50 (ms) | p95 (ms) | moves |")
    print("|---|---|---|---|---|")
    for name in args.only:
        spec = WORKLOADS[name]
        p50, p95 = server_side(name, spec, args.moves)
        print(f"| {name} | server side | {p50:.1f} | {p95:.1f} | {args.moves} |", flush=True)
        if args.browser and name != "W3":
            p50, p95 = end_to_end(name, spec, args.moves)
            print(f"| {name} | end to end | {p50:.1f} | {p95:.1f} | {args.moves} |", flush=True)


if __name__ == "__main__":
    main()
