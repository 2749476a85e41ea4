"""Defaults that hold configurations: one copy per object, compared by value.

experimaestro gives each object its own copy of a configuration-valued default, and
leaves a parameter with `ignore_default=True` out of the identifier when its value
*equals* the default: same class and the same declared values (Meta included), or the
same identifier when both are sealed. xpm does the same, so that `C()` and
`C(leaf=Leaf.C(x=3))` name one job when the default is `Leaf.C(x=3)`.
"""

from __future__ import annotations

from .state import ConfigBase

TYPE_CHECKING = False  # not typing's: importing xpm.core must stay fast
if TYPE_CHECKING:
    from typing import Any


def holds_config(value: Any) -> bool:
    """True when `value` is a configuration or a container holding one."""
    if isinstance(value, ConfigBase):
        return True
    if isinstance(value, (list, tuple, set, frozenset)):
        return any(holds_config(v) for v in value)
    if isinstance(value, dict):
        return any(holds_config(v) for v in value.values())
    return False


def clone(value: Any) -> Any:
    """Return a copy of a default: configurations are rebuilt from their declared values.

    Generated paths and constants are left for the new object to fill, as experimaestro
    does; tags are not copied.
    """
    if isinstance(value, ConfigBase):
        values = value.__dict__
        given = {
            p.name: clone(values[p.name])
            for p in type(value).__xpm_spec__.params.values()
            if p.name in values and p.generator is None and not p.is_constant
        }
        return type(value)(**given)
    if isinstance(value, list):
        return [clone(v) for v in value]
    if isinstance(value, tuple):
        return tuple(clone(v) for v in value)
    if isinstance(value, dict):
        return {k: clone(v) for k, v in value.items()}
    if isinstance(value, (set, frozenset)):
        return type(value)(clone(v) for v in value)
    return value


def same(default: Any, value: Any, seen: set[tuple[int, int]] | None = None) -> bool:
    """True when `value` equals `default` as experimaestro compares them.

    Configurations: same class, then equal identifiers if both are sealed, else every
    value set on `default` equal to `value`'s (recursively); lists, tuples and dicts
    element by element; anything else with `==`.
    """
    if isinstance(default, ConfigBase):
        if type(value) is not type(default):
            return False
        if value is default:
            return True
        mine, theirs = default._xpm, value._xpm
        if mine is not None and theirs is not None and mine.sealed and theirs.sealed:
            return bool(default.__identifier__() == value.__identifier__())  # type: ignore[attr-defined]
        seen = set() if seen is None else seen
        pair = (id(default), id(value))
        if pair in seen:  # met again through a cycle: equal so far
            return True
        seen.add(pair)
        values, others = default.__dict__, value.__dict__
        return all(
            same(values[name], others.get(name), seen)
            for name in type(default).__xpm_spec__.params
            if name in values
        )
    if isinstance(default, (list, tuple)):
        return (
            isinstance(value, type(default))
            and len(value) == len(default)
            and all(same(d, v, seen) for d, v in zip(default, value, strict=True))
        )
    if isinstance(default, dict):
        return (
            isinstance(value, dict)
            and value.keys() == default.keys()
            and all(same(d, value[k], seen) for k, d in default.items())
        )
    return bool(default == value)


class ByValue:
    """A default holding configurations, as the identifier compares values with it."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __eq__(self, other: object) -> bool:
        return same(self.value, other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"ByValue({self.value!r})"
