"""The packages talk to each other through their public names only, and hold no import cycle.

Both checks read the sources with `ast`; nothing is imported. A package may import from
a sibling `from xpm.P import N` when N is in xpm.P's `__all__`, or from one of the
sibling's declared seam modules (`SEAMS`), which carry their own `__all__`. Importing a
sibling's other modules (`from xpm.scheduler.records import ...`, `import
xpm.core.identifier`) is what lets a reorganisation of one package break another, so it
fails here, the way opentelemetry's public-symbol check forces a review.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("core", "scheduler", "launchers", "cli")

SEAMS = frozenset(
    {
        # Plumbing xpm.core shares with its siblings, not with users.
        "xpm.core.plumbing",
        # Plumbing xpm.launchers shares with the CLI: the YAML reader that keeps line
        # numbers and the "did you mean" helper (both move to xpm.core.plumbing once
        # it exists; see docs/dev/launchers-cli.md).
        "xpm.launchers.plumbing",
    }
)
"""Modules a sibling package may import from by their full name, within their `__all__`."""

PENDING: frozenset[str] = frozenset()
"""Known cross-package violations, each fixed in a branch still to be merged."""


@dataclass(frozen=True)
class _Module:
    name: str
    path: Path
    tree: ast.Module

    @property
    def package(self) -> str:
        return self.name.split(".")[1]

    @property
    def is_package(self) -> bool:
        return self.path.name == "__init__.py"


def _modules() -> dict[str, _Module]:
    modules: dict[str, _Module] = {}
    for package in PACKAGES:
        src = ROOT / "packages" / f"xpm-{package}" / "src"
        for path in sorted((src / "xpm" / package).rglob("*.py")):
            parts = path.relative_to(src).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            name = ".".join(parts)
            modules[name] = _Module(name, path, ast.parse(path.read_text("utf-8"), str(path)))
    return modules


MODULES = _modules()


def _public_names(module: _Module) -> frozenset[str]:
    """Return the names of the module's literal `__all__` (empty when it has none)."""
    for node in module.tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else []
        if isinstance(node, ast.AnnAssign):
            targets = [node.target]
        if any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
            assert node.value is not None
            return frozenset(ast.literal_eval(node.value))
    return frozenset()


def _imports(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node


def _cross_package_violations() -> set[str]:
    found: set[str] = set()
    for module in MODULES.values():
        for node in _imports(module.tree):
            if isinstance(node, ast.ImportFrom):
                if node.level or not node.module:
                    continue
                target, names = node.module, [alias.name for alias in node.names]
            else:
                for alias in node.names:
                    if _is_sibling(alias.name, module) and not _is_allowed(alias.name):
                        found.add(f"{module.name}: import {alias.name}")
                continue
            if not _is_sibling(target, module):
                continue
            if not _is_allowed(target):
                found.update(f"{module.name}: from {target} import {n}" for n in names)
                continue
            public = _public_names(MODULES[target])
            found.update(
                f"{module.name}: from {target} import {n} (not in its __all__)"
                for n in names
                if n not in public
            )
    return found


def _is_sibling(target: str, module: _Module) -> bool:
    parts = target.split(".")
    return (
        len(parts) >= 2
        and parts[0] == "xpm"
        and parts[1] in PACKAGES
        and (parts[1] != module.package)
    )


def _is_allowed(target: str) -> bool:
    """Return whether a sibling may import `target`: a package's top or a seam."""
    return (target.count(".") == 1 or target in SEAMS) and target in MODULES


def test_packages_import_only_public_names_of_their_siblings() -> None:
    """A name imported from a sibling package is in that package's (or seam's) `__all__`."""
    found = _cross_package_violations()
    assert sorted(found - PENDING) == []
    assert sorted(PENDING - found) == [], "fixed: remove these entries from PENDING"


def test_seams_declare_their_public_names() -> None:
    """Every seam that exists has an `__all__`, so the check above has a contract to read."""
    assert [seam for seam in SEAMS if seam in MODULES and not _public_names(MODULES[seam])] == []


def _resolve(module: _Module, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.name.split(".")
    if not module.is_package:
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def _runtime_imports(statements: list[ast.stmt]) -> Iterator[ast.Import | ast.ImportFrom]:
    """Yield the imports a module runs when it is imported: not deferred, not typing-only."""
    for statement in statements:
        if isinstance(statement, ast.Import | ast.ImportFrom):
            yield statement
        elif isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        elif isinstance(statement, ast.If) and _is_type_checking(statement.test):
            yield from _runtime_imports(statement.orelse)
        else:
            for field in ("body", "orelse", "finalbody"):
                yield from _runtime_imports(getattr(statement, field, []))
            for handler in getattr(statement, "handlers", []):
                yield from _runtime_imports(handler.body)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _edges(module: _Module) -> set[str]:
    """Return the modules of the same package that `module` imports when it is imported."""
    targets: set[str] = set()
    for node in _runtime_imports(module.tree.body):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
            continue
        target = _resolve(module, node)
        for alias in node.names:
            submodule = f"{target}.{alias.name}"
            targets.add(submodule if submodule in MODULES else target)
    prefix = f"xpm.{module.package}"
    return {
        t
        for t in targets
        if t in MODULES and t != module.name and (t == prefix or t.startswith(prefix + "."))
    }


def _cycles(package: str) -> list[list[str]]:
    """Return the import cycles among the package's modules (Tarjan's components)."""
    names = sorted(n for n in MODULES if MODULES[n].package == package)
    graph = {name: _edges(MODULES[name]) for name in names}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(name: str) -> None:
        index[name] = low[name] = len(index)
        stack.append(name)
        on_stack.add(name)
        for target in sorted(graph[name]):
            if target not in index:
                visit(target)
                low[name] = min(low[name], low[target])
            elif target in on_stack:
                low[name] = min(low[name], index[target])
        if low[name] == index[name]:
            component: list[str] = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == name:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for name in names:
        if name not in index:
            visit(name)
    return components


@pytest.mark.parametrize("package", PACKAGES)
def test_no_import_cycle_inside_a_package(package: str) -> None:
    """Modules import each other one way at import time (imports inside functions aside)."""
    assert _cycles(package) == []


def test_the_checks_see_a_violation_and_a_cycle() -> None:
    """The rules above catch what they are written for, on made-up modules."""
    bad = _Module(
        "xpm.cli.fake",
        ROOT / "fake.py",
        ast.parse(
            "from xpm.scheduler.records import JobEntry\n"
            "from xpm.launchers import NoSuchName\n"
            "import xpm.core.identifier\n"
            "def later():\n    from xpm.core import Config\n"
        ),
    )
    MODULES[bad.name] = bad
    a = _Module("xpm.cli.fake_a", ROOT / "fake_a.py", ast.parse("from .fake_b import x\n"))
    b = _Module(
        "xpm.cli.fake_b",
        ROOT / "fake_b.py",
        ast.parse(
            "import typing\nif typing.TYPE_CHECKING:\n    from . import fake_c\n"
            "try:\n    from .fake_a import y\nexcept ImportError:\n    pass\n"
        ),
    )
    MODULES.update({a.name: a, b.name: b})
    try:
        found = {v for v in _cross_package_violations() if v.startswith("xpm.cli.fake:")}
        cycles = _cycles("cli")
    finally:
        for name in (bad.name, a.name, b.name):
            del MODULES[name]
    assert found == {
        "xpm.cli.fake: from xpm.scheduler.records import JobEntry",
        "xpm.cli.fake: from xpm.launchers import NoSuchName (not in its __all__)",
        "xpm.cli.fake: import xpm.core.identifier",
    }
    assert ["xpm.cli.fake_a", "xpm.cli.fake_b"] in cycles
