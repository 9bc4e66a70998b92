"""The lesson notebooks in notebooks/: each NN_name.ipynb is generated from its percent
script NN_name.py by jupytext (and must equal what jupytext makes of it), is stored without
outputs, computes in float64, and executes top to bottom (each within a time limit).

`python -m pytest tests/test_notebooks.py` runs them with nbclient; `pytest --nbmake
notebooks/` runs them the nbmake way. With `SNNLAB_EXECUTED_NOTEBOOKS` set to a folder, each
executed notebook is written there with its outputs (the docs build then renders those
instead of executing the lessons a second time: docs/conf.py).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import jupytext
import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))
SCRIPTS = sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.py"))

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
    assert tuple(p.stem for p in SCRIPTS) == LESSONS, "each lesson is a script and a notebook"


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


def _cells(nb) -> list[tuple]:
    # what a reader sees of each cell (ids are jupytext's bookkeeping, not content)
    return [(c.cell_type, c.source, dict(c.metadata)) for c in nb.cells]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_matches_its_script(path):
    """The .ipynb holds exactly the cells jupytext makes of the script: they cannot drift."""
    script = path.with_suffix(".py")
    regenerated = jupytext.read(script)
    stored = nbformat.read(path, as_version=4)
    hint = f"regenerate it: jupytext --update --to ipynb notebooks/{script.name}"
    assert _cells(stored) == _cells(regenerated), f"{path.name} differs from {script.name}; {hint}"
    assert stored.metadata.get("kernelspec") == regenerated.metadata.get("kernelspec"), hint


def _config():
    from jupytext.config import load_jupytext_configuration_file

    return load_jupytext_configuration_file(str(NOTEBOOK_DIR / "jupytext.toml"))


@pytest.mark.parametrize("path", SCRIPTS, ids=_ids(SCRIPTS))
def test_script_is_a_paired_percent_script(path):
    """Each script is in jupytext's percent format (one `# %%` line per cell), so that the
    jupytext.toml beside it pairs it with its notebook in Jupyter."""
    text = path.read_text(encoding="utf-8")
    nb = jupytext.reads(text, fmt="py:percent")
    assert text.count("\n# %%") == len(nb.cells), f"{path.name}: not in percent format"
    assert jupytext.writes(nb, fmt="py:percent", config=_config()) == text, (
        f"{path.name} is not as jupytext writes it (run jupytext --to py:percent on its notebook)"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_lesson_computes_in_float64(path):
    """The lessons' numbers are compared with NEST and Brian2, which compute in float64: the
    first code cell sets float64 for the whole notebook, before it builds any model."""
    nb = nbformat.read(path, as_version=4)
    first = next(c for c in nb.cells if c.cell_type == "code")
    assert 'snnlab.core.set_precision("float64")' in first.source, (
        f"{path.name}: its first code cell does not call snnlab.core.set_precision('float64')"
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
    executed = os.environ.get("SNNLAB_EXECUTED_NOTEBOOKS")
    if executed:
        Path(executed).mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, Path(executed) / path.name)
