"""A lesson shows its plots on a machine without network.

The lesson is executed (nbclient), exported to HTML (nbconvert) and opened in Debian's
headless chromium with every request that leaves this machine refused and recorded. The
plots must draw from the JavaScript the notebook carries: BokehJS, Panel and HoloViews
from the local installation, not from a CDN. A classroom behind a firewall or a laptop on
a train otherwise sees "Bokeh or Panel library is missing" and no plots.

The exported page stands in for the Jupyter frontends: the notebook's own outputs (the
extension's loader and the plots) are what JupyterLab, Notebook 7 and VS Code run too.
nbconvert's page adds require.js and MathJax from a CDN, which none of those frontends
fetch (they bundle their own), so the template used here leaves them out.
"""

import os
from pathlib import Path
from urllib.parse import urlsplit

import nbclient
import nbconvert
import nbformat
import pytest
from browser_support import ARGS, PLOTS_JS, browser_marks, executable, plot_problems

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytestmark = [
    *browser_marks(600),
    pytest.mark.slow,
    # Panel's display handles are outputs without data, which nbconvert warns about
    pytest.mark.filterwarnings("ignore:Your element with mimetype"),
]

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
LESSON = "01_lif_fi_curve"
"""The lesson opened: the quickest to run, with plots, a layout and a Panel component."""

TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
"""
"""nbconvert's lab page without its CDN scripts (require.js, MathJax): see the docstring."""

LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1"}

FAILURE_TEXTS = (
    "library is missing",
    "BokehJS does not appear to have successfully loaded",
    "Unable to run",
    "BokehJS is loading",
)
"""What Bokeh and Panel say (in the page or the console) when their JavaScript is absent."""

ROOTS_JS = """() => {
  // the page's embedded Bokeh roots, those BokehJS made a view of, and the drawn canvases
  // (inside the views' shadow roots)
  const slots = [...document.querySelectorAll("[data-root-id]")].map((s) => s.dataset.rootId);
  let ids = new Set();
  try { ids = new Set([...(Bokeh.index.roots || Bokeh.index)].map((v) => v.model.id)); }
  catch (e) {}
  function canvases(root) {
    let n = [...root.querySelectorAll("canvas")].filter((c) => c.width && c.height).length;
    for (const el of root.querySelectorAll("*")) if (el.shadowRoot) n += canvases(el.shadowRoot);
    return n;
  }
  return [slots.length, slots.filter((id) => ids.has(id)).length, canvases(document)];
}"""


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Path:
    """The lesson, executed and exported to a standalone HTML file."""
    env_path = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    previous = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = env_path  # the kernel imports this checkout's snnlab
    try:
        nb = nbformat.read(NOTEBOOK_DIR / f"{LESSON}.ipynb", as_version=4)
        nbclient.NotebookClient(
            nb,
            timeout=300,
            kernel_name="python3",
            resources={"metadata": {"path": str(NOTEBOOK_DIR)}},
        ).execute()
    finally:
        if previous is None:
            os.environ.pop("PYTHONPATH")
        else:
            os.environ["PYTHONPATH"] = previous
    folder = tmp_path_factory.mktemp("offline-lesson")
    template = folder / "offline.html.j2"
    template.write_text(TEMPLATE, encoding="utf-8")
    exporter = nbconvert.HTMLExporter(template_name="lab", template_file=str(template))
    body, _ = exporter.from_notebook_node(nb)
    path = folder / f"{LESSON}.html"
    path.write_text(body, encoding="utf-8")
    artifacts = os.environ.get("SNNLAB_TEST_ARTIFACTS")
    if artifacts:
        Path(artifacts).mkdir(parents=True, exist_ok=True)
        (Path(artifacts) / path.name).write_text(body, encoding="utf-8")
    return path


def _local(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("file", "data", "blob", "about") or parts.hostname in LOCAL_HOSTS


def test_lesson_plots_without_network(exported):
    blocked: list[str] = []
    messages: list[str] = []
    errors: list[str] = []

    def route(r):
        if _local(r.request.url):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort("internetdisconnected")

    def console(msg):
        messages.append(msg.text)
        if msg.type == "error":
            errors.append(f"console error: {msg.text}")

    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable(), args=ARGS)
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            context.route("**/*", route)
            page = context.new_page()
            page.on("console", console)
            page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
            page.goto(exported.as_uri(), wait_until="load", timeout=120_000)
            # BokehJS renders the roots once its scripts have run; without them Panel gives
            # up after about 5 s and says that the library is missing
            for _ in range(120):
                expected, rendered, canvases = page.evaluate(ROOTS_JS)
                if expected and rendered >= expected:
                    break
                page.wait_for_timeout(250)
            page.wait_for_timeout(2000)  # late console errors
            expected, rendered, canvases = page.evaluate(ROOTS_JS)
            plots = page.evaluate(PLOTS_JS)
            text = page.inner_text("body")
        finally:
            browser.close()

    problems = [f"needed the network for {url}" for url in sorted(set(blocked))]
    problems += [
        f"says {m[:200]!r}" for m in [*messages, text] if any(f in m for f in FAILURE_TEXTS)
    ]
    problems += errors
    drawn = [q for q in plots if q["glyphs"]]
    if expected < 3 or rendered < expected:
        problems.append(f"BokehJS rendered {rendered} of the {expected} Bokeh roots in the page")
    if len(drawn) < 3 or canvases < len(drawn):
        problems.append(f"{len(drawn)} plots with data on {canvases} canvases; expected >= 3")
    problems += plot_problems(plots)
    assert not problems, "\n".join(problems[:30])
