"""How a configuration class is read: its annotations become `Parameter`s in a `ClassSpec`.

`prepare(cls)` builds the spec the first time a class is used, not when it is defined:
classes may then name each other in strings (forward references, cycles). This module
is imported by `import xpm.core`, so typing and the validation module, which reading
annotations needs, are imported inside the functions that read them.
"""

from __future__ import annotations

import sys

from .configdefaults import ByValue, clone, holds_config
from .deprecation import deprecated_setters
from .errors import ConfigError
from .params import FACTORY, MISSING, Field, Kind, PathGenerator
from .state import ConfigBase

TYPE_CHECKING = False  # not typing's: importing xpm.core must stay fast
if TYPE_CHECKING:
    from typing import Any

    from .validation import Checker


class Parameter:
    """One declared parameter of a configuration class, as `parameters(cls)` lists it."""

    __slots__ = (
        "_factory_skip",
        "_help",
        "annotation",
        "check",
        "default",
        "default_factory",
        "generator",
        "groups",
        "holds_config",
        "ignore_default",
        "ignored",
        "kind",
        "name",
        "name_bytes",
        "owner",
        "path",
        "skip_equal",
    )

    def __init__(
        self,
        owner: type,
        name: str,
        kind: Kind,
        annotation: Any,
        check: Checker,
        spec: Field,
        generator: PathGenerator | None,
    ) -> None:
        self.owner = owner
        self.name = name
        self.kind = kind
        self.annotation = annotation
        self.check = check
        self.default = spec.default
        self.default_factory = spec.default_factory
        self.generator = generator
        self.groups = spec.groups
        self.ignore_default = bool(spec.ignore_default)
        # `annotation is pathlib.Path`, without importing pathlib when nothing else has.
        pathlib = sys.modules.get("pathlib")
        is_path = pathlib is not None and annotation is pathlib.Path
        self.ignored = spec.ignored or kind is Kind.META or generator is not None or is_path
        self._help = spec.help
        self.holds_config = holds_config(self.default)
        self._factory_skip: Any = FACTORY
        self.skip_equal = self._skip_equal()
        self.path = f"{owner.__name__}.{name}"
        self.name_bytes = b"\x03" + name.encode("utf-8") + b"\x05"

    def _skip_equal(self) -> Any:
        """The value for which the identifier leaves this parameter out (`MISSING`: never).

        `None` when only a `None` value is left out; for a `default_factory` with
        `ignore_default`, `FACTORY`: see `factory_skip`. A default holding
        configurations is compared by value (`configdefaults.ByValue`).
        """
        if self.kind is Kind.CONSTANT:
            return MISSING
        if self.default is None:
            return None
        if self.ignore_default:
            if self.default is MISSING:
                return FACTORY if self.default_factory is not MISSING else MISSING
            return ByValue(self.default) if self.holds_config else self.default
        return MISSING

    def factory_skip(self) -> Any:
        """`skip_equal` for a `default_factory` with `ignore_default`: as experimaestro,
        call the factory once (on the first identifier) and compare with its result."""
        if self._factory_skip is FACTORY:
            value = self.default_factory()  # type: ignore[operator]
            if value is None:
                self._factory_skip = MISSING
            else:
                self._factory_skip = ByValue(value) if holds_config(value) else value
        return self._factory_skip

    @property
    def type(self) -> Any:
        """The declared type, without `Param`/`Meta` (for example `int` or `list[Model]`)."""
        return self.annotation

    @property
    def help(self) -> str | None:
        """The help text: `field(help=...)` or the docstring written under the parameter."""
        if self._help is None:
            from .docstrings import docstrings

            self._help = docstrings(self.owner).get(self.name, "")
        return self._help or None

    @property
    def is_required(self) -> bool:
        """True when the parameter has no default and must be given."""
        return (
            self.default is MISSING and self.default_factory is MISSING and self.generator is None
        )

    @property
    def is_constant(self) -> bool:
        """True for `Constant[...]` parameters, whose value the class fixes."""
        return self.kind is Kind.CONSTANT

    def make_default(self) -> Any:
        """Return a fresh default value (calling the factory), or `MISSING`."""
        if self.default_factory is not MISSING:
            return self.default_factory()  # type: ignore[operator]
        value = self.default
        if self.holds_config:
            return clone(value)
        if isinstance(value, (list, dict, set)):
            return type(value)(value)
        return value

    def __repr__(self) -> str:
        from .validation import describe

        return f"<Parameter {self.path}: {describe(self.annotation)} ({self.kind.value})>"


class ClassSpec:
    """Everything xpm derives from a configuration class, computed once."""

    __slots__ = (
        "cls",
        "converts",
        "defaults",
        "deprecated",
        "generated",
        "hashed",
        "ignored_params",
        "is_instance",
        "is_task",
        "names",
        "params",
        "plan",
        "stands_for",
        "type_bytes",
        "type_id",
    )

    def __init__(self, cls: type, params: dict[str, Parameter]) -> None:
        self.cls = cls
        self.params = params
        self.names = sorted(params)
        ordered = [params[n] for n in self.names]
        self.hashed = [p for p in ordered if not p.ignored]
        self.ignored_params = [p for p in ordered if p.ignored and p.generator is None]
        self.defaults = [p for p in params.values() if not p.is_required and p.generator is None]
        self.generated = [p for p in params.values() if p.generator is not None]
        explicit = cls.__dict__.get("__xpmid__")
        self.type_id = str(explicit or f"{cls.__module__}.{cls.__qualname__}").lower()
        self.deprecated = deprecated_setters(cls)
        replaced_by = cls.__dict__.get("__xpm_deprecated__")
        self.converts = False
        if replaced_by is not None:
            # A deprecated class takes the type id of the class replacing it; with
            # `__convert__`, its identifier is that of what it converts to.
            self.type_id = prepare(replaced_by[0]).type_id
            self.converts = replaced_by[1]
        self.type_bytes = self.type_id.encode("utf-8")
        self.is_instance = bool(getattr(cls, "__xpm_instance__", False))
        self.is_task = bool(getattr(cls, "__xpm_task__", False))
        self.stands_for = hasattr(cls, "__xpm_stands_for__")  # a SerializedConfig
        self.plan: Any = None  # the identifier's per-class table, built on first use

    def unknown(self, name: str) -> ConfigError:
        import difflib

        close = difflib.get_close_matches(name, self.params, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        known = ", ".join(self.names) or "none"
        return ConfigError(
            f"{self.cls.__name__} has no parameter {name!r}.{hint} (parameters: {known})",
            path=f"{self.cls.__name__}.{name}",
        )


def prepare(cls: type) -> ClassSpec:
    """Return the `ClassSpec` of a configuration class, building it on first use."""
    spec: ClassSpec | None = cls.__dict__.get("__xpm_spec__")
    if spec is None:
        spec = build(cls)
    return spec


def type_id(config: object) -> str:
    """Return the type id of a configuration or configuration class.

    It names the folder of the class's jobs, `<workspace>/jobs/<type id>/`: the
    lowercased `module.QualifiedName`, or the class's `__xpmid__` when it sets one.
    """
    cls = config if isinstance(config, type) else type(config)
    if not issubclass(cls, ConfigBase):
        raise ConfigError(f"type_id() takes a configuration, got {cls.__qualname__}")
    return prepare(cls).type_id


def _hints(cls: type) -> dict[str, Any]:
    import typing

    from .scopes import own_hints

    try:
        return typing.get_type_hints(cls, include_extras=True)
    except NameError:
        pass
    hints: dict[str, Any] = {}
    for klass in reversed(cls.__mro__):
        if "__xpm_raw__" in klass.__dict__:
            hints.update(own_hints(klass))
    return hints


def _parameter(cls: type, owner: type, name: str, hint: Any, raw: Any) -> Parameter | None:
    import typing

    from .validation import admits_none, compile_checker

    if typing.get_origin(hint) is not typing.Annotated:
        return None
    inner, *meta = typing.get_args(hint)
    kind = next((m for m in meta if isinstance(m, Kind)), None)
    generator = next((m for m in meta if isinstance(m, PathGenerator)), None)
    if kind is None and generator is None:
        return None
    # Param[Annotated[Path, pathgenerator(...)]] nests: look one level deeper.
    if typing.get_origin(inner) is typing.Annotated:
        inner, *more = typing.get_args(inner)
        generator = generator or next((m for m in more if isinstance(m, PathGenerator)), None)
    spec = raw if isinstance(raw, Field) else None
    if spec is None:
        spec = Field(raw, MISSING, True, False, None)
    if isinstance(spec.default_factory, PathGenerator):
        generator, spec.default_factory = spec.default_factory, MISSING
    if isinstance(spec.default, PathGenerator):
        generator, spec.default = spec.default, MISSING
    if kind is None:
        kind = Kind.META
    if (
        spec.default is MISSING
        and spec.default_factory is MISSING
        and generator is None
        and admits_none(inner)
    ):
        # As in experimaestro, `Param[X | None]` left unset is None (and, None being
        # its default, left out of the identifier): `C()` and `C(y=None)` are one job.
        spec = _with_default(spec, None)
    if kind is Kind.CONSTANT and spec.default is MISSING:
        raise ConfigError(
            "a Constant needs a value: write `name: Constant[int] = 1`",
            path=f"{owner.__name__}.{name}",
        )
    check = compile_checker(inner, ConfigBase)
    if spec.default is not MISSING:
        from .defaults import checked_default

        spec = _with_default(spec, checked_default(owner, name, inner, check, spec.default))
    return Parameter(owner, name, kind, inner, check, spec, generator)


def _with_default(spec: Field, default: Any) -> Field:
    """`spec` with `default` (and no factory), everything else kept."""
    return Field(
        default,
        MISSING,
        spec.ignore_default,
        spec.ignored,
        spec.help,
        overrides=spec.overrides,
        groups=spec.groups,
    )


def _check_override(parent: Parameter, child: Parameter) -> None:
    """As experimaestro: a redeclared configuration type must be a subclass of the
    parent's, any other type of the same kind (`int` for `int`, a list for a list)."""
    from .validation import describe, fits_override

    old, new = parent.annotation, child.annotation
    if not fits_override(old, new, ConfigBase):
        raise ConfigError(
            f"redeclared as {describe(new)}, but {parent.path} is {describe(old)}: "
            "keep the parent's type (a subclass, for a configuration) or use another name",
            path=child.path,
        )


def check_now(cls: type) -> None:
    """Refuse at the class statement what is wrong in it (`ConfigMeta` calls this for a
    class that gives defaults): a default that does not fit its type, and a
    `field(overrides=True)` whose type does not fit the parent's parameter.

    What cannot be read yet (a name defined later in the module) is checked when the
    class is first used, by `build`.
    """
    raw = cls.__dict__.get("__xpm_raw__", {})
    if any(isinstance(v, Field) and v.overrides for v in raw.values()):
        try:
            _hints(cls)
        except ConfigError:
            pass
        else:
            build(cls)  # checks the overrides, and the defaults (`_parameter`)
            # Read again at first use: a class decorator may still set `__xpmid__`.
            type.__delattr__(cls, "__xpm_spec__")
            return
    from .defaults import check_defaults
    from .scopes import enclosing_names

    check_defaults(cls, enclosing_names(cls))


def build(cls: type) -> ClassSpec:
    """Read the annotations of configuration class `cls`; `prepare` keeps the result."""
    hints = _hints(cls)  # typing gives each name's last annotation
    mro = [k for k in reversed(cls.__mro__) if "__xpm_raw__" in k.__dict__]
    last = {n: k for k in mro for n in k.__dict__.get("__annotations__", {})}  # noqa: RUF063
    params: dict[str, Parameter] = {}
    for klass in mro:
        raw_defaults: dict[str, Any] = klass.__dict__.get("__xpm_raw__", {})
        for name in klass.__dict__.get("__annotations__", {}):  # noqa: RUF063
            if name not in hints:
                continue
            if last[name] is not klass:  # redeclared below: as `klass` itself reads it
                if (own := prepare(klass).params.get(name)) is not None:
                    params[name] = own
                continue
            raw = raw_defaults.get(name, MISSING)
            if raw is MISSING and name in params:
                inherited = params[name]
                raw = Field(
                    inherited.default,
                    inherited.default_factory,
                    inherited.ignore_default,
                    inherited.ignored,
                    None,
                    groups=inherited.groups,
                )
            param = _parameter(cls, klass, name, hints[name], raw)
            if param is None:
                if name in raw_defaults and name not in klass.__dict__:
                    setattr(klass, name, raw_defaults[name])
                continue
            if name in params:
                _check_override(params[name], param)
            params[name] = param
    spec = ClassSpec(cls, params)
    type.__setattr__(cls, "__xpm_spec__", spec)
    return spec
