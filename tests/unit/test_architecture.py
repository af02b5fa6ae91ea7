"""The layout keeps its promises (ARCHITECTURE.md §2): imports flow one way, without cycles.

Read from the source with ``ast``, so a rule is checked whatever a test happens to import.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "graphsvc"
UPPER_LAYERS = ("graphsvc.web", "graphsvc.cli")
# The package's public surface hands out create_app (lazily), and `python -m graphsvc` runs the
# command line: both stand above the layers, like the server processes that run the web app.
ENTRY_POINTS = ("graphsvc", "graphsvc.__main__")
WEB_FRAMEWORKS = ("fastapi", "starlette", "typer", "click", "uvicorn", "jinja2")
# Lazy imports are allowed here only, to keep `graphsvc --help` and `graphsvc validate` quick
# (pydantic, the engine and the web framework load only for the commands that use them).
LAZY_IMPORTS_ALLOWED = ("graphsvc.cli", "graphsvc")
MAX_LINES = 400


@dataclass
class Module:
    name: str
    path: Path
    top_level: set[str] = field(default_factory=set)
    in_functions: set[str] = field(default_factory=set)


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imported(node: ast.Import | ast.ImportFrom, known: set[str]) -> set[str]:
    if isinstance(node, ast.Import):
        return {alias.name for alias in node.names}
    base = node.module or ""
    found = set()
    for alias in node.names:
        candidate = f"{base}.{alias.name}"
        found.add(candidate if candidate in known else base)
    return found


def _walk(node: ast.AST, module: Module, known: set[str], in_function: bool) -> None:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and _is_type_checking(child):
            continue  # annotations only: never imported at run time
        if isinstance(child, ast.Import | ast.ImportFrom):
            target = module.in_functions if in_function else module.top_level
            target.update(_imported(child, known))
        nested = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
        _walk(child, module, known, nested)


def _modules() -> dict[str, Module]:
    paths = sorted(PACKAGE.rglob("*.py"))
    known = {_module_name(p) for p in paths}
    modules = {}
    for path in paths:
        module = Module(_module_name(path), path)
        _walk(ast.parse(path.read_text()), module, known, in_function=False)
        modules[module.name] = module
    return modules


MODULES = _modules()


def _within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def test_the_core_never_imports_the_web_layer_the_cli_or_a_web_framework() -> None:
    offences = [
        f"{m.name} imports {target}"
        for m in MODULES.values()
        if not _within(m.name, UPPER_LAYERS)
        and m.name not in ENTRY_POINTS
        and not m.name.startswith("graphsvc.server")
        for target in sorted(m.top_level | m.in_functions)
        if _within(target, UPPER_LAYERS) or _within(target, WEB_FRAMEWORKS)
    ]
    assert offences == []


def test_the_supervisor_imports_the_standard_library_only() -> None:
    module = MODULES["graphsvc.server.supervisor"]
    outside = {
        name
        for name in module.top_level | module.in_functions
        if name.split(".")[0] not in sys.stdlib_module_names and name != "__future__"
    }
    assert outside == set()


def test_the_server_process_runs_an_app_it_is_given() -> None:
    module = MODULES["graphsvc.server.process"]
    imported = module.top_level | module.in_functions
    assert not any(_within(t, ("graphsvc.web", "graphsvc.cli", "fastapi")) for t in imported)


def test_no_import_cycle() -> None:
    graph = {
        name: {t for t in m.top_level if t in MODULES and t != name}
        for name, m in MODULES.items()
    }
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for name in sorted(graph):
        if name not in index:
            visit(name)
    assert cycles == []


def test_no_import_inside_a_function_outside_the_command_line() -> None:
    """An import inside a function is how a cycle gets dodged: the core has none."""
    offences = [
        f"{m.name} imports {target} inside a function"
        for m in MODULES.values()
        if not (m.name == "graphsvc" or _within(m.name, ("graphsvc.cli",)))
        for target in sorted(m.in_functions)
        if target.startswith("graphsvc")
    ]
    assert offences == []


@pytest.mark.parametrize("module", sorted(MODULES), ids=str)
def test_no_module_is_over_400_lines(module: str) -> None:
    lines = MODULES[module].path.read_text().count("\n")
    assert lines <= MAX_LINES, f"{module}: {lines} lines; split it by job"


def test_assembling_a_service_loads_no_web_framework() -> None:
    """`graphsvc query` builds a service from settings without FastAPI (assemble.py)."""
    code = (
        "import sys, graphsvc.assemble, graphsvc.cli.query; "
        "print(sorted(m for m in ('fastapi', 'starlette', 'uvicorn') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
