"""`deprecate`: renaming parameters and classes without losing the jobs already run.

Three spellings, as in experimaestro 2.7 (and with its identifiers):

- a method decorated with `@deprecate` in a class body, named after an old parameter,
  receives the value given (or stored in an old params.json) for it and sets the new
  parameters; the old name is no longer a parameter;
- `@deprecate` on `class Old(New)` gives `Old` the type id of `New`: both hash alike;
- `@deprecate(New)` on a class defining `__convert__()` hashes it as the `New`
  configuration `__convert__()` returns; with `replace=True`, `Old.C(...)` returns it.

Identifiers of deprecated forms are the new ones; `xpm deprecated fix` moves each old
job folder to its new identifier, so that nothing is computed again.
"""

from __future__ import annotations

from .errors import ConfigError
from .state import ConfigBase

TYPE_CHECKING = False  # not typing's: importing xpm.core must stay fast
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, TypeVar

    T = TypeVar("T")


class DeprecatedParameter:
    """What `@deprecate` makes of a method: the setter of a parameter that was renamed.

    `Model.C(old=v)`, `model.old = v` and loading a params.json that stores `old` call
    the method with `v`; it sets the parameters that replaced `old`.
    """

    __slots__ = ("convert", "name")

    def __init__(self, convert: Callable[[Any, Any], None]) -> None:
        self.convert = convert
        self.name = convert.__name__

    def __get__(self, instance: object, owner: type | None = None) -> Any:
        if instance is None:
            return self
        raise AttributeError(self.name)  # Config.__getattr__ then says it is deprecated

    def __set__(self, instance: object, value: Any) -> None:
        self.convert(instance, value)


def deprecated_setters(cls: type) -> dict[str, Callable[[Any, Any], None]]:
    """Return the `@deprecate` setters of `cls` (and its bases), by old parameter name."""
    found: dict[str, Callable[[Any, Any], None]] = {}
    for klass in reversed(cls.__mro__):
        for name, value in klass.__dict__.items():
            if isinstance(value, DeprecatedParameter):
                found[name] = value.convert
    return found


def deprecate(target: Any = None, *, replace: bool = False) -> Any:
    """Mark a parameter or a configuration class as deprecated (see the module docstring).

    Raises:
        ConfigError: the decorated class is neither a subclass of one configuration
            class (`@deprecate`) nor defines `__convert__` (`@deprecate(New)`).
    """
    if target is None:
        return lambda cls: _deprecate_class(cls, None, replace)
    if isinstance(target, type) and issubclass(target, ConfigBase):
        bases = target.__bases__
        plain = bases and bases[0].__module__.startswith("xpm.core.")  # Config, Task...
        if not replace and len(bases) == 1 and issubclass(bases[0], ConfigBase) and not plain:
            return _deprecate_class(target, None, False)
        return lambda cls: _deprecate_class(cls, target, replace)
    if callable(target):
        return DeprecatedParameter(target)
    raise ConfigError(
        f"deprecate() takes a method, a configuration class or a target class, got {target!r}"
    )


def _deprecate_class(cls: T, target: type | None, replace: bool) -> T:
    assert isinstance(cls, type)
    if target is None:
        parent = cls.__bases__[0] if len(cls.__bases__) == 1 else None
        if parent is None or not issubclass(parent, ConfigBase):
            raise ConfigError(
                f"@deprecate on {cls.__name__}: a deprecated class must derive from the "
                "one class that replaces it (class Old(New)), or use @deprecate(New) with "
                "a __convert__ method"
            )
        type.__setattr__(cls, "__xpm_deprecated__", (parent, False))
    else:
        if not callable(getattr(cls, "__convert__", None)):
            raise ConfigError(
                f"@deprecate({target.__name__}) on {cls.__name__}: define "
                f"__convert__(self) returning the {target.__name__} it becomes"
            )
        type.__setattr__(cls, "__xpm_deprecated__", (target, True))
        if replace:
            type.__setattr__(cls, "__new__", _replacing_new)
    if "__xpm_spec__" in cls.__dict__:
        type.__delattr__(cls, "__xpm_spec__")
    return cls


def _replacing_new(cls: type, **kwargs: Any) -> Any:
    """`Old.C(...)` for `@deprecate(New, replace=True)`: build `Old`, return its conversion."""
    old: Any = object.__new__(cls)
    cls.__init__(old, **kwargs)  # type: ignore[misc]
    return old.__convert__()
