"""Configuration classes by module and qualified name: how string annotations resolve.

`"Param[Model]"` written in a class means the `Model` that Python's own scoping would
find from where the class is written: a class of an enclosing function first, then the
module's globals. Classes defined inside functions are not in any module's globals, so
every configuration class is recorded here, keyed by module and `__qualname__`. A leaf
module: it imports nothing of xpm.core.
"""

from __future__ import annotations

_CLASSES: dict[tuple[str, str], type] = {}


def register(cls: type) -> None:
    """Record configuration class `cls` (a later class of the same name replaces it)."""
    _CLASSES[cls.__module__, cls.__qualname__] = cls


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
    for (mod, qualname), klass in _CLASSES.items():
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
        klass for (_, qualname), klass in _CLASSES.items() if qualname.rpartition(".")[2] == name
    ]
