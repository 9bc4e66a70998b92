"""The lesson notebooks in notebooks/: stored without outputs, equal to what
notebooks/_build.py writes, and executed top to bottom (each within a time limit).

`python -m pytest tests/test_notebooks.py` runs them with nbclient; `pytest --nbmake
notebooks/` runs them the nbmake way.
"""

from __future__ import annotations

import importlib.util
import os
import time
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))

# Each notebook is written to run in about 40 s on a 2-core laptop; the limit per cell
# leaves room for a loaded CI machine and the first JIT compilations.
CELL_TIMEOUT_S = 300


def _ids(paths):
    return [p.stem for p in paths]


LESSONS = (
    "01_lif_fi_curve",
    "02_izhikevich_patterns",
    "03_phase_plane",
    "04_hodgkin_huxley",
    "05_generators_encoders",
    "06_event_eventprop",
    "07_dynapse",
)


def test_every_lesson_is_there():
    assert tuple(p.stem for p in NOTEBOOKS) == LESSONS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_has_no_outputs(path):
    nb = nbformat.read(path, as_version=4)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        assert not cell.get("outputs"), f"{path.name}: cell {i} has stored outputs"
        assert cell.get("execution_count") is None, f"{path.name}: cell {i} has a count"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_structure(path):
    """A learning goal at the top and an exercise ("Try it") near the end."""
    nb = nbformat.read(path, as_version=4)
    first = nb.cells[0]
    assert first.cell_type == "markdown" and "Learning goal" in first.source
    assert any(c.cell_type == "markdown" and "Try it" in c.source for c in nb.cells)


def _build_module():
    spec = importlib.util.spec_from_file_location("_nb_build", NOTEBOOK_DIR / "_build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_matches_its_source(path):
    build = _build_module()
    assert path.stem in build.LESSONS, f"{path.name} has no source in notebooks/_build.py"
    assert path.read_text(encoding="utf-8") == build.render(path.stem), (
        f"{path.name} differs from notebooks/_build.py; run `python notebooks/_build.py`"
    )


@pytest.mark.slow
@pytest.mark.timeout(CELL_TIMEOUT_S * 4)
@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_executes(path, monkeypatch):
    nbclient = pytest.importorskip("nbclient")
    # The kernel imports this checkout's snnlab whatever the install (its cwd is notebooks/).
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        nb,
        timeout=CELL_TIMEOUT_S,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK_DIR)}},
    )
    start = time.perf_counter()
    client.execute()
    elapsed = time.perf_counter() - start
    print(f"{path.name}: executed in {elapsed:.1f} s")
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            assert out.get("output_type") != "error", f"{path.name}: cell {i} raised"
            # a plot that fails to render is reported as a traceback, not as an error
            text = out.get("text", "") + str(out.get("data", {}).get("text/plain", ""))
            assert "Traceback" not in text, f"{path.name}: cell {i}: {text[-2000:]}"
