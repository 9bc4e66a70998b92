"""The served apps in a real browser: Playwright driving Debian's headless chromium.

Runs `snnlab serve` on a free 127.0.0.1 port, loads the index and the Explorer, moves a
slider with the keyboard and sees the plotted data change, follows the URL to a fresh
page, and downloads/uploads the exports. Screenshots go to $SNNLAB_TEST_ARTIFACTS, else to
pytest's temporary folder (never into the repository).
"""

import json
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from browser_support import ARGS, browser_marks, executable, snnlab_server

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytestmark = browser_marks(300)

# every numeric column of every Bokeh data source holding a "V" trace
SOURCES_JS = """() => {
  const out = [];
  for (const doc of Bokeh.documents) for (const m of doc.all_models) {
    if (m.data && m.data.V && m.data.V.length > 10) {
      let s = 0; for (const v of m.data.V) if (Number.isFinite(v)) s += v;
      out.push([m.data.V.length, s]);
    }
  }
  return out;
}"""

SLIDER_VALUE_JS = """(title) => {
  for (const doc of Bokeh.documents) for (const m of doc.all_models)
    if (m.title === title && typeof m.value === "number") return m.value;
  return null;
}"""


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory) -> Path:
    folder = os.environ.get("SNNLAB_TEST_ARTIFACTS")
    path = Path(folder) if folder else tmp_path_factory.mktemp("browser-artifacts")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def server():
    with snnlab_server(timeout=90) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        exe = executable()
        b = p.chromium.launch(executable_path=exe, args=ARGS)
        yield b
        b.close()


def _open(browser, url, errors):
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    return page


def _wait_for_trace(page, timeout=60.0, differs_from=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if page.evaluate("() => !!(window.Bokeh && Bokeh.documents.length)"):
            data = page.evaluate(SOURCES_JS)
            if data and data != differs_from:
                return data
        page.wait_for_timeout(200)
    raise AssertionError(f"no (new) trace data in the page after {timeout} s")


def _slider_handle(page, title_prefix):
    titles = page.locator(".bk-slider-title").all_inner_texts()
    index = next(i for i, t in enumerate(titles) if t.startswith(title_prefix))
    return page.locator(".noUi-handle").nth(index)


@pytest.fixture(scope="module")
def explorer_page(browser, server, artifacts):
    errors: list[str] = []
    page = _open(browser, server + "/explorer", errors)
    first = _wait_for_trace(page)
    page.screenshot(path=str(artifacts / "explorer.png"), full_page=True)
    yield page, errors, first
    page.close()


def test_index_lists_the_apps(browser, server, artifacts):
    errors: list[str] = []
    page = _open(browser, server + "/", errors)
    links = page.locator("#apps a")
    assert "explorer" in links.all_inner_texts()
    page.screenshot(path=str(artifacts / "index.png"), full_page=True)
    links.filter(has_text="explorer").click()
    _wait_for_trace(page)
    assert errors == []
    page.close()


def test_explorer_loads_without_console_errors(explorer_page):
    page, errors, first = explorer_page
    assert first and first[0][0] > 100  # a V trace with samples
    assert errors == [], errors


def test_moving_a_slider_changes_the_plot_and_the_url(explorer_page, browser, artifacts):
    page, errors, first = explorer_page
    before = page.evaluate(SOURCES_JS)
    handle = _slider_handle(page, "I_e (pA)")
    handle.focus()
    for _ in range(20):
        page.keyboard.press("ArrowRight")
    after = _wait_for_trace(page, differs_from=before)
    assert after != before
    # the 20 key presses may still be arriving: read the value once it has settled
    value, deadline = None, time.monotonic() + 30
    while time.monotonic() < deadline:
        now = page.evaluate(SLIDER_VALUE_JS, "I_e (pA)")
        if now == value:
            break
        value = now
        page.wait_for_timeout(1000)
    assert value > 0
    expected = f"p.I_e={json.dumps(float(value))}&"
    deadline = time.monotonic() + 30
    while expected not in page.url and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert expected in page.url
    # the link reproduces the view in a fresh page
    errors2: list[str] = []
    other = _open(browser, page.url, errors2)
    _wait_for_trace(other)
    deadline = time.monotonic() + 20
    while other.evaluate(SLIDER_VALUE_JS, "I_e (pA)") != value and time.monotonic() < deadline:
        other.wait_for_timeout(200)
    assert other.evaluate(SLIDER_VALUE_JS, "I_e (pA)") == value
    assert _wait_for_trace(other) == page.evaluate(SOURCES_JS)
    other.screenshot(path=str(artifacts / "explorer-from-url.png"), full_page=True)
    other.close()
    assert errors == [] and errors2 == []


def test_exports_download_and_load_back(explorer_page, tmp_path):
    page, errors, _ = explorer_page
    files = {}
    for label, name in (
        ("data CSV", "run.csv"),
        ("data NPZ", "run.npz"),
        ("params JSON", "p.json"),
    ):
        with page.expect_download(timeout=30_000) as info:
            page.get_by_text(label, exact=True).click()
        files[name] = tmp_path / name
        info.value.save_as(files[name])
    df = pd.read_csv(files["run.csv"])
    assert {"t_ms", "neuron", "spike", "V"} <= set(df.columns) and len(df) > 100
    with np.load(files["run.npz"], allow_pickle=False) as z:
        assert len(z["t"]) == len(df)
    state = json.loads(files["p.json"].read_text())
    assert state["model"] == "LIF"
    state["neuron"]["I_e"] = 300.0
    files["p.json"].write_text(json.dumps(state))
    page.locator("input[type=file]").set_input_files(str(files["p.json"]))
    deadline = time.monotonic() + 20
    while page.evaluate(SLIDER_VALUE_JS, "I_e (pA)") != 300.0 and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    assert page.evaluate(SLIDER_VALUE_JS, "I_e (pA)") == 300.0
    assert errors == []
