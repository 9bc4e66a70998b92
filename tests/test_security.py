"""Static checks of the served code: nothing from a client is evaluated or unpickled.

The fault tests show that a pickle upload and a malformed URL state are refused at run time;
this test reads the source of `snnlab/` and `apps/` so that a later change cannot bring in
`eval`, `exec`, a pickle-family loader or `np.load` without `allow_pickle=False` unnoticed.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SERVED_SOURCES = sorted([*(ROOT / "snnlab").rglob("*.py"), *(ROOT / "apps").glob("*.py")])

CODE_RUNNING_BUILTINS = {"eval", "exec", "compile", "__import__"}
UNSAFE_MODULES = {"pickle", "cPickle", "dill", "cloudpickle", "marshal", "shelve", "joblib"}


def _called_name(call: ast.Call) -> str:
    """`f` for `f(...)`, `a.b.f` for `a.b.f(...)`, empty for anything else."""
    parts = []
    node = call.func
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return ""


def unsafe_uses(source: str) -> list[str]:
    """Each use in `source` of code evaluation or of a loader that can unpickle, as text."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import | ast.ImportFrom):
            modules = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
            )
            found += [
                f"line {node.lineno}: import {m}"
                for m in modules
                if m.split(".")[0] in UNSAFE_MODULES
            ]
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("numpy"):
                found += [
                    f"line {node.lineno}: from {node.module} import load (unchecked by name)"
                    for alias in node.names
                    if alias.name == "load"
                ]
        elif isinstance(node, ast.Call):
            name = _called_name(node)
            if name in CODE_RUNNING_BUILTINS:
                found.append(f"line {node.lineno}: {name}()")
            elif name.endswith(("yaml.load", "yaml.unsafe_load", "read_pickle")):
                found.append(f"line {node.lineno}: {name}()")
            elif name.split(".")[-1] == "load" and name.split(".")[0] in {"np", "numpy"}:
                safe = any(
                    k.arg == "allow_pickle"
                    and isinstance(k.value, ast.Constant)
                    and k.value.value is False
                    for k in node.keywords
                )
                if not safe:
                    found.append(f"line {node.lineno}: {name}() without allow_pickle=False")
    return found


@pytest.mark.parametrize(
    "snippet",
    [
        "eval(text)",
        "exec(code)",
        "import pickle",
        "from cloudpickle import loads",
        "np.load(path)",
        "numpy.load(path, allow_pickle=True)",
        "yaml.load(stream)",
        "pd.read_pickle(path)",
        "from numpy import load",
    ],
)
def test_the_checker_catches_each_unsafe_form(snippet):
    assert unsafe_uses(snippet), snippet


def test_the_checker_passes_safe_forms():
    assert (
        unsafe_uses("np.load(path, allow_pickle=False)\njson.loads(text)\nmodel.eval_at(t)") == []
    )


def test_served_code_never_evaluates_or_unpickles():
    assert len(SERVED_SOURCES) > 20  # the tree was found
    offenders = {
        str(path.relative_to(ROOT)): uses
        for path in SERVED_SOURCES
        if (uses := unsafe_uses(path.read_text()))
    }
    assert offenders == {}
