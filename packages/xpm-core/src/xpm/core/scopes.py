"""Resolving string annotations as Python's scoping would, from where a class is written.

`model: "Param[Model]"` in a class defined inside a function names a class of that
function, which `typing.get_type_hints` cannot see: these functions find it.
"""

from __future__ import annotations

import sys

from .errors import ConfigError
from .state import CLASSES

TYPE_CHECKING = False  # not typing's: importing xpm.core must stay fast
if TYPE_CHECKING:
    from typing import Any


def own_hints(klass: type) -> dict[str, Any]:
    """Resolve `klass`'s own annotations as Python's scoping would, from where it is written.

    Names resolve, in order, to a configuration class of an enclosing function, a global
    of `klass`'s module, or the one configuration class of that name defined anywhere.
    """
    import typing

    module = sys.modules.get(klass.__module__)
    globalns = vars(module) if module is not None else {}
    localns: dict[str, Any] = {**enclosing_names(klass), **vars(klass)}
    # A bare class holding only `klass`'s own annotations: get_type_hints then reads
    # them as class annotations (ClassVar allowed) without walking `klass`'s bases.
    own = klass.__dict__.get("__annotations__", {})  # noqa: RUF063
    holder = type(klass.__name__, (), {"__annotations__": own, "__module__": klass.__module__})
    while True:
        try:
            return typing.get_type_hints(holder, globalns, localns, include_extras=True)
        except NameError as exc:
            name = getattr(exc, "name", None)
            found = classes_named(name) if name and name not in localns else []
            if len(found) == 1:
                localns[name] = found[0]  # type: ignore[index]
                continue
            if len(found) > 1:
                where = ", ".join(f"{c.__module__}.{c.__qualname__}" for c in found)
                raise ConfigError(
                    f"cannot resolve the annotation of {klass.__qualname__}: {name!r} names "
                    f"several configuration classes ({where}) and none is visible from "
                    f"module {klass.__module__}; import the one you mean there"
                ) from None
            raise ConfigError(
                f"cannot resolve the annotation of {klass.__qualname__}: {exc}; "
                "define the class it names at module level, or import it"
            ) from None


def _scope(qualname: str) -> str:
    """`f.<locals>.Learner` -> `f.<locals>`; `Learner` -> `` (the module)."""
    return qualname.rpartition(".")[0]


def enclosing_names(cls: type) -> dict[str, type]:
    """Return the configuration classes visible from where `cls` is written, by name.

    Classes of inner scopes hide those of outer ones; module-level classes are left to
    the module's globals, which the caller gives precedence below these.
    """
    module = cls.__module__
    own = _scope(cls.__qualname__)
    found: dict[str, tuple[int, type]] = {}
    for (mod, qualname), klass in CLASSES.items():
        if mod != module:
            continue
        scope = _scope(qualname)
        if not scope or not (own == scope or own.startswith(scope + ".")):
            continue
        name = qualname.rpartition(".")[2]
        if name not in found or len(scope) > found[name][0]:
            found[name] = (len(scope), klass)
    return {name: klass for name, (_, klass) in found.items()}


def classes_named(name: str) -> list[type]:
    """Return every recorded configuration class whose `__name__` is `name`."""
    return [
        klass for (_, qualname), klass in CLASSES.items() if qualname.rpartition(".")[2] == name
    ]
