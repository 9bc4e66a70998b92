"""`snnlab.extension()` in a notebook kernel: the JavaScript and stylesheets of Bokeh, Panel
and HoloViews go into the notebook's outputs (the loaders fetch nothing and the plots
import no stylesheet from elsewhere), and `inline=False` gives the CDN back.
tests/test_notebook_offline.py shows the result in a browser.

(Panel's loader still names KaTeX's CDN copy in a require.js configuration, which only the
classic Notebook 6 reads; JupyterLab, Notebook 7 and VS Code have no require.js.)"""

import json
import os
import re
from pathlib import Path

import nbclient
import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]

FETCHED = re.compile(r"(?:const|var|let)\s+(?:js_urls|css_urls|js_modules)\s*=\s*(\[[^\n]*?\]);")
"""The lists of scripts and stylesheets a Bokeh/Panel loader fetches."""

IMPORTED = re.compile(r'"name":"ImportedStyleSheet"[^}]*"url":"([^"]+)"')
"""Stylesheets a rendered document imports by address."""


def _remote(out: str) -> list[str]:
    fetched = [url for m in FETCHED.finditer(out) for url in json.loads(m.group(1))]
    return sorted({u for u in fetched + IMPORTED.findall(out) if u.startswith("http")})


CELLS = (
    "import holoviews as hv\nimport snnlab\n\nsnnlab.extension(inline={inline})",
    "hv.Curve([1, 3, 2]) + hv.Scatter([2, 1, 3])",
    "import panel as pn\n\npn.Column(pn.widgets.FloatSlider(name='x'), hv.Curve([1, 2]))",
)


def _outputs(inline: bool, monkeypatch) -> str:
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    monkeypatch.delenv("PANEL_INLINE", raising=False)
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c.format(inline=inline)) for c in CELLS]
    nbclient.NotebookClient(nb, timeout=300, kernel_name="python3").execute()
    text = []
    for cell in nb.cells:
        for out in cell.outputs:
            assert out.output_type != "error", f"{out.ename}: {out.evalue}"
            text += [str(v) for v in out.get("data", {}).values()]
    return "\n".join(text)


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_notebook_outputs_carry_their_javascript(monkeypatch):
    out = _outputs(True, monkeypatch)
    assert FETCHED.search(out), "no Bokeh loader in the outputs"
    assert not _remote(out), _remote(out)[:10]
    assert len(out) > 1_000_000  # BokehJS itself is in the outputs


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_inline_false_loads_from_the_cdn(monkeypatch):
    out = _outputs(False, monkeypatch)
    urls = _remote(out)
    assert any(u.endswith(".js") for u in urls) and any(".css" in u for u in urls), urls
    assert len(out) < 1_000_000
