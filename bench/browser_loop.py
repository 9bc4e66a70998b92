"""Slider-to-data latency of every app in headless chromium (`bench_loop.py --browser`).

All apps are served by `snnlab serve` on a free 127.0.0.1 port; for each app a fresh page
loads it at its default settings, waits until it has settled, and then moves one slider
(`Case.slider`: the first in layout order that changes a value, not a shape) one step
at a time. The time is taken inside
the page: from setting the slider's value (what a drag does; the change goes to the
server) to the first change of the data of a plotted Bokeh source (a source of a glyph
renderer, or a renderer given a new source), as BokehJS applies the server's message,
before it paints. A move with no such change within `--wait` seconds counts as "no
update" and is left out of the percentiles. After each move the page is left until no
message has arrived for `QUIET_S`, so that the tail of one move never counts for the next.

The phase plane is measured at a 40x40 grid, empty and with 20 trajectories drawn (20
clicks on the plane before the moves).
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
import browser_support as bs  # noqa: E402  (the browser tests' chromium, flags, server)

QUIET_S = 0.4
"""Seconds without a message from the server before the next move."""


@dataclass
class Case:
    """One measured page: an app, the widgets set before the moves, clicks on the plane."""

    app: str
    target_ms: float
    """The issue's target for the p95 (ms)."""
    setup: dict = field(default_factory=dict)
    """Widget title -> value, set (and settled) before the moves."""
    clicks: int = 0
    """Points clicked on the plot with a tap tool before the moves (trajectories)."""
    slider: str = ""
    """Title prefix of the slider moved: the first one in layout order that has it."""

    @property
    def label(self) -> str:
        extra = [f"{k.split(' ')[0]} {v}" for k, v in self.setup.items()]
        if self.clicks:
            extra.append(f"{self.clicks} trajectories")
        return self.app + (f" ({', '.join(extra)})" if extra else "")


GRID = {"grid (points per axis)": 40}
CASES = [
    Case("explorer", 30.0, slider="I_e (pA)"),
    Case("sensitivity", 30.0, slider="I (pA)"),
    Case("inputs_lab", 60.0, slider="weight (mV or pA)"),
    Case("dynapse_lab", 60.0, slider="Idc (A)"),
    Case("event_vs_clock", 60.0, slider="current (pA)"),
    Case("phase_plane", 60.0, setup=GRID, slider="I_e (pA)"),
    Case("phase_plane", 60.0, setup=GRID, clicks=20, slider="I_e (pA)"),
]
"""The slider of each app is its first one that changes a value, not an array's shape
(duration, dt and counts come first in some apps; they recompile, which is another
target): the model's current, or the input's weight."""

FIRST_SLIDER_JS = """(prefix) => {
  // the first enabled slider in layout order (a depth-first walk of the views) whose title
  // starts with `prefix`
  const seen = new Set();
  function walk(v) {
    if (!v || seen.has(v)) return null;
    seen.add(v);
    const m = v.model;
    if (m && String(m.type).endsWith("Slider") && !m.disabled && m.visible !== false
        && typeof m.value === "number" && String(m.title).startsWith(prefix)) return v;
    for (const c of (v.child_views || [])) { const f = walk(c); if (f) return f; }
    return null;
  }
  let roots = [];
  try { roots = Bokeh.index.roots || [...Bokeh.index]; } catch (e) { roots = []; }
  for (const r of roots) { const f = walk(r); if (f) {
    window.__bench_slider = f.model;
    return {title: String(f.model.title), value: f.model.value, start: f.model.start,
            end: f.model.end, step: f.model.step};
  } }
  return null;
}"""

MOVE_JS = """async ([value, waitMs, quietMs]) => {
  // set the slider to `value`; resolve with [ms to the first plotted data change or null,
  // data changes seen] once the server has been quiet for quietMs
  const slider = window.__bench_slider;
  const docs = [...Bokeh.documents];
  function plotted() {
    const ids = new Set();
    for (const d of docs) for (const m of d.all_models)
      if (m.data_source && m.glyph) ids.add(m.data_source.id);
    return ids;
  }
  let ids = plotted();
  const DATA = new Set(["ColumnsStreamed", "ColumnsPatched", "ColumnDataChanged"]);
  function isData(ev) {
    const m = ev.model;
    if (!m) return false;
    if (ev.kind === "ModelChanged" && ev.attr === "data_source") return true;
    if (!(DATA.has(ev.kind) || (ev.kind === "ModelChanged" && ev.attr === "data"))) return false;
    if (ids.has(m.id)) return true;
    ids = plotted();  // a source that appeared with this message
    return ids.has(m.id);
  }
  return await new Promise((resolve) => {
    let t0 = null, first = null, n = 0, last = performance.now(), timer = null;
    const cb = (ev) => {
      if (t0 === null || ev.sync !== false) return;  // only what the server sent
      last = performance.now();
      if (isData(ev)) { n += 1; if (first === null) first = last - t0; }
    };
    for (const d of docs) d.on_change(cb);
    function finish() {
      for (const d of docs) d.remove_on_change(cb);
      clearInterval(timer);
      resolve([first, n]);
    }
    timer = setInterval(() => {
      const now = performance.now();
      if (first !== null && now - last >= quietMs) finish();
      else if (first === null && now - t0 >= waitMs) finish();
    }, 20);
    t0 = performance.now();
    slider.value = value;
  });
}"""

PLANE_BOX_JS = """() => {
  // page coordinates of the frame of the first plot that takes taps (a tap event or tool)
  const seen = new Set();
  function walk(v) {
    if (!v || seen.has(v)) return null;
    seen.add(v);
    const m = v.model;
    const events = m && m.subscribed_events ? [...m.subscribed_events] : [];
    const tools = m && m.toolbar ? m.toolbar.tools : [];
    if (v.frame && (events.includes("tap") || tools.some((t) => String(t.type).includes("Tap")))) {
      const r = v.canvas_view ? v.canvas_view.el.getBoundingClientRect()
                              : v.el.getBoundingClientRect();
      const f = v.frame.bbox;
      return {x: r.left + f.left, y: r.top + f.top, w: f.width, h: f.height};
    }
    for (const c of (v.child_views || [])) { const f = walk(c); if (f) return f; }
    return null;
  }
  let roots = [];
  try { roots = Bokeh.index.roots || [...Bokeh.index]; } catch (e) { roots = []; }
  for (const r of roots) { const f = walk(r); if (f) return f; }
  return null;
}"""


@dataclass
class Row:
    """What one case measured."""

    case: Case
    slider: str
    moves: int
    times_ms: list[float]
    no_update: int

    def percentiles(self) -> tuple[float, float]:
        if not self.times_ms:
            return float("nan"), float("nan")
        p50, p95 = np.percentile(self.times_ms, [50, 95])
        return float(p50), float(p95)

    def markdown(self) -> str:
        p50, p95 = self.percentiles()
        met = self.no_update == 0 and p95 <= self.case.target_ms
        return (
            f"| {self.case.label} | {self.slider} | {p50:.0f} | {p95:.0f} | "
            f"{self.no_update} of {self.moves} | {self.case.target_ms:.0f} | "
            f"{'yes' if met else 'no'} |"
        )


HEADER = [
    "| app | first slider | p50 (ms) | p95 (ms) | moves without update | p95 target (ms) | met |",
    "|---|---|---|---|---|---|---|",
]


def _values(info: dict, moves: int) -> list[float]:
    """`moves` slider values stepping right from the default, back left at the end."""
    step = info["step"] or (info["end"] - info["start"]) / 100
    out, v, sign = [], info["value"], 1.0
    for _ in range(moves):
        if not info["start"] <= v + sign * step <= info["end"]:
            sign = -sign
        v = v + sign * step
        out.append(round(v, 12))
    return out


def _click_plane(page, clicks: int) -> None:
    box = page.evaluate(PLANE_BOX_JS)
    if box is None:
        raise RuntimeError("no plot that takes taps in the page")
    rng = np.random.default_rng(0)
    for fx, fy in rng.uniform(0.1, 0.9, size=(clicks, 2)):
        page.mouse.click(box["x"] + fx * box["w"], box["y"] + fy * box["h"])
        page.wait_for_timeout(100)


def measure(browser, url: str, case: Case, moves: int, wait_s: float) -> Row:
    """Load `case.app` in a fresh page and time `moves` slider moves."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    watch = bs.Watch(page, url)
    try:
        page.goto(f"{url}/{case.app}", timeout=180_000)
        bs.settle(page, timeout=180)
        for title, value in case.setup.items():
            bs.set_widget(page, title, value)
            bs.settle(page, timeout=180)
        if case.clicks:
            watch.mark()
            _click_plane(page, case.clicks)
            bs.settle(page, timeout=180)
        info = page.evaluate(FIRST_SLIDER_JS, case.slider)
        if info is None:
            raise RuntimeError(f"{case.app}: no enabled slider in the page")
        # one move first, not timed: the first run of a new value may compile
        page.evaluate(MOVE_JS, [info["value"], wait_s * 1e3, QUIET_S * 1e3])
        times, missing = [], 0
        for value in _values(info, moves):
            first, _ = page.evaluate(MOVE_JS, [value, wait_s * 1e3, QUIET_S * 1e3])
            if first is None:
                missing += 1
            else:
                times.append(first)
        errors = watch.take()
        if errors:
            print(f"<!-- {case.label}: page errors: {errors[:3]} -->", file=sys.stderr)
        return Row(case, info["title"], moves, times, missing)
    finally:
        page.close()


def run(moves: int = 25, wait_s: float = 5.0, only: list[str] | None = None) -> list[Row]:
    """Serve the apps, measure every case (or those whose app is in `only`), print rows."""
    from playwright.sync_api import sync_playwright

    cases = [c for c in CASES if not only or c.app in only]
    rows = []
    print(*HEADER, sep="\n", flush=True)
    with bs.snnlab_server(timeout=180) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=bs.executable(), args=bs.ARGS)
        try:
            for case in cases:
                t = time.monotonic()
                try:
                    row = measure(browser, url, case, moves, wait_s)
                except Exception as err:  # noqa: BLE001 - one app's failure is a row
                    print(f"| {case.label} | failed: {err} | | | | | no |", flush=True)
                    continue
                rows.append(row)
                print(row.markdown(), flush=True)
                print(f"<!-- {case.label}: {time.monotonic() - t:.0f} s -->", file=sys.stderr)
        finally:
            browser.close()
    return rows
