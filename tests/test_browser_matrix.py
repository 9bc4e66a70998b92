"""The browser matrix: every path a user can click, checked as the user sees it.

`snnlab serve` runs on a free 127.0.0.1 port and Playwright drives Debian's headless
chromium. For every state: the page settles (no busy sign, data steady), then no console
error, no error message in the page, and every plot with data shows it inside its axes
(`browser_support.page_problems`). The states come from the registries, so a newly
registered model, input, preset or app joins the matrix without a new test:

- Explorer: every model of `snnlab.params.neuron_models()` opened by link, with every
  engine it supports and every input of `generator_models()`; every model chosen in the
  menu.
- every app of `snnlab serve` at 1024x768 and 1400x1000 (screenshots to
  $SNNLAB_TEST_ARTIFACTS), and every enabled slider of each lab at both ends;
- phase plane: every model and every preset of its menus.

The count of states walked is printed at the end of the run (conftest.py).
"""

import os
from pathlib import Path

import pytest
from browser_support import (
    ARGS,
    SLIDERS_JS,
    STATES_WALKED,
    WIDGET_JS,
    Watch,
    browser_marks,
    executable,
    page_problems,
    set_widget,
    snnlab_server,
    walk,
)

import snnlab.params as sp
from snnlab.app._explorer import engines_for
from snnlab.cli import find_apps

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytestmark = browser_marks(900)

MODELS = list(sp.neuron_models())
INPUTS = list(sp.generator_models())
APPS = [p.stem for p in find_apps()]
LABS = [a for a in APPS if a not in ("explorer", "phase_plane")]
VIEWPORTS = [(1024, 768), (1400, 1000)]


@pytest.fixture(scope="module")
def server():
    with snnlab_server(timeout=120) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable(), args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory) -> Path:
    folder = os.environ.get("SNNLAB_TEST_ARTIFACTS")
    path = Path(folder) if folder else tmp_path_factory.mktemp("matrix")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _open(browser, url: str, origin: str, size=(1400, 1000)):
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    watch = Watch(page, origin)
    page.goto(url, timeout=180_000)
    return page, watch


@pytest.mark.parametrize("model", MODELS)
def test_explorer_model_by_link_with_every_engine_and_input(browser, server, model):
    page, watch = _open(browser, f"{server}/explorer?model={model}", server)
    problems = walk(page, watch, f"explorer?model={model}")
    assert page.evaluate(WIDGET_JS, "model")["value"] == model
    for engine in engines_for(sp.neuron_models()[model]):
        set_widget(page, "engine", engine)
        problems += walk(page, watch, f"explorer {model} engine={engine}")
    set_widget(page, "engine", "stepped")
    for g in INPUTS:
        set_widget(page, "inputs", [g])
        problems += walk(page, watch, f"explorer {model} input={g}")
    page.close()
    assert not problems, "\n".join(problems)


def test_explorer_every_model_chosen_in_the_menu(browser, server):
    page, watch = _open(browser, f"{server}/explorer", server)
    problems = walk(page, watch, "explorer")
    for model in [*MODELS[1:], MODELS[0]]:
        set_widget(page, "model", model)
        problems += walk(page, watch, f"explorer menu model={model}")
        if f"model={model}&" not in page.url:  # the link follows the menu at once
            problems.append(f"menu model={model}: the link says {page.url[-200:]}")
    page.close()
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("app", APPS)
def test_app_at_both_screen_sizes(browser, server, app, artifacts):
    problems = []
    for size in VIEWPORTS:
        page, watch = _open(browser, f"{server}/{app}", server, size)
        problems += walk(page, watch, f"{app} at {size[0]}x{size[1]}")
        width = page.evaluate("() => document.documentElement.scrollWidth")
        if width > size[0] + 5:
            problems.append(f"{app} at {size[0]}x{size[1]}: the page is {width} px wide")
        page.screenshot(path=str(artifacts / f"{app}-{size[0]}x{size[1]}.png"), full_page=True)
        page.close()
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("app", LABS)
def test_every_lab_slider_at_both_ends(browser, server, app):
    page, watch = _open(browser, f"{server}/{app}", server)
    problems = walk(page, watch, app)
    for slider in page.evaluate(SLIDERS_JS):
        for end in ("start", "end"):
            set_widget(page, slider["title"], slider[end])
            problems += walk(page, watch, f"{app} {slider['title']}={slider[end]:g}")
        set_widget(page, slider["title"], slider["value"])
    page.close()
    assert not problems, "\n".join(problems)


def test_phase_plane_every_model_and_preset(browser, server):
    page, watch = _open(browser, f"{server}/phase_plane", server)
    problems = walk(page, watch, "phase_plane")
    for model in page.evaluate(WIDGET_JS, "model")["options"]:
        name = model[0] if isinstance(model, list) else model
        set_widget(page, "model", name)
        problems += walk(page, watch, f"phase_plane model={name}")
        preset = page.evaluate(WIDGET_JS, "preset")
        for option in (preset or {}).get("options") or []:
            option = option[0] if isinstance(option, list) else option
            set_widget(page, "preset", option)
            problems += walk(page, watch, f"phase_plane {name} preset={option}")
    page.close()
    assert not problems, "\n".join(problems)


SCOPE_JS = """() => {
  for (const doc of Bokeh.documents) for (const m of doc.all_models)
    if (m.data && m.data.t && m.data.y && m.data.t.length > 1 && !m.data.V) {
      const t = m.data.t;
      return [t.length, t[0], t[t.length - 1]];
    }
  return null;
}"""


def test_explorer_live_mode_scrolls_a_readable_window_and_keeps_counting(browser, server):
    from snnlab.app._explorer import SCOPE_WINDOW_MS

    page, watch = _open(browser, f"{server}/explorer", server)
    problems = walk(page, watch, "explorer before live")
    set_widget(page, "live", True)
    page.wait_for_timeout(4000)
    first = page.get_by_text("fired", exact=False).first.inner_text()
    page.wait_for_timeout(3000)
    n, t0, t1 = page.evaluate(SCOPE_JS)
    later = page.get_by_text("fired", exact=False).first.inner_text()
    problems += [f"live: {p}" for p in page_problems(page, watch)]
    STATES_WALKED.append("explorer live")
    set_widget(page, "live", False)
    page.close()
    assert first != later, "the live statistics stopped"
    # a window of SCOPE_WINDOW_MS at dt = 0.1 ms, plus at most one chunk being appended
    assert t1 - t0 <= SCOPE_WINDOW_MS + 50 + 1e-6 and n <= SCOPE_WINDOW_MS / 0.1 + 600, (n, t0, t1)
    assert t1 > SCOPE_WINDOW_MS, "the oscilloscope did not run past its first window"
    assert not problems, "\n".join(problems)
