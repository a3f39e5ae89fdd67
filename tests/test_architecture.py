"""The layers stay layers: no import circle anywhere in the code, and the scoring rules know
nothing of Hydra or of how a run is made (the judge is built by the caller and passed in)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("harness", "strategies", "benchmarks")
# The scoring modules that are commands, not rules: they build what the rules are given.
SCORING_COMMANDS = {"harness.scoring.agreement"}


def module_files() -> dict[str, Path]:
    """Every module of the project's packages by dotted name (a package by its own name)."""
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The project modules `name` imports, at load or inside a function: `from package import
    submodule` counts as the submodule alone (the package is already being initialised)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, *([node.module] if node.module else [])])
            submodules = {f"{base}.{alias.name}" for alias in node.names} & modules.keys()
            found |= submodules or {base}
    return {imported for imported in found if imported in modules and imported != name}


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for imported in sorted(graph[module]):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return found


def import_graph() -> dict[str, set[str]]:
    modules = module_files()
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def test_no_module_imports_itself_back_through_others() -> None:
    assert circles(import_graph()) == []


def test_the_walk_finds_a_circle_when_there_is_one() -> None:
    graph = import_graph()
    graph["harness.stats"] = {*graph["harness.stats"], "harness.run.evaluate"}
    (group,) = circles(graph)
    assert {"harness.run.evaluate", "harness.stats"} <= set(group)


def test_the_scoring_rules_import_neither_hydra_nor_the_run_machinery() -> None:
    offenders = {}
    for name, path in module_files().items():
        if not name.startswith("harness.scoring") or name in SCORING_COMMANDS:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = [
            alias.name if isinstance(node, ast.Import) else node.module or ""
            for node in ast.walk(tree)
            if isinstance(node, ast.Import | ast.ImportFrom)
            for alias in node.names
        ]
        bad = [m for m in imported if m.split(".")[0] in ("hydra", "omegaconf")
               or m.startswith(("harness.run", "harness.config"))]  # fmt: skip
        if bad:
            offenders[name] = sorted(set(bad))
    assert offenders == {}
