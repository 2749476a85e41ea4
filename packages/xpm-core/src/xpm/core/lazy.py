"""`lazy_exports`: the one way xpm's packages import their public names on first use.

A package `__init__` lists where each name lives; `import xpm.core` then loads none of
those modules until a name is used (PEP 562), which keeps start-up fast for job
processes and the CLI.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # not typing's: importing xpm.core must stay fast
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping


def lazy_exports(
    package: str, where: Mapping[str, str], hidden: Mapping[str, str] | None = None
) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """Return the `__getattr__` and `__dir__` of module `package` (a package's `__init__`).

    `where` maps each public name to the module defining it, relative (`".params"`) or
    absolute; a name is imported on first use, then kept in the package. `hidden` maps
    names that still import but are no longer public (old spellings): they resolve
    the same way but are neither kept nor listed by `dir()`.

    Use it as::

        __getattr__, __dir__ = lazy_exports(__name__, {"Param": ".params"})
    """
    hidden = hidden or {}
    # Relative names are resolved from the package holding `package` when it is a module.
    anchor = vars(sys.modules[package]).get("__package__") or package

    def __getattr__(name: str) -> object:
        module = where.get(name)
        keep = module is not None
        if module is None:
            module = hidden.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        from importlib import import_module

        value: object = getattr(import_module(module, anchor), name)
        if keep:
            vars(sys.modules[package])[name] = value
        return value

    def __dir__() -> list[str]:
        namespace = vars(sys.modules[package])
        return sorted({*(n for n in namespace if n not in hidden), *where})

    return __getattr__, __dir__
