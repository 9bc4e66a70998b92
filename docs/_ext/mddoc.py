"""Docstrings written in snnlab's Markdown-like style, turned into reST for autodoc.

snnlab's docstrings use `$...$` and `$$...$$` for math and ``` fences for code (the
style of equinox and diffrax). This turns, in each docstring:

- a `$$...$$` paragraph (one or several lines) into a `.. math::` block,
- inline `$...$` into `:math:` roles,
- a ``` fence into a `.. code-block::`,
- a line ending in ':' followed by an indented block into a literal block (`::`).

Everything else (``**Arguments:**``, ``- `name`: ...`` lists, backticks) is valid reST
already (`default_role = "code"` shows single backticks as code).
"""

from __future__ import annotations

import re

_SPANS = re.compile(r"(``.+?``|`[^`\n]+`|(?<![\\$\w])\$(?!\s)[^$\n]+?(?<!\s)\$(?![\w$]))")
_ITEM = re.compile(r"\s*([-*+]|\d+\.)\s")


def _inline(line: str) -> str:
    """Math spans to `:math:` roles; `|` escaped outside code and math (no reST
    substitutions); a code span glued to a word (`x`^2) separated by an escaped space."""
    parts = _SPANS.split(line)
    out = []
    for k, part in enumerate(parts):
        if k % 2 == 0:
            out.append(part.replace("|", "\\|"))
            continue
        if part.startswith("$"):
            part = f":math:`{part[1:-1]}`"
        if out and out[-1] and (out[-1][-1].isalnum() or out[-1][-1] in ")]}^_"):
            out.append("\\ ")
        out.append(part)
        after = parts[k + 1] if k + 1 < len(parts) else ""
        if after and (after[0].isalnum() or after[0] in "^_([{"):
            out.append("\\ ")
    return "".join(out)


def _content_indent(line: str) -> int:
    m = _ITEM.match(line)
    return m.end() if m else _indent(line)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def convert(lines: list[str]) -> list[str]:
    """reST lines for the Markdown-style docstring `lines` (see the module's doc)."""
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        pad = " " * _indent(line)
        if stripped.startswith("```"):
            lang = stripped[3:].strip() or "python"
            block = []
            i += 1
            while i < len(lines) and not lines[i].strip().startswith("```"):
                block.append(lines[i])
                i += 1
            i += 1
            base = min((_indent(b) for b in block if b.strip()), default=0)
            out += ["", f"{pad}.. code-block:: {lang}", ""]
            out += [f"{pad}   {b[base:]}" if b.strip() else "" for b in block]
            out.append("")
            continue
        if stripped.startswith("$$"):
            block = [stripped[2:]]
            while "$$" not in block[-1] and i + 1 < len(lines):
                i += 1
                block.append(lines[i].strip())
            if block[-1].endswith("$$"):
                block[-1] = block[-1][:-2]
            trail = ""
            if "$$" in block[-1]:  # text after the closing $$ on the same line
                block[-1], trail = block[-1].split("$$", 1)
            out += ["", f"{pad}.. math::", ""]
            out += [f"{pad}   {b}" for b in block if b.strip()]
            out.append("")
            if trail.strip():
                out.append(pad + trail.strip())
            i += 1
            continue
        # a paragraph, a blank line, then a block indented 4 more than the paragraph's
        # text: a Markdown code block, shown verbatim
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        after = lines[i + 2] if i + 2 < len(lines) else ""
        if (
            stripped
            and not nxt.strip()
            and after.strip()
            and _indent(after) >= _content_indent(line) + 4
            and not after.strip().startswith(("$$", "```"))
        ):
            out += [_inline(line), "", f"{pad}::", ""]
            j = i + 2
            while j < len(lines) and (not lines[j].strip() or _indent(lines[j]) > _indent(line)):
                out.append(lines[j])
                j += 1
            while out and not out[-1].strip():
                out.pop()
            out.append("")
            i = j
            continue
        out.append(_inline(line))
        i += 1
    return out


def _process(app, what, name, obj, options, lines):
    lines[:] = convert(lines)


def setup(app):
    app.connect("autodoc-process-docstring", _process)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
