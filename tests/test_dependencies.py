"""Every third-party import of the snnlab package is a declared dependency."""

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

OPTIONAL = {
    "IPython": "only to detect a notebook, inside try/except ImportError (app/_extension.py)",
    "xarray": "only for Result.to_netcdf, which says how to install it (core/_result.py)",
}
"""Imports that are optional on purpose: imported lazily, with a message when missing."""

OWN_COPIES = {"snnlab_serve_private"}
"""snnlab's own modules under another name: `snnlab serve` copies serve/_private.py beside
the server's main script (serve/_cli.py), whose parent process must not import snnlab."""


def _imports() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in (ROOT / "snnlab").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                own = top == "snnlab" or top in OWN_COPIES
                if not own and top not in sys.stdlib_module_names:
                    found.setdefault(top, set()).add(str(path.relative_to(ROOT)))
    return found


def _declared() -> set[str]:
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    return {re.match(r"[A-Za-z0-9_.\-]+", d).group(0).lower().replace("_", "-") for d in deps}


def test_every_import_is_declared():
    to_dist = packages_distributions()
    declared = _declared()
    missing = {}
    for module, files in _imports().items():
        if module in OPTIONAL:
            continue
        dists = {d.lower().replace("_", "-") for d in to_dist.get(module, [module])}
        if not dists & declared:
            missing[module] = sorted(files)
    assert not missing, f"imported but not in pyproject.toml's dependencies: {missing}"


def test_optional_imports_are_still_lazy():
    """An optional import at module level would make it a hard dependency."""
    for module in OPTIONAL:
        for path in (ROOT / "snnlab").rglob("*.py"):
            tree = ast.parse(path.read_text())
            for node in tree.body:  # module level only
                if isinstance(node, (ast.Import, ast.ImportFrom)):
                    names = (
                        [a.name for a in node.names]
                        if isinstance(node, ast.Import)
                        else [node.module or ""]
                    )
                    assert not any(n.split(".")[0] == module for n in names), (module, path)


def test_every_dependency_has_a_lower_bound():
    """.ci/oldest.sh installs each lower bound; a dependency without one is not tested."""
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert all(">=" in d for d in deps), [d for d in deps if ">=" not in d]
