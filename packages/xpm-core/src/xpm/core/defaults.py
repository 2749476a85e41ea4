"""Defaults are values too: checked and converted like given values, refused early.

experimaestro 2.7 validates a default when the class is first used; xpm refuses a
default of the wrong type when the class statement runs, naming the class and the
parameter, and stores the converted default (`field(default=1)` on a float is `1.0`).
"""

from __future__ import annotations

import sys

from .errors import ConfigError
from .params import MISSING, Field, Kind, PathGenerator
from .state import ConfigBase

TYPE_CHECKING = False  # not typing's: imported when a class with defaults is defined
if TYPE_CHECKING:
    from typing import Any

    from .validation import Checker


def checked_default(owner: type, name: str, inner: Any, check: Checker, default: Any) -> Any:
    """Return `default` converted as a given value would be, or refuse it.

    Raises:
        ConfigError: the default does not fit the declared type (`Bad.x: default 0.2 is
            not a valid int`).
    """
    try:
        return check(default, f"{owner.__name__}.{name}")
    except ConfigError as exc:
        from .validation import describe

        raise ConfigError(
            f"default {default!r} is not a valid {describe(inner)} ({exc.message}): "
            "fix the default or the annotation",
            path=f"{owner.__name__}.{name}",
        ) from None


def check_defaults(cls: type, visible: dict[str, type]) -> None:
    """Refuse, when class `cls` is defined, a default that does not fit its type.

    Only annotations that can be read already are checked here (a name defined later
    is checked when the class is first used, by `spec.build`). `visible` are the
    configuration classes of the enclosing scopes, by name.

    Raises:
        ConfigError: as `checked_default`.
    """
    import typing

    from .validation import compile_checker

    module = sys.modules.get(cls.__module__)
    globalns = dict(vars(module)) if module is not None else {}
    localns: dict[str, Any] = {**visible, **vars(cls)}
    annotations = cls.__dict__.get("__annotations__", {})  # noqa: RUF063
    for name, raw in cls.__dict__.get("__xpm_raw__", {}).items():
        default = raw.default if isinstance(raw, Field) else raw
        if default is MISSING or isinstance(default, PathGenerator):
            continue
        try:
            hint = annotations[name]
            if isinstance(hint, str):
                hint = eval(hint, globalns, localns)  # as typing.get_type_hints does
            inner, *meta = typing.get_args(hint)
            if typing.get_origin(hint) is not typing.Annotated or not any(
                isinstance(m, Kind) for m in meta
            ):
                continue
            if typing.get_origin(inner) is typing.Annotated:
                continue  # a path generator, or another marker: left to `build`
            check = compile_checker(inner, ConfigBase)
        except Exception:  # unreadable now: `build` reads it later
            continue
        checked_default(cls, name, inner, check, default)
