"""The code a job needs from a notebook: the definitions of its classes, and what they use.

`NotebookCode` reads the cells an IPython shell keeps (`input_hist_parsed`; for a class or
function with code, the exact cell through `linecache`), finds each definition the task
needs, and follows the global names it uses (`symtable`): imports become import
statements (by the shortest public path, `from xpm.core import Task`), plain constants
become assignments, and classes and functions of the notebook are added in turn, those
needed when a definition runs (bases, decorators, annotations) first. Anything else is
refused with an `XpmError` naming the value and what to do. `mainsource` decides when
this is used.
"""

from __future__ import annotations

import ast
import builtins
import linecache
import symtable
import sys
import types
from dataclasses import dataclass
from typing import Any

from xpm.core import XpmError

_LITERALS = (int, float, str, bytes, bool, type(None), tuple, list, dict, set, frozenset)
_DEFINITIONS = (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)


@dataclass
class _Definition:
    name: str
    source: str
    order: tuple[int, int]
    needs_first: set[str]


class NotebookCode:
    """Builds the module a job needs from the definitions kept by an IPython shell."""

    def __init__(self, shell: Any, names: str) -> None:
        self.shell = shell
        self.names = names
        self.namespace: dict[str, Any] = shell.user_ns
        self.cells: list[str] = list(shell.history_manager.input_hist_parsed)
        self._parsed: dict[int, ast.Module | None] = {}
        self.imports: dict[str, str] = {}
        self.modules: list[str] = []
        self.constants: dict[str, str] = {}
        self.definitions: dict[str, _Definition] = {}
        self.aliases: dict[str, str] = {}

    def build(self, classes: list[type]) -> tuple[str, list[str]]:
        """Return the module's source and the modules it imports."""
        for cls in classes:
            self._define(cls.__qualname__.partition(".")[0], cls, cls.__qualname__)
        lines = ["# Saved by xpm from a notebook: the definitions the job needs."]
        if getattr(self.shell.compile, "flags", 0) & _future_annotations():
            lines.insert(0, "from __future__ import annotations")
        lines += sorted(self.imports.values())
        lines += [f"{name} = {text}" for name, text in self.constants.items()]
        for definition in self._ordered():
            lines.append("")
            lines.append(definition.source)
        lines += [f"{alias} = {target}" for alias, target in self.aliases.items()]
        return "\n".join(lines) + "\n", self.modules

    def _ordered(self) -> list[_Definition]:
        done: list[_Definition] = []
        seen: set[str] = set()

        def visit(definition: _Definition) -> None:
            if definition.name in seen:
                return
            seen.add(definition.name)
            for name in sorted(definition.needs_first):
                if name in self.definitions:
                    visit(self.definitions[name])
            done.append(definition)

        for definition in sorted(self.definitions.values(), key=lambda d: d.order):
            visit(definition)
        return done

    def _refuse(self, reason: str) -> XpmError:
        return XpmError(
            f"{self.names} (defined in the notebook) cannot be saved with its job: {reason}"
        )

    def _define(self, name: str, value: Any, shown: str) -> None:
        if name in self.definitions:
            return
        if "<locals>" in getattr(value, "__qualname__", ""):
            raise self._refuse(
                f"{shown} is defined inside a function; define it at the top level of a cell"
            )
        found = self._find(name, value)
        if found is None:
            raise self._refuse(
                f"the cell that defines {shown} is not in the notebook's history (was it"
                " made by exec() or a magic?); define it in a cell, or in a module"
            )
        source, order = found
        definition = _Definition(name, source, order, set())
        self.definitions[name] = definition
        free, at_definition = _free_names(source, name)
        for used in sorted(free):
            self._use(used, name)
        definition.needs_first = at_definition

    def _find(self, name: str, value: Any) -> tuple[str, tuple[int, int]] | None:
        """The source of the live definition of `name`, and its (cell, line) order."""
        code = _code_of(value)
        if code is not None:
            lines = linecache.getlines(code.co_filename)
            text = "".join(lines)
            node = _definition_in(text, name, code.co_firstlineno)
            if node is not None:
                cell = next(
                    (
                        i
                        for i in range(len(self.cells) - 1, 0, -1)
                        if self.cells[i].rstrip() == text.rstrip()
                    ),
                    len(self.cells),
                )
                return _segment(lines, node), (cell, node.lineno)
        for index in range(len(self.cells) - 1, 0, -1):
            tree = self._parse(index)
            if tree is None:
                continue
            for node in reversed(tree.body):
                if isinstance(node, _DEFINITIONS) and node.name == name:
                    lines = self.cells[index].splitlines(keepends=True)
                    return _segment(lines, node), (index, node.lineno)
        return None

    def _parse(self, index: int) -> ast.Module | None:
        if index not in self._parsed:
            try:
                self._parsed[index] = ast.parse(self.cells[index])
            except SyntaxError:
                self._parsed[index] = None
        return self._parsed[index]

    def _use(self, name: str, user: str) -> None:
        """Make the notebook's global `name`, used by `user`, part of the module."""
        if name not in self.namespace or name in self.imports or name in self.constants:
            return
        value = self.namespace[name]
        if value is getattr(builtins, name, _MISSING):
            return
        if isinstance(value, types.ModuleType):
            imported = value.__name__
            alias = "" if imported == name else f" as {name}"
            self._add_import(name, f"import {imported}{alias}", imported)
            return
        module: Any = getattr(value, "__module__", None)
        qualname: Any = getattr(value, "__qualname__", None)
        if module == "__main__" and isinstance(value, type | types.FunctionType):
            assert isinstance(qualname, str)
            top = qualname.partition(".")[0]
            self._define(top, value, qualname)
            if qualname != name:
                self.aliases[name] = qualname
            return
        if isinstance(module, str) and module != "__main__":
            statement = _import_of(value, module, qualname, name)
            if statement is not None:
                self._add_import(name, statement, module)
                return
        if type(value) in _LITERALS:
            try:
                if ast.literal_eval(repr(value)) == value:
                    self.constants[name] = repr(value)
                    return
            except (ValueError, SyntaxError, TypeError, RecursionError):
                pass
        raise self._refuse(
            f"{user} uses {name}, a {type(value).__qualname__} of the notebook, which a job"
            " process cannot get; pass it to the task as a parameter, load it inside"
            " execute(), or define it in a module"
        )

    def _add_import(self, name: str, statement: str, module: str) -> None:
        self.imports[name] = statement
        top = module.partition(".")[0]
        if module not in self.modules and top not in sys.stdlib_module_names:
            self.modules.append(module)


_MISSING = object()


def _future_annotations() -> int:
    import __future__

    return __future__.annotations.compiler_flag


def _import_of(value: Any, module: str, qualname: object, name: str) -> str | None:
    """An import statement that binds `name` to `value` from `module`, or None."""
    parts = module.split(".")
    candidates = [qualname, name] if isinstance(qualname, str) and "." not in qualname else [name]
    for end in range(1, len(parts)):  # the shortest public path: xpm.core, not xpm.core.task
        package = sys.modules.get(".".join(parts[:end]))
        for attribute in candidates:
            if getattr(package, attribute, None) is value:
                alias = "" if attribute == name else f" as {name}"
                return f"from {'.'.join(parts[:end])} import {attribute}{alias}"
    loaded = sys.modules.get(module)
    if loaded is None:
        return None
    if isinstance(qualname, str) and "<" not in qualname:
        target: Any = loaded
        for part in qualname.split("."):
            target = getattr(target, part, _MISSING)
        if target is value:
            if "." not in qualname:
                alias = "" if qualname == name else f" as {name}"
                return f"from {module} import {qualname}{alias}"
            top, _, rest = qualname.partition(".")
            return f"from {module} import {top} as _xpm_{name}; {name} = _xpm_{name}.{rest}"
    for attribute, candidate in vars(loaded).items():
        if candidate is value and not attribute.startswith("__"):
            alias = "" if attribute == name else f" as {name}"
            return f"from {module} import {attribute}{alias}"
    return None


def _code_of(value: Any) -> types.CodeType | None:
    """A code object defined by `value`'s definition: its own, or one of its methods'."""
    if isinstance(value, types.FunctionType):
        return value.__code__
    if isinstance(value, type):
        for member in vars(value).values():
            function = getattr(member, "__func__", member)
            if isinstance(member, property):
                function = member.fget
            code = getattr(function, "__code__", None)
            if isinstance(code, types.CodeType) and code.co_qualname.startswith(
                f"{value.__qualname__}."
            ):
                return code
    return None


def _definition_in(text: str, name: str, line: int) -> ast.stmt | None:
    """The top-level definition of `name` in `text` that spans `line`."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return None
    for node in tree.body:
        if isinstance(node, _DEFINITIONS) and node.name == name:
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            if first <= line <= (node.end_lineno or node.lineno):
                return node
    return None


def _segment(lines: list[str], node: ast.stmt) -> str:
    decorators = getattr(node, "decorator_list", [])
    first = min([node.lineno, *(d.lineno for d in decorators)])
    return "".join(lines[first - 1 : node.end_lineno]).rstrip("\n")


def _free_names(source: str, defined: str) -> tuple[set[str], set[str]]:
    """The global names `source` uses, and those needed when it runs (not in bodies)."""
    free: set[str] = set()

    def walk(table: symtable.SymbolTable) -> None:
        for symbol in table.get_symbols():
            if symbol.is_referenced() and (
                symbol.is_global() or (table.get_type() == "module" and not symbol.is_assigned())
            ):
                free.add(symbol.get_name())
        for child in table.get_children():
            walk(child)

    walk(symtable.symtable(source, "<notebook>", "exec"))
    at_definition: set[str] = set()
    for node in ast.parse(source).body:
        _names_outside_bodies(node, at_definition, top=True)
    for text in _string_annotations(source):
        try:
            expression = ast.parse(text, mode="eval")
        except SyntaxError:
            continue
        free |= {n.id for n in ast.walk(expression) if isinstance(n, ast.Name)}
    free.discard(defined)
    return free, at_definition & free


def _names_outside_bodies(node: ast.AST, names: set[str], top: bool = False) -> None:
    if isinstance(node, ast.Name):
        names.add(node.id)
        return
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
        for child in ast.iter_child_nodes(node):
            if child is not getattr(node, "body", None) and not isinstance(child, ast.stmt):
                _names_outside_bodies(child, names)
        return
    for child in ast.iter_child_nodes(node):
        _names_outside_bodies(child, names)


def _string_annotations(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        annotation = getattr(node, "annotation", None) or getattr(node, "returns", None)
        if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
            found.append(annotation.value)
    return found
