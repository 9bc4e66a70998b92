"""The docstring conversion of the documentation build (docs/_ext/mddoc.py).

The whole build (`.ci/docs.sh`, warnings as errors) is the end-to-end check; these pin
the conversions it relies on, checked by docutils itself where it matters."""

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("mddoc", ROOT / "docs" / "_ext" / "mddoc.py")
mddoc = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(mddoc)


def _rst_problems(lines: list[str]) -> list[str]:
    """docutils' warnings and errors for the reST text `lines` (roles Sphinx adds, such as
    `math`, are known to docutils too)."""
    docutils_core = pytest.importorskip("docutils.core")
    import io

    stream = io.StringIO()
    docutils_core.publish_doctree(
        "\n".join(lines),
        settings_overrides={"warning_stream": stream, "report_level": 2, "halt_level": 5},
    )
    return [line for line in stream.getvalue().splitlines() if line.strip()]


def test_display_and_inline_math():
    out = mddoc.convert(["A rate $r = I / \\tau$ in Hz:", "", "$$dI = -I / \\tau \\, dt$$", ""])
    assert out[0] == "A rate :math:`r = I / \\tau` in Hz:"
    assert ".. math::" in out and "   dI = -I / \\tau \\, dt" in out
    assert _rst_problems(out) == []


def test_multiline_display_math_with_text_after():
    out = mddoc.convert(["$$V_\\pm = a", "  + b.$$ and more"])
    i = out.index(".. math::")
    assert out[i + 2 : i + 4] == ["   V_\\pm = a", "   + b."]
    assert out[-1] == "and more"


def test_indented_example_becomes_a_literal_block():
    lines = ["Use it so.", "", "    x = f(1,", "          2)", "    y = x", "", "Then more."]
    out = mddoc.convert(lines)
    assert "::" in out and "    x = f(1," in out
    assert _rst_problems(out) == []
    assert _rst_problems(lines) != []  # the unconverted text is what broke the build


def test_list_continuations_are_not_code():
    lines = ["- `a`: first", "", "  continued", "- `b`: second"]
    assert mddoc.convert(lines) == lines


def test_pipes_and_glued_code_spans():
    out = mddoc.convert(["drawn from N(`mean`, `stddev`^2); by |w| pA; `x` and `y`"])
    assert out == ["drawn from N(`mean`, `stddev`\\ ^2); by \\|w\\| pA; `x` and `y`"]
    assert _rst_problems(out) == []
    assert _rst_problems(["by |w| pA"]) != []


def test_fenced_code():
    out = mddoc.convert(["```python", "import snnlab", "```", "after"])
    assert out[:4] == ["", ".. code-block:: python", "", "   import snnlab"]
    assert out[-1] == "after"
