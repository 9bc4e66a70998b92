"""The phase-plane lab in a real browser: Playwright driving Debian's headless chromium.

Serves apps/phase_plane.py on a free 127.0.0.1 port, clicks the plane and checks that a
trajectory starting at the clicked point (in data coordinates) appears, then moves the
current slider with the keyboard and checks that the V-nullcline moves.
"""

import os
import time
from pathlib import Path

import pytest
from browser_support import ARGS, browser_marks, executable, snnlab_server

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytestmark = browser_marks(300)

# the plane's frame in page pixels and its data ranges (the plot titled "<model>: ...")
FRAME_JS = """() => {
  const seen = new Set(), out = [];
  function walk(v) {
    if (!v || seen.has(v)) return;
    seen.add(v);
    if (v.frame && v.model.title && String(v.model.title.text).includes("plane")) {
      const r = v.canvas_view.el.getBoundingClientRect(), b = v.frame.bbox;
      out.push({left: r.left + b.left, top: r.top + b.top, width: b.width, height: b.height,
                x0: v.frame.x_range.start, x1: v.frame.x_range.end,
                y0: v.frame.y_range.start, y1: v.frame.y_range.end});
    }
    for (const c of (v.child_views || [])) walk(c);
  }
  let roots = [];
  try { roots = Bokeh.index.roots || [...Bokeh.index]; } catch (e) { roots = []; }
  for (const r of roots) walk(r);
  return out[0] || null;
}"""

# first points of the trajectory paths, and the V-nullcline's points
SOURCES_JS = """() => {
  const out = {starts: [], nullcline: null};
  for (const doc of Bokeh.documents) for (const m of doc.all_models) {
    if (!m.data) continue;
    if ((m.data.traj || m.data.color) && m.data.xs)
      for (let i = 0; i < m.data.xs.length; i++)
        if (Number.isFinite(m.data.xs[i][0])) out.starts.push([m.data.xs[i][0], m.data.ys[i][0]]);
  }
  return out;
}"""


# points per trajectory line in the page (one line per trajectory)
PATH_LENGTHS_JS = """() => {
  const out = [];
  for (const doc of Bokeh.documents) for (const m of doc.all_models)
    if (m.data && (m.data.traj || m.data.color) && m.data.xs)
      for (const xs of m.data.xs) out.push(xs.length);
  return out;
}"""


@pytest.fixture(scope="module")
def server():
    with snnlab_server(timeout=120) as url:
        yield url


@pytest.fixture(scope="module")
def page(server, tmp_path_factory):
    with sync_api.sync_playwright() as p:
        exe = executable()
        browser = p.chromium.launch(executable_path=exe, args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        errors: list[str] = []
        # offline machines cannot fetch CDN extras (fonts, icons): not an app error
        page.on(
            "console",
            lambda m: (
                errors.append(m.text)
                if m.type == "error" and "Failed to load resource" not in m.text
                else None
            ),
        )
        page.on("pageerror", lambda e: errors.append(str(e)))
        # the page arrives once its session (the app, compiled) is built: slow on a busy machine
        page.goto(server + "/phase_plane", wait_until="commit", timeout=180_000)
        page.errors = errors
        _until(page, lambda: page.evaluate("() => !!window.Bokeh") and page.evaluate(FRAME_JS))
        yield page
        folder = os.environ.get("SNNLAB_TEST_ARTIFACTS") or tmp_path_factory.mktemp("pp")
        page.screenshot(path=str(Path(folder) / "phase_plane.png"), full_page=True)
        browser.close()


def _until(page, check, timeout=120.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        page.wait_for_timeout(200)
    raise AssertionError(f"condition not met after {timeout} s")


def _nullcline_x(page):
    """(points, mean x) of the x-nullcline: the MultiLine drawn in the app's x-nullcline
    colour (#1f77b4, see snnlab/app/_phase_plane.py); legend items are not reliable here."""
    return page.evaluate(
        """() => {
      for (const doc of Bokeh.documents) for (const m of doc.all_models) {
        if (m.type !== "GlyphRenderer" || !m.glyph || m.glyph.type !== "MultiLine") continue;
        const c = m.glyph.line_color;
        const color = (c && typeof c === "object" && "value" in c) ? c.value : c;
        if (String(color).toLowerCase() !== "#1f77b4") continue;
        const d = m.data_source.data;
        let s = 0, n = 0;
        for (const xs of d.xs) for (const v of xs) if (Number.isFinite(v)) { s += v; n++; }
        if (n) return [n, s / n];
      }
      return null;
    }"""
    )


def test_clicking_the_plane_draws_a_trajectory_from_the_clicked_point(page):
    f = page.evaluate(FRAME_JS)
    fx, fy = 0.3, 0.4  # a point inside the frame, as fractions from its top-left corner
    page.mouse.click(f["left"] + fx * f["width"], f["top"] + fy * f["height"])
    x = f["x0"] + fx * (f["x1"] - f["x0"])
    y = f["y1"] - fy * (f["y1"] - f["y0"])
    starts = _until(page, lambda: page.evaluate(SOURCES_JS)["starts"], timeout=60)
    # within 1% of the window: a pixel of rounding between the click and the frame
    tol_x, tol_y = 0.01 * abs(f["x1"] - f["x0"]), 0.01 * abs(f["y1"] - f["y0"])
    assert any(abs(a - x) < tol_x and abs(b - y) < tol_y for a, b in starts), (x, y, starts)
    # more trajectories, some leaving the window: the window stays (issue #15: each one
    # re-zoomed the axes, losing the nullcline overview), each path is decimated
    for fx2, fy2 in ((0.8, 0.1), (0.1, 0.9), (0.6, 0.6)):
        n = len(page.evaluate(SOURCES_JS)["starts"])
        g = page.evaluate(FRAME_JS)  # where the frame is now (the page may have reflowed)
        page.mouse.click(g["left"] + fx2 * g["width"], g["top"] + fy2 * g["height"])
        _until(page, lambda n=n: len(page.evaluate(SOURCES_JS)["starts"]) > n, timeout=60)
    page.wait_for_timeout(1500)
    g = page.evaluate(FRAME_JS)
    assert [g[k] for k in ("x0", "x1", "y0", "y1")] == [f[k] for k in ("x0", "x1", "y0", "y1")]
    assert 0 < max(page.evaluate(PATH_LENGTHS_JS)) <= 310


def test_quick_clicks_each_start_one_trajectory_and_a_double_click_one(page):
    # BokehJS reports a click that follows the previous one within 300 ms, anywhere in the
    # plot, as a DoubleTap and not a Tap: such clicks were lost (issue #16)
    n = len(page.evaluate(SOURCES_JS)["starts"])
    g = page.evaluate(FRAME_JS)
    at = lambda fx, fy: (g["left"] + fx * g["width"], g["top"] + fy * g["height"])  # noqa: E731
    for fx, fy in ((0.15, 0.15), (0.85, 0.5), (0.5, 0.85)):
        page.mouse.click(*at(fx, fy))
        page.wait_for_timeout(80)
    _until(page, lambda: len(page.evaluate(SOURCES_JS)["starts"]) >= n + 3, timeout=60)
    # a real double click is one click: one more trajectory, not two
    page.wait_for_timeout(1000)
    page.mouse.dblclick(*at(0.7, 0.3))
    _until(page, lambda: len(page.evaluate(SOURCES_JS)["starts"]) >= n + 4, timeout=60)
    page.wait_for_timeout(1500)
    assert len(page.evaluate(SOURCES_JS)["starts"]) == n + 4


def test_moving_the_current_slider_moves_the_nullcline(page):
    before = _until(page, lambda: _nullcline_x(page))
    titles = page.locator(".bk-slider-title").all_inner_texts()
    index = next(i for i, t in enumerate(titles) if t.startswith("I_e"))
    handle = page.locator(".noUi-handle").nth(index)
    handle.focus()
    for _ in range(15):
        page.keyboard.press("ArrowRight")
    after = _until(page, lambda: (n := _nullcline_x(page)) != before and n, timeout=60)
    assert after != before


def test_the_page_has_no_console_errors(page):
    # was a strict xfail (issue #15): the legend of the colour-mapped fixed points drew an
    # item past the end of its colours when their number fell ("Offset is outside the
    # bounds of the DataView"); the fixed points no longer have a per-class legend
    assert page.errors == [], page.errors


def _slider_titles(page):
    return page.locator(".bk-slider-title").all_inner_texts()


def test_presets_and_models_switch_without_errors(page):
    # the CH preset drives the model (issue #15: I_e stayed 0, so no chattering); the page
    # stays free of errors through a change of model and preset
    before = len(page.errors)
    page.locator("select").nth(0).select_option("Izhikevich")
    _until(page, lambda: page.get_by_text("on the V-u plane").count() > 0, timeout=120)
    page.locator("select").nth(1).select_option("CH")
    _until(
        page,
        lambda: any(t.startswith("I_e") and "10" in t for t in _slider_titles(page)),
        timeout=60,
    )
    page.locator("select").nth(0).select_option("HH")
    _until(page, lambda: page.get_by_text("on the V-n plane").count() > 0, timeout=120)
    page.wait_for_timeout(2000)
    assert page.locator(".alert-danger:visible").count() == 0
    assert page.errors[before:] == []


def test_the_plane_fits_a_projector_and_the_equations_are_math(page, server):
    small = page.context.browser.new_page(viewport={"width": 1024, "height": 768})
    errors: list[str] = []
    small.on("pageerror", lambda e: errors.append(str(e)))
    small.goto(server + "/phase_plane", wait_until="commit", timeout=180_000)
    _until(small, lambda: small.evaluate("() => !!window.Bokeh") and small.evaluate(FRAME_JS))
    small.wait_for_timeout(2000)
    f = small.evaluate(FRAME_JS)
    assert f["width"] > 400, f  # issue #15: ~90 px at 1024x768
    assert small.evaluate("() => document.documentElement.scrollWidth") <= 1025
    # the equation is typeset by KaTeX, not shown as raw "$$C \\frac{dV}{dt}"
    _until(small, lambda: small.locator(".katex").count() > 0, timeout=30)
    assert small.get_by_text("$$").count() == 0
    folder = os.environ.get("SNNLAB_TEST_ARTIFACTS")
    if folder:
        small.screenshot(path=str(Path(folder) / "phase_plane-1024x768.png"), full_page=True)
    small.close()
    assert errors == [], errors
