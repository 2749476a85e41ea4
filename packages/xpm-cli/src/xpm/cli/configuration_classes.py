"""`@configuration` classes: the typed shape of an experiment file's own keys.

An experiment declares what its YAML may contain with a `@configuration` class (a
keyword-only dataclass); `load_configuration` checks the merged YAML against it and
builds the instance. Every error names the file and line that wrote the value.
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final, Literal, TypeVar, Union, dataclass_transform

from .errors import ConfigurationError, ConfigurationTypeError
from .grid_values import GenericParams, grid_values, swept_type
from .located import Located, Plain

T = TypeVar("T")

_MARK: Final = "__xpm_configuration__"


@dataclass_transform(kw_only_default=True, field_specifiers=(dataclasses.field,))
def configuration(cls: type[T]) -> type[T]:
    """Make `cls` a keyword-only dataclass that describes an experiment file's keys.

    Each field is a key; annotate it with int, float (an int is accepted), str, bool,
    Path, an Enum, Literal[...], Optional[...], list[T], dict[str, T] or another
    `@configuration` class for a nested mapping; `GridSearch[T]` for a field that may
    take several values to sweep. A field with a default may be left out of the YAML.
    Example::

        @configuration
        class Optimizer:
            name: str = "adamw"
            lr: float = 1e-3
    """
    made = dataclasses.dataclass(cls, kw_only=True)
    setattr(made, _MARK, True)
    return made


def is_configuration(value: object) -> bool:
    """Return whether `value` is a `@configuration` class or an instance of one."""
    owner = value if isinstance(value, type) else type(value)
    return bool(owner.__dict__.get(_MARK, False)) and dataclasses.is_dataclass(owner)


def load_configuration(cls: type[T], tree: Located, *, reserved: Sequence[str] = ()) -> T:
    """Return an instance of the `@configuration` class `cls` built from `tree`.

    `reserved` lists other keys valid at the top of the file (`parent`, `imports`...),
    offered as suggestions when a top-level key is misspelled.

    Raises:
        ConfigurationError: a key is unknown (with "Did you mean ...?"), a value has
            the wrong type, or a required key is missing; the message names the file,
            line and dotted key.
        ConfigurationTypeError: a field of `cls` has an unsupported annotation.
    """
    return typing.cast(T, _structure(cls, tree, "", tuple(reserved)))


def convert_value(field: tuple[type, str], node: Located, path: str) -> object:
    """Return `node` converted as the field `field` (class, name) of a configuration takes it.

    Raises:
        ConfigurationError: the value does not fit; the message names its file and line.
        ConfigurationTypeError: the field's annotation is not supported in configurations.
    """
    annotation = typing.get_type_hints(field[0], include_extras=True)[field[1]]
    swept = swept_type(annotation)
    return _convert(annotation if swept is None else swept, node, path, field)


def as_plain(instance: object) -> Plain:
    """Return a `@configuration` instance as plain data (enum values, paths as str).

    A `GenericParams` (a swept `GridSearch` field) is the list of its values.
    """
    if isinstance(instance, GenericParams):
        return as_plain(list(instance.values))
    if dataclasses.is_dataclass(instance) and not isinstance(instance, type):
        return {f.name: as_plain(getattr(instance, f.name)) for f in dataclasses.fields(instance)}
    if isinstance(instance, enum.Enum):
        return as_plain(instance.value)
    if isinstance(instance, Path):
        return str(instance)
    if isinstance(instance, list | tuple):
        return [as_plain(item) for item in instance]
    if isinstance(instance, Mapping):
        return {str(key): as_plain(item) for key, item in instance.items()}
    if instance is None or isinstance(instance, bool | int | float | str):
        return instance
    return str(instance)


def describe(annotation: Any) -> str:
    """Return how an annotation reads in an error message (`int`, `list[str]`, ...)."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (Union, types.UnionType):
        parts = [describe(a) for a in args if a is not type(None)]
        return " or ".join(parts + (["null"] if type(None) in args else []))
    if origin is Literal:
        return "one of " + ", ".join(repr(a) for a in args)
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        choices = ", ".join(repr(c) for c in _choices(annotation))
        return f"one of {choices} ({annotation.__name__})"
    if is_configuration(annotation):
        return f"a mapping ({annotation.__name__})"
    if origin is list:
        return f"list[{describe(args[0]) if args else 'any'}]"
    if origin is dict:
        return f"dict[str, {describe(args[1]) if len(args) == 2 else 'any'}]"
    if annotation is type(None):
        return "null"
    if annotation is Any:
        return "any value"
    return getattr(annotation, "__name__", repr(annotation))


def _given(node: Located) -> str:
    if isinstance(node.value, dict):
        return "a mapping"
    if isinstance(node.value, list):
        return "a list"
    if node.value is None:
        return "null"
    if isinstance(node.value, int) and not -(10**20) < node.value < 10**20:
        return f"an integer of {len(str(abs(node.value)))} digits"
    return f"{node.value!r} ({type(node.value).__name__})"


def _mismatch(
    annotation: Any, node: Located, path: str, hint: tuple[str, ...] = ()
) -> ConfigurationError:
    quote = ""
    if annotation in (str, Path) and isinstance(node.value, bool | int | float):
        quote = "; quote it to write a string"
    elif annotation is float and isinstance(node.value, int) and not isinstance(node.value, bool):
        quote = ", too large for a float (at most about 1.8e308)"
    return ConfigurationError(
        f"expected {describe(annotation)}, got {_given(node)}{quote}",
        source=node.source,
        path=path,
        suggestions=hint,
    )


def _choices(cls: type[enum.Enum]) -> list[str]:
    members = list(cls)
    if all(isinstance(m.value, str) for m in members):
        return [m.value for m in members]
    return [m.name for m in members]


def _structure(cls: type, node: Located, path: str, reserved: tuple[str, ...] = ()) -> object:
    if not isinstance(node.value, dict):
        raise _mismatch(cls, node, path)
    try:
        hints = typing.get_type_hints(cls, include_extras=True)
    except NameError as error:
        raise ConfigurationTypeError(cls.__name__, "", error.name) from None
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    for key, item in node.value.items():
        if key not in fields:
            known = ", ".join(fields) or "none"
            raise ConfigurationError(
                f"unknown key for {cls.__name__} (its keys: {known})",
                source=item.where,
                path=_join(path, key),
                suggestions=_close_matches(key, [*fields, *reserved]),
            )
    values: dict[str, object] = {}
    for name, fld in fields.items():
        child = _join(path, name)
        if name in node.value:
            values[name] = _convert(hints[name], node.value[name], child, (cls, name))
        elif fld.default is dataclasses.MISSING and fld.default_factory is dataclasses.MISSING:
            raise ConfigurationError(
                f"missing required key, expected {describe(hints[name])}",
                source=node.where,
                path=child,
            )
    try:
        return cls(**values)
    except ValueError as error:
        raise ConfigurationError(str(error), source=node.where, path=path) from None


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _convert(annotation: Any, node: Located, path: str, owner: tuple[type, str]) -> object:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    value = node.value
    if origin is typing.Annotated:
        swept = swept_type(annotation)
        if swept is not None and isinstance(value, list | dict):
            return GenericParams(
                tuple(grid_values(lambda n, p: _convert(swept, n, p, owner), node, path))
            )
        return _convert(args[0] if swept is None else swept, node, path, owner)
    if annotation is Any:
        return node.plain()
    if origin in (Union, types.UnionType):
        return _convert_union(annotation, node, path, owner)
    if origin is Literal:
        return _convert_literal(annotation, node, path)
    if origin is list or annotation is list:
        item_type = args[0] if args else Any
        if not isinstance(value, list):
            raise _mismatch(annotation, node, path)
        return [_convert(item_type, item, f"{path}[{i}]", owner) for i, item in enumerate(value)]
    if origin is dict or annotation is dict:
        key_type, item_type = args if len(args) == 2 else (str, Any)
        if key_type is not str:
            raise ConfigurationTypeError(owner[0].__name__, owner[1], annotation)
        if not isinstance(value, dict):
            raise _mismatch(annotation, node, path)
        return {k: _convert(item_type, v, _join(path, k), owner) for k, v in value.items()}
    if is_configuration(annotation):
        return _structure(annotation, node, path)
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return _convert_enum(annotation, node, path)
    scalar = _SCALARS.get(annotation)
    if scalar is None:
        raise ConfigurationTypeError(owner[0].__name__, owner[1], annotation)
    converted = scalar(node)
    if converted is _INVALID:
        raise _mismatch(annotation, node, path)
    return converted


_INVALID: Final = object()


def _to_int(node: Located) -> object:
    value = node.value
    return value if isinstance(value, int) and not isinstance(value, bool) else _INVALID


def _to_float(node: Located) -> object:
    value = node.value
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return float(value)
        except OverflowError:  # beyond 1.8e308: said by _given
            return _INVALID
    return _INVALID


def _to_str(node: Located) -> object:
    if node.text is not None and not isinstance(node.value, list | dict):
        return node.text
    return node.value if isinstance(node.value, str) else _INVALID


def _to_bool(node: Located) -> object:
    return node.value if isinstance(node.value, bool) else _INVALID


def _to_path(node: Located) -> object:
    text = _to_str(node)
    return Path(text) if isinstance(text, str) else _INVALID


def _to_none(node: Located) -> object:
    return None if node.value is None else _INVALID


_SCALARS: Final[dict[Any, Callable[[Located], object]]] = {
    int: _to_int,
    float: _to_float,
    str: _to_str,
    bool: _to_bool,
    Path: _to_path,
    type(None): _to_none,
}


def _convert_union(annotation: Any, node: Located, path: str, owner: tuple[type, str]) -> object:
    args = typing.get_args(annotation)
    if node.value is None and type(None) in args:
        return None
    options = [a for a in args if a is not type(None)]
    if len(options) == 1:
        return _convert(options[0], node, path, owner)
    for option in options:
        try:
            return _convert(option, node, path, owner)
        except ConfigurationError:
            continue
    raise _mismatch(annotation, node, path)


def _convert_literal(annotation: Any, node: Located, path: str) -> object:
    choices = typing.get_args(annotation)
    for choice in choices:
        if type(choice) is type(node.value) and choice == node.value:
            return choice
        if isinstance(choice, str) and node.text is not None and choice == node.text:
            return choice
    text = node.value if isinstance(node.value, str) else node.text
    names = [c for c in choices if isinstance(c, str)]
    hint = _close_matches(text, names) if text is not None else []
    raise _mismatch(annotation, node, path, tuple(hint))


def _convert_enum(cls: type[enum.Enum], node: Located, path: str) -> object:
    for member in cls:
        if type(member.value) is type(node.value) and member.value == node.value:
            return member
    text = node.value if isinstance(node.value, str) else node.text
    if text is not None:
        for member in cls:
            if text in (member.name, str(member.value)):
                return member
    hint = _close_matches(text, _choices(cls)) if text is not None else []
    raise _mismatch(cls, node, path, tuple(hint))


def _close_matches(word: str, known: Sequence[str]) -> list[str]:
    from xpm.launchers.plumbing import close_matches

    return close_matches(word, known)
