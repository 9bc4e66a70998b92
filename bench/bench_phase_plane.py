"""Phase-plane lab: slider move to new data, in-process (server side) and in a browser.

Server side: builds `PhasePlaneApp` with its Bokeh models (as a served page would), moves
the input current `I_e` like a slider drag and times each redraw from the parameter change
to the updated Bokeh data sources (analysis + figure update; no browser).

Browser (--browser): serves the app on 127.0.0.1 (Panel, threaded, in this process),
headless chromium presses the arrow key on the `I_e` slider and measures, in the page, from
the slider's value change to the first change of a plotted data source; with
`--trajectories N` it first clicks N starting points on the plane (their re-runs are the
slow layers of every move). A move with no new data within 5 s counts as missed.

Prints one Markdown row per measurement (p50, p95 in ms); writes no file.

    python bench/bench_phase_plane.py [--moves 40] [--browser] [--trajectories 20]
"""

from __future__ import annotations

import argparse
import os
import time

import jax
import numpy as np
import panel as pn

from snnlab.app._phase_plane import PhasePlaneApp

GRID = 40

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]

# records the time of the I_e slider's value change and of the next data change
PROBE_JS = """() => {
  window.__lat = []; window.__t0 = null;
  const hit = () => {
    if (window.__t0 === null) return;
    window.__lat.push(performance.now() - window.__t0);
    window.__t0 = null;
  };
  let sliders = 0;
  for (const doc of Bokeh.documents) for (const m of doc.all_models) {
    if (String(m.type).endsWith("Slider") && String(m.title || "").startsWith("I_e")) {
      m.properties.value.change.connect(() => { window.__t0 = performance.now(); });
      sliders++;
    }
    if (m.data !== undefined && m.properties.data) {
      m.properties.data.change.connect(hit);
      m.change.connect(hit);
      if (m.streaming) m.streaming.connect(hit);
      if (m.patching) m.patching.connect(hit);
    }
  }
  return sliders;
}"""

FRAME_JS = """() => {
  const out = [];
  function walk(v) {
    if (!v) return;
    if (v.frame && v.model.title && String(v.model.title.text).includes("plane")) {
      const r = v.canvas_view.el.getBoundingClientRect(), b = v.frame.bbox;
      out.push({left: r.left + b.left, top: r.top + b.top, width: b.width, height: b.height});
    }
    for (const c of (v.child_views || [])) walk(c);
  }
  for (const r of (Bokeh.index.roots || [...Bokeh.index])) walk(r);
  return out[0] || null;
}"""


def server_side(model: str, moves: int) -> tuple[float, float, float]:
    app = PhasePlaneApp(model=model, grid=GRID, arrows=20)
    pn.panel(app).get_root()
    p = app.params_of()
    lo, hi = p.param.I_e.softbounds
    values = np.linspace(lo, hi, moves + 1)
    p.I_e = float(values[0])  # compile
    wall, inner = [], []
    for v in values[1:]:
        t0 = time.perf_counter()
        p.I_e = float(v)
        wall.append((time.perf_counter() - t0) * 1e3)
        inner.append(app.last_redraw_ms)
    return np.median(wall), np.percentile(wall, 95), np.median(inner)


def browser(model: str, moves: int, n_traj: int):
    from playwright.sync_api import sync_playwright

    import snnlab
    from snnlab.app._page import framed

    with __import__("socket").socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    snnlab.extension(warn=False)
    server = pn.serve(
        {"phase_plane": lambda: framed(PhasePlaneApp(model=model, grid=GRID), "Phase", "")},
        port=port,
        address="127.0.0.1",
        show=False,
        threaded=True,
        websocket_origin=[f"127.0.0.1:{port}"],
    )
    lat, missed = [], 0
    try:
        with sync_playwright() as pw:
            b = pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            page = b.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"http://127.0.0.1:{port}/phase_plane", timeout=180_000)
            page.wait_for_function(
                "() => window.Bokeh && Bokeh.documents.length > 0", timeout=180_000
            )
            page.wait_for_function(FRAME_JS, timeout=180_000)
            page.wait_for_timeout(3000)
            f = page.evaluate(FRAME_JS)
            rng = np.random.default_rng(0)
            for _ in range(n_traj):
                fx, fy = rng.uniform(0.05, 0.95, 2)
                page.mouse.click(f["left"] + fx * f["width"], f["top"] + fy * f["height"])
                page.wait_for_timeout(150)
            page.wait_for_timeout(3000 + 200 * n_traj)
            assert page.evaluate(PROBE_JS) >= 1, "no I_e slider found"
            titles = page.locator(".bk-slider-title").all_inner_texts()
            idx = next(i for i, t in enumerate(titles) if t.startswith("I_e"))
            handle = page.locator(".noUi-handle").nth(idx)
            handle.focus()
            for k in range(moves):
                n = page.evaluate("() => window.__lat.length")
                page.keyboard.press("ArrowRight" if (k // 10) % 2 == 0 else "ArrowLeft")
                try:
                    page.wait_for_function(f"() => window.__lat.length > {n}", timeout=5000)
                except Exception:  # noqa: BLE001 - a missed move is counted, not fatal
                    missed += 1
                    page.evaluate("() => { window.__t0 = null; }")
                page.wait_for_timeout(250)  # the slow layers of this move land
            lat = page.evaluate("() => window.__lat")
            b.close()
    finally:
        server.stop()
    return np.percentile(lat, 50), np.percentile(lat, 95), missed


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--moves", type=int, default=40)
    parser.add_argument("--browser", action="store_true", help="measure in headless chromium")
    parser.add_argument("--trajectories", type=int, default=0, help="starts clicked first")
    parser.add_argument("--models", default="MorrisLecar,FitzHughNagumo")
    args = parser.parse_args()
    device = jax.devices()[0].device_kind
    load = os.getloadavg()[0]
    print("| benchmark | grid | p50 (ms) | p95 (ms) | note | device | load |")
    print("|---|---|---|---|---|---|---|")
    for model in args.models.split(","):
        if args.browser:
            p50, p95, missed = browser(model, args.moves, args.trajectories)
            what = f"phase plane {model}, browser, {args.trajectories} trajectories"
            note = f"{missed} of {args.moves} moves missed"
        else:
            p50, p95, inner = server_side(model, args.moves)
            what = f"phase plane {model}, server side (I_e drag)"
            note = f"analysis p50 {inner:.1f} ms"
        print(
            f"| {what} | {GRID}x{GRID} | {p50:.1f} | {p95:.1f} | {note} | {device} | {load:.1f} |"
        )


if __name__ == "__main__":
    main()
