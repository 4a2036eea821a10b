"""No import cycle anywhere in nnwidgets, function-level imports included."""

from __future__ import annotations

import ast
from pathlib import Path

import nnwidgets

PACKAGE = Path(nnwidgets.__file__).resolve().parent


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, modules: set[str]) -> set[str]:
    """The package's modules that ``path`` imports, at any depth of its code."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            # `from p import x` imports the module p.x when there is one, else p's name x
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                for alias in node.names
            ]
        else:
            continue
        for target in targets:
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def import_graph() -> dict[str, set[str]]:
    files = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    return {name: imports_of(path, set(files)) for name, path in files.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` (as a path that returns to its start), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def is_package_edge(a: str, b: str) -> bool:
    # A package's __init__ importing its own submodules is how a package exposes them;
    # Python runs that __init__ before any submodule, so it closes no cycle. Every
    # other edge counts, a submodule's import of its parent package included.
    return b.startswith(a + ".")


def test_the_graph_sees_function_level_and_relative_imports():
    graph = import_graph()
    assert "nnwidgets.core.optim" in graph["nnwidgets.core.trainer_checks"]
    assert "nnwidgets.core.checkpoint" in graph["nnwidgets.core.time_travel"]


def test_the_cycle_finder_finds_a_planted_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycle_in_the_package():
    graph = {
        a: {b for b in targets if not is_package_edge(a, b)}
        for a, targets in import_graph().items()
    }
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_the_checkpoint_module_does_not_import_the_trainer():
    graph = import_graph()
    seen, todo = set(), ["nnwidgets.core.checkpoint"]
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo += [m for m in graph[node] if not is_package_edge(node, m)]
    assert "nnwidgets.core.trainer" not in seen
