"""What the browser tests share: Debian's chromium, its headless flags, a free port, a
server process."""

import contextlib
import math
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

import pytest

CHROMIUM = "/usr/bin/chromium"
"""Debian's chromium (apt-get install chromium); Playwright never downloads a browser."""

ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
"""Flags for a headless chromium on a machine without network (no background traffic)."""


def executable() -> str | None:
    """Path of the chromium to launch, or None when it is not installed."""
    return CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium")


def browser_marks(timeout: int) -> list:
    """pytest marks of a browser test module: `browser`, skip without chromium, a timeout."""
    return [
        pytest.mark.browser,
        pytest.mark.skipif(
            executable() is None,
            reason="Debian's chromium is not installed (apt-get install chromium)",
        ),
        pytest.mark.timeout(timeout),
    ]


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serving(cmd: list[str], timeout: float = 120.0, cwd=None):
    """Run the server command `cmd` until the block ends; enter once it listens.

    Its output goes to a temporary file, not a pipe: a pipe nobody reads fills up with
    request logs and then blocks the server. The output is shown if it fails to start.
    Waiting for Bokeh's "running at" line (not fetching a page) creates no session.
    """
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=cwd)

        def output() -> str:
            log.flush()
            log.seek(0)
            return log.read().decode(errors="replace")

        try:
            deadline = time.monotonic() + timeout
            while "running at" not in output():
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the server did not start:\n{output()[-3000:]}")
                time.sleep(0.3)
            yield proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)


@contextlib.contextmanager
def snnlab_server(timeout: float = 120.0):
    """`snnlab serve` (every app in apps/) on a free 127.0.0.1 port; yields its URL."""
    port = free_port()
    cmd = [sys.executable, "-m", "snnlab.cli", "serve", "--address", "127.0.0.1"]
    with serving([*cmd, "--port", str(port)], timeout=timeout):
        yield f"http://127.0.0.1:{port}"


# ---- what the user sees: the checks of the browser matrix ------------------------------

PLOTS_JS = """() => {
  // every rendered Bokeh plot: its axis ranges and the finite extent of its glyphs' data
  const X = ["x", "x0", "x1", "xs", "left", "right"];
  const Y = ["y", "y0", "y1", "ys", "top", "bottom"];
  const seen = new Set(), plots = [];
  function extent(glyph, data, names, positive) {
    let lo = Infinity, hi = -Infinity, n = 0;
    function add(v) {
      if (typeof v === "number" && Number.isFinite(v) && (!positive || v > 0)) {
        if (v < lo) lo = v; if (v > hi) hi = v; n++;
      } else if (v && typeof v !== "number" && typeof v !== "string" && v.length !== undefined) {
        for (const w of v) add(w);
      }
    }
    for (const name of names) {
      const spec = glyph[name];
      if (spec && typeof spec === "object" && "field" in spec && data[spec.field] !== undefined)
        add(data[spec.field]);
    }
    return n ? [lo, hi, n] : null;
  }
  function walk(v) {
    if (!v || seen.has(v)) return;
    seen.add(v);
    if (v.frame && v.model && v.model.renderers && v.el && v.el.isConnected) {
      const m = v.model, r = v.el.getBoundingClientRect();
      const logx = String(m.x_scale && m.x_scale.type).includes("Log");
      const logy = String(m.y_scale && m.y_scale.type).includes("Log");
      const item = {title: m.title ? String(m.title.text || "") : "",
        xr: [v.frame.x_range.start, v.frame.x_range.end],
        yr: [v.frame.y_range.start, v.frame.y_range.end],
        width: r.width, height: r.height, logx: logx, logy: logy, glyphs: []};
      for (const g of m.renderers) {
        if (!g.glyph || !g.data_source || !g.data_source.data || g.visible === false) continue;
        const data = g.data_source.data;
        const xe = extent(g.glyph, data, X, logx), ye = extent(g.glyph, data, Y, logy);
        if (xe && ye) item.glyphs.push({type: g.glyph.type, x: xe, y: ye});
      }
      plots.push(item);
    }
    for (const c of (v.child_views || [])) walk(c);
    if (v.renderer_views) for (const c of v.renderer_views.values()) walk(c);
  }
  let roots = [];
  try { roots = Bokeh.index.roots || [...Bokeh.index]; } catch (e) { roots = []; }
  for (const r of roots) walk(r);
  return plots;
}"""
"""JavaScript returning every rendered plot: ranges, pixel size, glyph data extents."""

SIGNATURE_JS = """() => {
  // a cheap fingerprint of all plotted data and the busy flag, to see the page settle
  let sig = 0, busy = false;
  for (const doc of Bokeh.documents) for (const m of doc.all_models) {
    // a spinning loader: an app's busy sign (snnlab/app/_page.py) or Panel's own
    const css = m.css_classes || [];
    if (css.includes("loader") && css.includes("spin")) busy = true;
    if (!m.data) continue;
    for (const k in m.data) {
      const col = m.data[k];
      if (col && col.length !== undefined) {
        sig = (sig * 31 + col.length) % 1e9;
        const v = col[col.length - 1];
        if (typeof v === "number" && Number.isFinite(v)) sig = (sig * 31 + v * 1000) % 1e9;
      }
    }
  }
  return [sig, busy];
}"""


READY_JS = """() => !!(window.Bokeh && Bokeh.documents.some(
  // the app's content, not only the document's configuration
  (d) => d.roots().some((r) => r.type !== "DocumentConfig")))"""


def bokeh_ready(page) -> bool:
    """Whether BokehJS has the app's content in the page (a session still being built on
    the server shows an empty document first)."""
    return bool(page.evaluate(READY_JS))


def settle(page, timeout: float = 120.0, quiet: float = 1.2) -> None:
    """Wait until the page's data have not changed for `quiet` seconds, no app shows its
    busy indicator (a run in flight, a compilation) and, after a user action, the server
    has answered and then sent nothing for `quiet` seconds (work on the server's loop
    sends nothing until it ends)."""
    watch = getattr(page, "snnlab_watch", None)
    deadline = time.monotonic() + timeout
    last, since = None, time.monotonic()
    while time.monotonic() < deadline:
        if bokeh_ready(page):
            sig, busy = page.evaluate(SIGNATURE_JS)
            now = time.monotonic()
            if busy or sig != last:
                last, since = sig, now
            elif now - since >= quiet and (
                watch is None or (watch.frames > watch.marked and now - watch.last_frame >= quiet)
            ):
                return
        page.wait_for_timeout(150)
    raise AssertionError(f"the page did not settle within {timeout} s")


def _shown_fraction(data, rng, log: bool) -> float:
    """The fraction of the axis span that the data's extent covers inside the axis
    (1.0 for data that is a single value inside the axis, 0.0 for data outside it)."""
    lo, hi, d_lo, d_hi = min(rng), max(rng), data[0], data[1]
    if log:
        if lo <= 0 or d_lo <= 0:
            return 0.0
        lo, hi, d_lo, d_hi = (math.log10(v) for v in (lo, hi, d_lo, d_hi))
    if d_hi < lo or d_lo > hi:
        return 0.0
    if d_hi == d_lo or hi == lo:
        return 1.0
    return (min(hi, d_hi) - max(lo, d_lo)) / (hi - lo)


MIN_SHOWN = 0.02
"""Data spanning a range must fill at least this fraction of each axis: less is a sliver
the user cannot see (a current of 1e-7 A on an axis from 0 to 1)."""


def plot_problems(plots: list[dict]) -> list[str]:
    """What is wrong with the plots as the user sees them: data outside the axes or
    squeezed into a sliver of them, or a plot drawn too small to read."""
    problems = []
    for p in plots:
        name = p["title"] or "untitled plot"
        if p["glyphs"] and (p["width"] < 150 or p["height"] < 80):
            problems.append(f"{name}: drawn {p['width']:.0f} x {p['height']:.0f} px")
        if any(v is None for v in (*p["xr"], *p["yr"])) or not p["glyphs"]:
            continue
        for g in p["glyphs"]:
            inside_x = _shown_fraction(g["x"], p["xr"], p.get("logx", False)) > 0
            inside_y = _shown_fraction(g["y"], p["yr"], p.get("logy", False)) > 0
            if not (inside_x and inside_y):
                problems.append(
                    f"{name}: {g['type']} data x {g['x'][:2]}, y {g['y'][:2]} lie outside "
                    f"the axes x {p['xr']}, y {p['yr']}"
                )
        # all of the plot's data together must fill a visible part of the value axis: a
        # flat line is fine, but not currents of 1e-7 A drawn on an axis from 0 to 1
        lo = min(g["y"][0] for g in p["glyphs"])
        hi = max(g["y"][1] for g in p["glyphs"])
        if _shown_fraction([lo, hi], p["yr"], p.get("logy", False)) < MIN_SHOWN:
            problems.append(
                f"{name}: its data y {[lo, hi]} fill less than {MIN_SHOWN:.0%} of the "
                f"axis y {p['yr']}"
            )
    return problems


class Watch:
    """A page's console errors and uncaught exceptions, collected as they happen.

    Errors about resources on other hosts (fonts or icons from a CDN on a machine
    without network) are not the app's and are left out.
    """

    def __init__(self, page, origin: str):
        self.errors: list[str] = []
        self.origin = origin
        self.frames = 0  # websocket messages from the server so far
        self.last_frame = time.monotonic()
        self.marked = 0  # `frames` when the user last acted
        page.on("console", self._console)
        page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        page.on("websocket", lambda ws: ws.on("framereceived", self._frame))
        page.snnlab_watch = self

    def _frame(self, _payload) -> None:
        self.frames += 1
        self.last_frame = time.monotonic()

    def mark(self) -> None:
        """The user acts now: the page settles only after the server has answered."""
        self.marked = self.frames

    def _console(self, msg) -> None:
        if msg.type != "error":
            return
        url = (msg.location or {}).get("url", "")
        if "Failed to load resource" in msg.text and not url.startswith(self.origin):
            return
        self.errors.append(f"console: {msg.text} ({url})")

    def take(self) -> list[str]:
        """The errors seen since the last call."""
        out, self.errors = self.errors, []
        return out


def page_problems(page, watch: Watch, *, expect_message: bool = False) -> list[str]:
    """Everything the user would see wrong in the page now: console errors, an error
    message (unless `expect_message`), plots whose data lie outside their axes."""
    problems = watch.take()
    alerts = page.locator(".alert-danger:visible")
    if not expect_message and alerts.count():
        problems.append(f"error in the page: {alerts.first.inner_text()[:300]!r}")
    problems += plot_problems(page.evaluate(PLOTS_JS))
    return problems


STATES_WALKED: list[str] = []
"""Every state the browser matrix checked (printed at the end of the test run)."""

SET_WIDGET_JS = """([title, value]) => {
  // set a widget's value as the user's click would (the change syncs to the server);
  // "same" when it had that value already (nothing is sent), null when there is none
  for (const doc of Bokeh.documents) for (const m of doc.all_models) {
    if (String(m.title ?? m.label).toLowerCase() !== title.toLowerCase() || m.disabled)
      continue;
    // a checkbox holds its state in `active`, every other widget in `value`
    const key = "value" in m ? "value" : (typeof m.active === "boolean" ? "active" : null);
    if (key === null) continue;
    let now;
    try { now = m[key]; } catch (e) { continue; }  // an unset value (a file input)
    if (JSON.stringify(now) === JSON.stringify(value)) return "same";
    m[key] = value;
    return "changed";
  }
  return null;
}"""

WIDGET_JS = """(title) => {
  for (const doc of Bokeh.documents) for (const m of doc.all_models)
    if (String(m.title).toLowerCase() === title.toLowerCase() && "value" in m) {
      try { return {value: m.value, options: m.options || null}; } catch (e) { continue; }
    }
  return null;
}"""

SLIDERS_JS = """() => {
  // every enabled slider: its title and ends
  const out = [];
  for (const doc of Bokeh.documents) for (const m of doc.all_models)
    if (m.type && String(m.type).endsWith("Slider") && !m.disabled && m.title !== undefined
        && typeof m.start === "number" && typeof m.end === "number")
      out.push({title: String(m.title), start: m.start, end: m.end, value: m.value});
  return out;
}"""


def set_widget(page, title: str, value) -> None:
    """Set the widget titled `title` to `value` in the page (fails if there is none)."""
    watch = getattr(page, "snnlab_watch", None)
    frames = watch.frames if watch is not None else 0
    outcome = page.evaluate(SET_WIDGET_JS, [title, value])
    assert outcome, f"no widget titled {title!r}"
    if watch is not None and outcome == "changed":
        watch.marked = frames  # settle waits for the server's answer to this change


def walk(page, watch: Watch, label: str, *, expect_message: bool = False) -> list[str]:
    """Let the page settle, record the state as walked, and return what is wrong."""
    settle(page)
    STATES_WALKED.append(label)
    return [f"{label}: {p}" for p in page_problems(page, watch, expect_message=expect_message)]
