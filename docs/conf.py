"""Sphinx configuration of snnlab's documentation.

Build (offline, warnings as errors), as `.ci/docs.sh` does:

    sphinx-build -W --keep-going -b html docs docs/_build/html

- Pages are MyST Markdown; the lessons are the notebooks in notebooks/, copied here at
  build time and executed by myst-nb (they are stored without outputs).
- The API reference is autodoc over the public names; the docstrings' Markdown-style
  math (`$...$`, `$$...$$`) and fenced code are turned into reST by `_ext/mddoc.py`.
- The app screenshots are taken at build time by `_ext/app_screenshots.py` (Playwright
  and Debian's chromium), or copied from the browser tests' $SNNLAB_TEST_ARTIFACTS.
- Math: typeset in the reader's browser by KaTeX, copied at build time from Panel's
  installed bundle (panel/dist/bundled/katex; Panel is a dependency), so the pages need
  no network either; nothing is vendored in the repository. That bundle has no KaTeX
  fonts, so the browser's own serif fonts draw the symbols.
- The lessons' interactive plots are the notebooks' own Bokeh/Panel output: as the
  notebooks emit it today, a reader's browser loads BokehJS and Panel's bundle from
  their CDNs (the build itself fetches nothing).
- No intersphinx: nothing is fetched at build time.
"""

import os
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE / "_ext"))

import snnlab  # noqa: E402

project = "snnlab"
author = "the snnlab authors"
copyright = "2026, the snnlab authors"  # noqa: A001
release = getattr(snnlab, "__version__", "0.1.0")

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "mddoc",
    "app_screenshots",
]

exclude_patterns = ["_build", "_generated/*.md", "jupyter_execute", ".jupyter_cache"]
html_theme = "furo"
html_title = "snnlab"
default_role = "code"
nitpicky = False

# MyST: $ and $$ math in pages, ::: fences, heading anchors for links to sections
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3

# autodoc: members in each package's __all__, in source order, signatures without types
autodoc_default_options = {"members": True, "member-order": "bysource"}
autodoc_typehints = "none"
autodoc_class_signature = "separated"
autodoc_inherit_docstrings = False
autosummary_generate = False

# myst-nb: execute the notebooks (they are stored without outputs) and the guide, caching
# the results by their code in docs/_build/.jupyter_cache; a failing cell fails the build
nb_execution_mode = os.environ.get("SNNLAB_DOCS_EXECUTE", "cache")
nb_execution_cache_path = str(HERE / "_build" / ".jupyter_cache")
nb_execution_timeout = 600
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_merge_streams = True
# HoloViews/Panel add their own MIME types beside the text/html and JavaScript they also
# send; these pages show the latter
suppress_warnings = ["mystnb.unknown_mime_type"]


def _copy_lessons() -> None:
    """The notebooks of notebooks/ as docs/lessons/*.ipynb (generated, not committed)."""
    target = HERE / "lessons"
    target.mkdir(exist_ok=True)
    sources = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
    names = {p.name for p in sources}
    for old in target.glob("*.ipynb"):
        if old.name not in names:
            old.unlink()
    executed = os.environ.get("SNNLAB_EXECUTED_NOTEBOOKS")
    for src in sources:
        dst = target / src.name
        ran = _executed_copy(src, Path(executed) / src.name) if executed else None
        data = ran if ran is not None else src.read_bytes()
        if not dst.exists() or dst.read_bytes() != data:
            dst.write_bytes(data)


def _executed_copy(src: Path, ran: Path) -> bytes | None:
    """The copy of lesson `src` that tests/test_notebooks.py executed (its outputs kept),
    marked so that myst-nb does not execute it again; None when there is none or its code
    differs from the lesson's."""
    import nbformat

    if not ran.is_file():
        return None
    nb, lesson = nbformat.read(ran, as_version=4), nbformat.read(src, as_version=4)
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    if code != [c.source for c in lesson.cells if c.cell_type == "code"]:
        return None
    nb.metadata.setdefault("mystnb", {})["execution_mode"] = "off"
    return nbformat.writes(nb).encode()


_copy_lessons()


def _katex_static() -> Path:
    """KaTeX's script, auto-render and style from Panel's installed bundle, in a
    generated static folder (the `mathjax_path` script then typesets with them)."""
    import panel

    bundles = sorted(Path(panel.__file__).parent.glob("dist/bundled/katex/katex@*/dist"))
    if not bundles:
        raise RuntimeError("Panel's KaTeX bundle (panel/dist/bundled/katex) was not found")
    folder = HERE / "_generated" / "katex"
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("katex.min.js", "katex.min.css", "contrib/auto-render.min.js"):
        shutil.copyfile(bundles[-1] / name, folder / Path(name).name)
    return folder


html_static_path = ["_static", str(_katex_static())]
html_css_files = ["katex.min.css"]
html_js_files = ["katex.min.js", "auto-render.min.js"]
mathjax_path = "katex-render.js"  # on pages with math, in place of MathJax from a CDN


def _serving_link(app, docname, source):
    """Link the reverse-proxy guide (docs/serving.md) from the class guide when present."""
    if docname == "serve-a-class" and (HERE / "serving.md").exists():
        source[0] = source[0].replace(
            "<!-- serving-link -->",
            "Behind a reverse proxy (nginx, Caddy, Kubernetes): see [](serving.md).",
        )


def _always_reread(app, env, added, changed, removed):
    """The class guide depends on whether docs/serving.md exists: read it every time."""
    return ["serve-a-class"]


def setup(app):
    app.connect("source-read", _serving_link)
    app.connect("env-get-outdated", _always_reread)
