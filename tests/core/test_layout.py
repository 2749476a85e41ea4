"""xpm.core's modules form a layered graph: no two modules import each other, even late."""

from __future__ import annotations

import ast
from pathlib import Path

import xpm.core

CORE = Path(xpm.core.__file__).parent


def _imports(path: Path) -> set[str]:
    """The xpm.core modules `path` imports at run time (at the top or inside functions).

    Imports under `if TYPE_CHECKING:` are left out: type checkers only read them.
    """
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                found.add(node.module.split(".")[0])
            else:
                found.update(alias.name for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return found


def _graph() -> dict[str, set[str]]:
    return {p.stem: _imports(p) for p in CORE.glob("*.py") if p.stem != "__init__"}


def test_core_modules_import_each_other_without_a_cycle() -> None:
    graph = _graph()
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> None:
        assert module not in path, "import cycle: " + " -> ".join([*path, module])
        if module in done:
            return
        for target in sorted(graph.get(module, ())):
            visit(target, [*path, module])
        done.add(module)

    for module in sorted(graph):
        visit(module, [])


def test_leaf_modules_import_nothing_of_xpm_core() -> None:
    graph = _graph()
    assert graph["state"] == set()
    assert graph["errors"] == set()
    assert graph["config"] <= {"errors", "params", "state", "spec", "tags", "identifier"}


def test_no_core_module_is_over_400_lines() -> None:
    sizes = {p.name: len(p.read_text(encoding="utf-8").splitlines()) for p in CORE.glob("*.py")}
    assert {name: n for name, n in sizes.items() if n > 400} == {}
