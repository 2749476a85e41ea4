"""`forwardoption`: a click option that mirrors a configuration parameter.

Users' own click commands often expose a few parameters of their configurations.
`forwardoption` copies the parameter's type, help (its docstring) and default, so the
option never drifts from the configuration::

    @click.command()
    @forwardoption(arguments(Learner).epochs)          # --epochs
    @forwardoption.optimizer.lr(Learner)               # --optimizer-lr
    @forwardoption(arguments(Learner).epochs, "--n")   # renamed: --n
    def train(epochs: int, optimizer_lr: float) -> None: ...

The decorators work above or below `@click.command()`, as `click.option` does.
"""

from __future__ import annotations

import enum
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final, Literal, TypeVar, Union

import click

from xpm.core import Config, parameters
from xpm.core.plumbing import MISSING, Parameter

from .errors import ForwardOptionError, UnknownParameterError

FC = TypeVar("FC", bound=Callable[..., Any] | click.Command)

_SIMPLE: Final[Mapping[Any, click.ParamType[Any]]] = {
    int: click.INT,
    float: click.FLOAT,
    str: click.STRING,
}


class ParameterPath:
    """A path from a configuration class to one of its (possibly nested) parameters.

    Made by `arguments(cls)`; each attribute access goes one parameter deeper:
    `arguments(Learner).optimizer.lr`.
    """

    __slots__ = ("names", "parameter", "root")

    def __init__(
        self,
        root: type[Config],
        names: tuple[str, ...] = (),
        parameter: Parameter | None = None,
    ) -> None:
        self.root = root
        self.names = names
        self.parameter = parameter

    def __getattr__(self, name: str) -> ParameterPath:
        if name.startswith("__"):
            raise AttributeError(name)
        owner = self.root if self.parameter is None else _config_type(self.parameter.type)
        if owner is None:
            assert self.parameter is not None
            raise ForwardOptionError(
                self.dotted,
                f"its type {_describe(self.parameter.type)} has no parameters",
            )
        known = parameters(owner)
        if name not in known:
            from xpm.launchers.plumbing import close_matches

            raise UnknownParameterError(
                owner.__name__,
                name,
                list(known),
                close_matches(name, known),
            )
        return ParameterPath(self.root, (*self.names, name), known[name])

    @property
    def dotted(self) -> str:
        """Return the path as text, `Learner.optimizer.lr`."""
        return ".".join((self.root.__name__, *self.names))

    def __repr__(self) -> str:
        return f"arguments({self.root.__name__})" + "".join(f".{n}" for n in self.names)


def arguments(cls: type[Config]) -> ParameterPath:
    """Return the root of `cls`'s parameters, to pick one with attributes for
    `forwardoption`: `arguments(Learner).optimizer.lr`."""
    return ParameterPath(cls)


def option_settings(path: ParameterPath, *param_decls: str) -> tuple[list[str], dict[str, Any]]:
    """Return the declarations and keyword arguments of the click option for `path`.

    Raises:
        ForwardOptionError: `path` names a configuration root, a constant, a nested
            configuration, or a type with no command-line form.
    """
    parameter = path.parameter
    if parameter is None:
        raise ForwardOptionError(path.dotted, "pick a parameter: arguments(Cls).name")
    if parameter.is_constant:
        raise ForwardOptionError(path.dotted, "it is a constant, fixed by its class")
    annotation, optional = _strip_optional(parameter.type)
    nested = _config_type(annotation)
    if nested is not None:
        example = next(iter(parameters(nested)), "<name>")
        raise ForwardOptionError(
            path.dotted,
            f"it is a configuration ({_describe(annotation)}); forward one of its"
            f" parameters, e.g. {path!r}.{example}",
        )
    long_name = "--" + "-".join(path.names).replace("_", "-")
    decls = list(param_decls)
    settings: dict[str, Any] = {"help": parameter.help, "show_default": True}
    if typing.get_origin(annotation) is list:
        (item,) = typing.get_args(annotation) or (str,)
        settings["type"] = _click_type(path, item)
        settings["multiple"] = True
        settings["callback"] = _as_list
    elif annotation is bool:
        if not decls:
            decls = [f"{long_name}/--no-{long_name[2:]}"]
        elif not any("/" in decl for decl in decls):
            settings["is_flag"] = True
    else:
        settings["type"] = _click_type(path, annotation)
    if parameter.is_required:
        settings["required"] = True
    else:
        default = parameter.make_default()
        if default is not MISSING:
            if isinstance(default, enum.Enum):
                default = default.name
            settings["default"] = tuple(default) if isinstance(default, list) else default
        elif optional:
            settings["default"] = None
    return decls or [long_name], settings


class _ForwardOption:
    """`forwardoption(arguments(Cls).name, *decls, **attrs)` or
    `forwardoption.name(Cls, *decls, **attrs)`: a click option for one parameter.

    `decls` renames the option (`"--n-epochs"`); `attrs` are passed to `click.option`
    and win over the settings read from the parameter.
    """

    def __call__(self, path: ParameterPath, *param_decls: str, **attrs: Any) -> Callable[[FC], FC]:
        decls, settings = option_settings(path, *param_decls)
        return click.option(*decls, **{**settings, **attrs})

    def __getattr__(self, name: str) -> _PendingPath:
        if name.startswith("__"):
            raise AttributeError(name)
        return _PendingPath((name,))


class _PendingPath:
    """`forwardoption.optimizer.lr`, waiting for the configuration class."""

    __slots__ = ("names",)

    def __init__(self, names: tuple[str, ...]) -> None:
        self.names = names

    def __getattr__(self, name: str) -> _PendingPath:
        if name.startswith("__"):
            raise AttributeError(name)
        return _PendingPath((*self.names, name))

    def __call__(self, cls: type[Config], *param_decls: str, **attrs: Any) -> Callable[[FC], FC]:
        path = arguments(cls)
        for name in self.names:
            path = getattr(path, name)
        return forwardoption(path, *param_decls, **attrs)


forwardoption: Final = _ForwardOption()


class _Choice(click.Choice):  # type: ignore[type-arg]
    """A choice among texts, converted to the values they stand for (enum, Literal)."""

    def __init__(self, values: Mapping[str, object]) -> None:
        super().__init__(list(values))
        self.values = dict(values)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and value in self.values:
            return self.values[value]
        if any(type(value) is type(v) and value == v for v in self.values.values()):
            return value
        return self.values[super().convert(value, param, ctx)]


def _click_type(path: ParameterPath, annotation: Any) -> click.ParamType[Any]:
    if annotation in _SIMPLE:
        return _SIMPLE[annotation]
    if annotation is Path:
        return click.Path(path_type=Path)
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return _Choice({member.name: member for member in annotation})
    if typing.get_origin(annotation) is Literal:
        return _Choice({str(value): value for value in typing.get_args(annotation)})
    raise ForwardOptionError(path.dotted, f"its type {_describe(annotation)} has no option form")


def _as_list(ctx: click.Context, param: click.Parameter, value: Sequence[Any]) -> list[Any]:
    return list(value)


def _strip_optional(annotation: Any) -> tuple[Any, bool]:
    if typing.get_origin(annotation) in (Union, types.UnionType):
        args = typing.get_args(annotation)
        rest = [a for a in args if a is not type(None)]
        if len(rest) == 1:
            return rest[0], type(None) in args
    return annotation, False


def _config_type(annotation: Any) -> type[Config] | None:
    annotation, _ = _strip_optional(annotation)
    if isinstance(annotation, type) and issubclass(annotation, Config):
        return annotation
    return None


def _describe(annotation: Any) -> str:
    if isinstance(annotation, type):
        return annotation.__name__
    return str(annotation).replace("typing.", "")
