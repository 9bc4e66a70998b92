"""The package's import graph: no cycles, and every import points down the layers.

The graph is read from the source (every `import` statement of every module, those
inside functions too: a lazy import is still a dependency), so nothing is imported.

Layers, lowest first (a module may import its own layer and those below):

0. `core`: the engines.
1. the models: `neurons`, `generators`, `encode`, `dynapse`, `eventprop`, and `compat`,
   which re-states the models under the names of the libraries they were ported from
   (eventax, jaxsnn, neurai, rockpool): it only adapts models, and no model needs it.
2. `analysis`, `params`.
3. `viz`.
4. `app`: reusable Panel components.
5. `apps`: the served apps, built from `app`.
6. `serve`: `snnlab serve` (and its aliases `cli`, `__main__`); it serves `apps`, so it
   sits above them, and nothing imports it.

The package root `snnlab/__init__.py` is a facade: it re-exports the core and loads the
UI layers lazily (`snnlab.app`, `snnlab.extension`), so it belongs to no layer; it is
left out of the graph, and a module importing `snnlab` depends on nothing through it.
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "snnlab"

LAYERS = {
    "core": 0,
    "neurons": 1,
    "generators": 1,
    "encode": 1,
    "dynapse": 1,
    "eventprop": 1,
    "compat": 1,
    "analysis": 2,
    "params": 2,
    "viz": 3,
    "app": 4,
    "apps": 5,
    "serve": 6,
    "cli": 6,
    "__main__": 6,
}


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def _resolve(name: str) -> str | None:
    """The module of the package that `name` names (a module, or a name in one)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def imports_of(module: str) -> set[str]:
    """The package's modules that `module` imports anywhere in its source."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            names = [f"{base}.{a.name}" if base else a.name for a in node.names]
        else:
            continue
        for name in names:
            if name == "snnlab" or not name.startswith("snnlab."):
                continue
            target = _resolve(name)
            if target and target != "snnlab" and target != module:
                found.add(target)
    return found


GRAPH = {m: imports_of(m) for m in MODULES if m != "snnlab"}


def layer(module: str) -> int:
    """The layer of a module of the package (see the module docstring)."""
    top = module.split(".")[1]
    if top not in LAYERS:
        raise AssertionError(f"{module} is in no layer: add {top!r} to LAYERS")
    return LAYERS[top]


def test_the_graph_is_read():
    assert "snnlab.core" in GRAPH["snnlab.neurons"] or any(
        t.startswith("snnlab.core")
        for t in GRAPH["snnlab.neurons"]
        | set().union(*(GRAPH[m] for m in GRAPH if m.startswith("snnlab.neurons.")))
    )
    assert "snnlab.app" in GRAPH["snnlab.serve._memory"] | GRAPH["snnlab.serve._guards"]


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_imports_point_down_the_layers(module):
    up = sorted(t for t in GRAPH[module] if layer(t) > layer(module))
    assert not up, f"{module} (layer {layer(module)}) imports higher layers: {up}"


def _cycles() -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(GRAPH.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(GRAPH):
        if v not in index:
            visit(v)
    return out


def test_the_package_has_no_import_cycle():
    assert _cycles() == []


def test_every_module_is_in_a_layer():
    for module in GRAPH:
        layer(module)


def test_a_cycle_and_an_upward_import_would_be_seen(monkeypatch):
    monkeypatch.setitem(GRAPH, "snnlab.core", GRAPH["snnlab.core"] | {"snnlab.serve"})
    monkeypatch.setitem(GRAPH, "snnlab.serve", GRAPH["snnlab.serve"] | {"snnlab.core"})
    assert any({"snnlab.core", "snnlab.serve"} <= set(c) for c in _cycles())
    assert layer("snnlab.serve") > layer("snnlab.core")
