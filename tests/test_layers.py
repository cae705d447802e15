"""errspec's modules form layers: no import cycle between them, of any length.

Every relative import counts: at the top, inside a function (a lazy import), and under
``TYPE_CHECKING``. A cycle hidden in a function is still a cycle to a reader.
"""

from __future__ import annotations

import ast
from pathlib import Path

from .conftest import REPO

PACKAGE = REPO / "errspec"


def _imports(path: Path, package: Path) -> set[str]:
    """The errspec modules ``path`` imports (relative imports, anywhere in the file)."""
    here = path.parent.relative_to(package).parts
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.ImportFrom) or node.level == 0:
            continue
        base = list(here[: len(here) - (node.level - 1)] if node.level > 1 else here)
        if node.module:
            found.add(".".join([*base, *node.module.split(".")]))
        else:
            found.update(".".join([*base, alias.name]) for alias in node.names)
    return found


def _graph() -> dict[str, set[str]]:
    modules = {
        ".".join(p.relative_to(PACKAGE).with_suffix("").parts): p
        for p in PACKAGE.rglob("*.py")
        if p.name != "__init__.py"
    }
    return {name: _imports(path, PACKAGE) & set(modules) for name, path in modules.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(sorted(group))
    return groups


def test_the_cycle_finder_finds_cycles() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles_between_errspec_modules() -> None:
    graph = _graph()
    assert "_check" in graph
    assert "_adapters" in graph["_check"]  # the graph sees real imports
    assert _cycles(graph) == []


def test_the_bottom_layers_import_no_door() -> None:
    """Findings, HTTP values, JSON data and pointers are the bottom: they import none of
    the modules that read input, check, lint or print."""
    graph = _graph()
    doors = {"_adapters", "_inputs", "_check", "_lint", "_cli", "_reporters", "_spec"}
    for bottom in ("_findings", "_http", "_jsondata", "_pointer", "_exceptions"):
        assert graph[bottom] & doors == set(), bottom
