"""Type checks for parameter values, compiled once per annotation.

A checker takes a value and the parameter path and returns the value to store (an `int`
given to a `float` parameter becomes a `float`, a `str` given to a `Path` becomes a
`Path`, a tuple given to a list becomes a list) or raises `ConfigError` naming the path,
what was expected and what came in. Numbers and booleans are converted as experimaestro
converts them (`1.0` or `"1"` for an int, `0`/`1` or `"yes"` for a bool...), so that a
value gets the identifier experimaestro gives it: the table is in docs/configurations.md.
A union tries its members left to right and keeps the first that accepts the value.
"""

from __future__ import annotations

import enum
import types
import typing
from collections.abc import Callable
from pathlib import Path, PurePath
from typing import Any

from .errors import ConfigError

Checker = Callable[[Any, str], Any]


def describe(tp: Any) -> str:
    """Return a short human name for a type annotation (`list[int]`, `Model`, `int | None`)."""
    if tp is type(None):
        return "None"
    if tp is Any:
        return "any value"
    origin = typing.get_origin(tp)
    if origin is typing.Literal:
        return " or ".join(repr(a) for a in typing.get_args(tp))
    if origin in (typing.Union, types.UnionType):
        return " | ".join(describe(a) for a in typing.get_args(tp))
    if origin is not None:
        args = ", ".join("..." if a is Ellipsis else describe(a) for a in typing.get_args(tp))
        return f"{getattr(origin, '__name__', str(origin))}[{args}]"
    return getattr(tp, "__name__", None) or str(tp)


def _shown(value: Any) -> str:
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{type(value).__name__} ({text})"


def _fail(expected: str, value: Any, path: str) -> typing.NoReturn:
    raise ConfigError(f"expected {expected}, got {_shown(value)}", path=path)


_TRUE = frozenset(("true", "t", "yes", "y", "on", "1"))
_FALSE = frozenset(("false", "f", "no", "n", "off", "0"))
_INT64 = 2**63


def _text(value: Any) -> str | None:
    """The text of a `str` or ASCII `bytes` value (numbers written as text), else None."""
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        try:
            return value.decode("ascii")
        except UnicodeDecodeError:
            return None
    return None


def _int_from_text(text: str) -> int | None:
    """`"3"`, `" 3 "`, `"+3"`, `"1_000"`, `"3.0"` -> an int; anything else -> None."""
    try:
        return int(text)
    except ValueError:
        pass
    whole, dot, zeros = text.strip().partition(".")
    if dot and zeros.strip("0") == "" and whole.lstrip("+-").isdigit():
        return int(whole)
    return None


def _check_int(value: Any, path: str) -> Any:
    if type(value) is int:
        return value
    if isinstance(value, int):  # bool, IntEnum
        return int(value)
    if isinstance(value, float):
        if value.is_integer() and -_INT64 <= value < _INT64:
            return int(value)
        raise ConfigError(
            f"expected int, got {_shown(value)}: it is not a whole number; "
            "give an int, or declare the parameter as a float",
            path=path,
        )
    text = _text(value)
    if text is not None:
        number = _int_from_text(text)
        if number is not None:
            return number
        raise ConfigError(
            f"expected int, got {_shown(value)}: text is converted only when it "
            'writes a whole number ("3", "3.0"); give an int',
            path=path,
        )
    _fail("int", value, path)


def _check_float(value: Any, path: str) -> Any:
    if type(value) is float:
        return value
    if isinstance(value, (int, float)):
        try:
            return float(value)
        except OverflowError:
            _fail("float", value, path)
    text = _text(value)
    if text is not None:
        try:
            return float(text)
        except ValueError:
            raise ConfigError(
                f"expected float, got {_shown(value)}: text is converted only when it "
                'writes a number ("0.1", "1e-3", "inf"); give a float',
                path=path,
            ) from None
    _fail("float", value, path)


def _check_str(value: Any, path: str) -> Any:
    if isinstance(value, str):
        return value
    _fail("str", value, path)


def _check_bool(value: Any, path: str) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    text = _text(value)
    if text is not None and text.lower() in _TRUE:
        return True
    if text is not None and text.lower() in _FALSE:
        return False
    raise ConfigError(
        f"expected bool, got {_shown(value)}: give True or False (0, 1 and the words "
        "true/false, yes/no, on/off are converted too)",
        path=path,
    )


def _check_path(value: Any, path: str) -> Any:
    if isinstance(value, Path):
        return value
    if isinstance(value, (str, PurePath)):
        return Path(value)
    _fail("Path (or str)", value, path)


def _check_any(value: Any, path: str) -> Any:
    return value


def _check_none(value: Any, path: str) -> Any:
    if value is None:
        return None
    _fail("None", value, path)


_SIMPLE: dict[Any, Checker] = {
    int: _check_int,
    float: _check_float,
    str: _check_str,
    bool: _check_bool,
    Path: _check_path,
    Any: _check_any,
    object: _check_any,
    type(None): _check_none,
    None: _check_none,
}


def admits_none(tp: Any) -> bool:
    """True for `X | None` (`Optional[X]`): a parameter declared so may be None."""
    origin = typing.get_origin(tp)
    return origin in (typing.Union, types.UnionType) and type(None) in typing.get_args(tp)


def fits_override(old: Any, new: Any, config_base: type) -> bool:
    """True when `new` may redeclare a parameter declared `old`, as experimaestro decides:
    a configuration type by a subclass, any other by the same kind (`list[int]` by
    `list[str]`, not `int` by `str`)."""
    if isinstance(old, type) and issubclass(old, config_base):
        return isinstance(new, type) and issubclass(new, old)
    return bool((typing.get_origin(new) or new) == (typing.get_origin(old) or old))


def compile_checker(tp: Any, config_base: type) -> Checker:
    """Return the checker for annotation `tp`; `config_base` is `xpm.core.Config`.

    Raises:
        ConfigError: the annotation is not a type xpm can store (a callable, say).
    """
    simple = _SIMPLE.get(tp)
    if simple is not None:
        return simple
    if isinstance(tp, typing.TypeVar):
        return compile_checker(tp.__bound__ or Any, config_base)
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is typing.Annotated:
        return compile_checker(args[0], config_base)
    if origin in (typing.Union, types.UnionType):
        return _union(tp, [compile_checker(a, config_base) for a in args])
    if origin is typing.Literal:
        return _literal(args)
    if origin in (list, typing.List, set, frozenset, typing.Set):  # noqa: UP006
        return _collection(origin, args, config_base)
    if origin in (dict, typing.Dict):  # noqa: UP006
        return _mapping(args, config_base)
    if origin is tuple:
        return _tuple(args, config_base)
    if tp in (list, set, frozenset, dict, tuple):
        return _collection(tp, (), config_base) if tp is not dict else _mapping((), config_base)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return _instance_of(tp, tp.__name__)
    if isinstance(tp, type) and issubclass(tp, config_base):
        return _config(tp)
    if isinstance(tp, type):
        return _instance_of(tp, tp.__name__)
    raise ConfigError(f"cannot use {tp!r} as a parameter type")


def _instance_of(cls: type, name: str) -> Checker:
    def check(value: Any, path: str) -> Any:
        if isinstance(value, cls):
            return value
        _fail(name, value, path)

    return check


def _config(cls: type) -> Checker:
    def check(value: Any, path: str) -> Any:
        if isinstance(value, cls):
            return value
        stands_for = getattr(value, "__xpm_stands_for__", None)
        if stands_for is not None and isinstance(stands_for(), cls):
            return value
        _fail(f"a {cls.__name__} configuration", value, path)

    return _task(cls, check) if getattr(cls, "__xpm_task__", False) else check


def _task(cls: type, config: Checker) -> Checker:
    """A parameter declared as a task class takes only tasks that will run: submitted ones
    (or one being submitted, inside its own `task_outputs`), outputs marked by `dep()`,
    and tasks read from a job's params.json (their jobs exist).
    """

    def check(value: Any, path: str) -> Any:
        value = config(value, path)
        state = getattr(value, "_xpm", None)
        if isinstance(value, cls) and (
            state is None
            or not (state.job or state.sealed or state.task is not None or state.origin)
        ):
            raise ConfigError(
                f"{type(value).__name__} was never submitted, so it would never run: call "
                ".submit() on it first and give it here (or give what its submit() returns)",
                path=path,
            )
        return value

    return check


def _union(tp: Any, checkers: list[Checker]) -> Checker:
    expected = describe(tp)

    def check(value: Any, path: str) -> Any:
        for checker in checkers:
            try:
                return checker(value, path)
            except ConfigError:
                continue
        _fail(expected, value, path)

    return check


def _literal(choices: tuple[Any, ...]) -> Checker:
    def check(value: Any, path: str) -> Any:
        if any(value == c and type(value) is type(c) for c in choices):
            return value
        _fail("one of " + ", ".join(repr(c) for c in choices), value, path)

    return check


def _collection(origin: Any, args: tuple[Any, ...], config_base: type) -> Checker:
    element = compile_checker(args[0], config_base) if args else _check_any
    build: type = list if origin in (list, typing.List) else set  # noqa: UP006
    name = build.__name__
    accepted = (list, tuple) if build is list else (set, frozenset, list, tuple)

    def check(value: Any, path: str) -> Any:
        if not isinstance(value, accepted):
            _fail(describe(origin[args] if args else origin), value, path)
        if build is list:
            return [element(v, f"{path}[{i}]") for i, v in enumerate(value)]
        return {element(v, f"{path}{{}}") for v in value}

    check.__name__ = f"check_{name}"
    return check


def _mapping(args: tuple[Any, ...], config_base: type) -> Checker:
    key = compile_checker(args[0], config_base) if args else _check_any
    item = compile_checker(args[1], config_base) if args else _check_any

    def check(value: Any, path: str) -> Any:
        if not isinstance(value, dict):
            _fail(
                "dict" if not args else f"dict[{describe(args[0])}, {describe(args[1])}]",
                value,
                path,
            )
        return {key(k, f"{path} key"): item(v, f"{path}[{k!r}]") for k, v in value.items()}

    return check


def _tuple(args: tuple[Any, ...], config_base: type) -> Checker:
    if len(args) == 2 and args[1] is Ellipsis:
        element = compile_checker(args[0], config_base)

        def check_variadic(value: Any, path: str) -> Any:
            if not isinstance(value, (list, tuple)):
                _fail(describe(tuple[args]), value, path)  # type: ignore[valid-type]
            return tuple(element(v, f"{path}[{i}]") for i, v in enumerate(value))

        return check_variadic
    checkers = [compile_checker(a, config_base) for a in args]

    def check(value: Any, path: str) -> Any:
        if not isinstance(value, (list, tuple)) or len(value) != len(checkers):
            _fail(describe(tuple[args]), value, path)  # type: ignore[valid-type]
        return tuple(
            c(v, f"{path}[{i}]") for i, (c, v) in enumerate(zip(checkers, value, strict=True))
        )

    return check
