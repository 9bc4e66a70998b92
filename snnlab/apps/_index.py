"""The apps of the package, their order for a learner, and the index page linking them.

Nothing here imports Panel or an app: the names and titles are read from the files, so
that `snnlab serve` can write the index page before any server process starts.
"""

from __future__ import annotations

import ast
import html
from pathlib import Path

HERE = Path(__file__).resolve().parent

LEARNING_ORDER = (
    "explorer",
    "phase_plane",
    "inputs_lab",
    "event_vs_clock",
    "sensitivity",
    "dynapse_lab",
)
"""The apps in the order a learner meets them: one neuron first, then its dynamics, its
inputs, how it is simulated, how it learns, and finally the chip. Other apps follow."""


def learning_order(names: list[str]) -> list[str]:
    """`names` sorted by `LEARNING_ORDER` (unknown apps last, alphabetically)."""
    rank = {n: i for i, n in enumerate(LEARNING_ORDER)}
    return sorted(names, key=lambda n: (rank.get(n, len(rank)), n))


def app_files(folder: str | Path | None = None) -> list[Path]:
    """The app files of `folder` (default: this package's apps) in learning order: every
    `*.py` whose name does not start with an underscore."""
    folder = HERE if folder is None else Path(folder)
    files = {p.stem: p for p in folder.glob("*.py") if not p.name.startswith("_")}
    return [files[n] for n in learning_order(list(files))]


APP_NAMES = tuple(p.stem for p in app_files())
"""The names of the package's apps (their module names), in learning order."""


def title(path: str | Path) -> str:
    """The first line of an app file's docstring (its file name where it has none)."""
    path = Path(path)
    try:
        doc = ast.get_docstring(ast.parse(path.read_text())) or ""
    except (OSError, SyntaxError):
        doc = ""
    return doc.strip().splitlines()[0] if doc.strip() else path.stem


def index_html(names: list[str], titles: dict[str, str] | None = None) -> str:
    """The index page: a link to each app in learning order, with `titles[name]` (the
    first line of its docstring) as its description."""
    titles = titles or {}
    items = "\n".join(
        f'<li><a href="./{html.escape(n)}">{html.escape(n.replace("_", " "))}</a> '
        f"<span>{html.escape(titles.get(n, ''))}</span></li>"
        for n in learning_order(names)
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>snnlab</title>
<style>body{{font-family:sans-serif;margin:2em auto;max-width:48em}}
li{{margin:.6em 0}} span{{color:#555}}</style></head>
<body><h1>snnlab</h1><p>See spiking neuron models work. The apps below go from one
neuron to a chip; start at the top. Each app has a link back here.</p>
<ol id="apps">
{items}
</ol></body></html>
"""


__all__ = ["APP_NAMES", "LEARNING_ORDER", "app_files", "index_html", "learning_order", "title"]
