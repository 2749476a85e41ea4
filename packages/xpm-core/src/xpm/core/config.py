"""The `Config` base class: typed parameters, validation on assignment, sealing."""

from __future__ import annotations

import reprlib
import sys

from .errors import ConfigError, SealedError, UnsetParameterError
from .params import Field, Kind, TaggedValue, field
from .state import ConfigBase, register, set_state, state_of

# Importing xpm.core must stay fast (tests/test_imports.py): typing and pathlib are
# imported when a class is first prepared, not here.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, ClassVar, Self, TypeVar, dataclass_transform

    from .identifier import Identifier
    from .spec import ClassSpec, Parameter

    C = TypeVar("C")
else:

    def dataclass_transform(**kwargs: Any) -> Any:
        """`typing.dataclass_transform`, without importing typing (about 10 ms)."""
        options = {
            "eq_default": kwargs.pop("eq_default", True),
            "order_default": kwargs.pop("order_default", False),
            "kw_only_default": kwargs.pop("kw_only_default", False),
        }
        if sys.version_info >= (3, 12):
            options["frozen_default"] = kwargs.pop("frozen_default", False)
        options["field_specifiers"] = kwargs.pop("field_specifiers", ())
        options["kwargs"] = kwargs

        def decorate(cls: Any) -> Any:
            cls.__dataclass_transform__ = options
            return cls

        return decorate


_MARKERS = ("Param", "Meta", "Option", "Constant", "Annotated")


def _is_candidate(annotation: Any) -> bool:
    if isinstance(annotation, str):
        return annotation.split("[", 1)[0].strip().rsplit(".", 1)[-1] in _MARKERS
    # An evaluated `Param[...]` means that typing is loaded already.
    typing = sys.modules.get("typing")
    return typing is not None and typing.get_origin(annotation) is typing.Annotated


def prepare(cls: type) -> ClassSpec:
    """Return `cls`'s `ClassSpec` (`spec.prepare`), importing `spec.py` only when a class
    is first read: reading annotations needs typing."""
    spec: ClassSpec | None = cls.__dict__.get("__xpm_spec__")
    if spec is None:
        from .spec import build

        spec = build(cls)
    return spec


def parameters(cls: type[Config]) -> dict[str, Parameter]:
    """Return the parameters of a configuration class, by name, in declaration order."""
    return dict(prepare(cls).params)


class _SelfClass:
    """`Model.C` is `Model` itself: `Model.C(layers=3)` reads like experimaestro's API."""

    def __get__(self, instance: object, owner: type[C]) -> type[C]:
        return owner


@dataclass_transform(kw_only_default=True, field_specifiers=(field, Field))
class ConfigMeta(type):
    """Metaclass of `Config`: keeps parameter defaults aside until the class is prepared."""

    def __new__(
        mcs,
        name: str,
        bases: tuple[type, ...],
        namespace: dict[str, Any],
        **kwargs: Any,
    ) -> ConfigMeta:
        annotations = namespace.get("__annotations__", {})
        raw = {
            key: namespace.pop(key)
            for key, annotation in annotations.items()
            if key in namespace and _is_candidate(annotation)
        }
        namespace["__xpm_raw__"] = raw
        cls = super().__new__(mcs, name, bases, namespace, **kwargs)
        register(cls)
        if raw:
            from .spec import check_now

            check_now(cls)
        return cls


class Config(ConfigBase, metaclass=ConfigMeta):
    """Base class of every configuration: subclass it and declare parameters.

    ```python
    class Model(Config):
        layers: Param[int] = 3
        "Number of layers"

    model = Model.C(layers=4)     # or Model(layers=4)
    ```

    Values are type-checked when given or assigned; a configuration is sealed (read-only)
    once a task using it is submitted.
    """

    __slots__ = ()
    if TYPE_CHECKING:
        # Declared for type checkers only: typing.get_type_hints() on a subclass would
        # otherwise need `ClassVar`, that is typing, in this module's namespace.
        __xpm_spec__: ClassVar[ClassSpec]
        C: ClassVar[_SelfClass]
    C = _SelfClass()

    def __init__(self, **kwargs: Any) -> None:
        spec = type(self).__dict__.get("__xpm_spec__") or prepare(type(self))
        set_state(self, None)
        values = self.__dict__
        params = spec.params
        for name, value in kwargs.items():
            param = params.get(name)
            if param is None:
                deprecated = spec.deprecated.get(name)
                if deprecated is None:
                    raise spec.unknown(name)
                deprecated(self, value)
                continue
            if type(value) is TaggedValue:
                value = _untag(self, name, value)
            values[name] = param.check(value, param.path)
        for param in spec.defaults:
            if param.name not in values:
                values[param.name] = param.make_default()
            elif param.kind is Kind.CONSTANT and values[param.name] != param.default:
                raise ConfigError(
                    f"is a constant ({param.default!r}), "
                    f"it cannot be set to {values[param.name]!r}",
                    path=param.path,
                )

    def __setattr__(self, name: str, value: Any) -> None:
        spec: ClassSpec | None = type(self).__dict__.get("__xpm_spec__")
        param = spec.params.get(name) if spec is not None else None
        if param is None:
            object.__setattr__(self, name, value)
            return
        state = self._xpm
        if state is not None and state.sealed:
            raise SealedError(
                f"{param.path} cannot be changed: the configuration was sealed when a task "
                f"using it was submitted. Build a new one instead ({type(self).__name__}.C(...))"
            )
        if param.kind is Kind.CONSTANT:
            raise ConfigError(
                f"is a constant ({param.default!r}) and cannot be set", path=param.path
            )
        if type(value) is TaggedValue:
            value = _untag(self, name, value)
        self.__dict__[name] = param.check(value, param.path)

    def __getattr__(self, name: str) -> Any:
        spec: ClassSpec | None = type(self).__dict__.get("__xpm_spec__")
        if spec is not None and name in spec.params:
            param = spec.params[name]
            if param.generator is not None:
                raise UnsetParameterError(
                    f"{param.path} is a generated path: it is set when the task is submitted"
                )
            raise UnsetParameterError(
                f"{param.path} is not set: pass it to the constructor "
                f"({type(self).__name__}.C({name}=...)) or assign it"
            )
        if spec is not None and name in spec.deprecated:
            raise AttributeError(
                f"{type(self).__name__}.{name} is deprecated: it is no longer stored; read "
                "the parameters that replaced it"
            )
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    @reprlib.recursive_repr()
    def __repr__(self) -> str:
        spec = prepare(type(self))
        shown = ", ".join(f"{n}={self.__dict__[n]!r}" for n in spec.params if n in self.__dict__)
        return f"{type(self).__name__}({shown})"

    def __identifier__(self) -> Identifier:
        """Return the content hash that names this configuration's job folder.

        Raises:
            ValidationError: a required parameter is unset (the message gives its path),
                or a value cannot be hashed.
        """
        return _identifier(self)

    def tag(self, name: str, value: Any) -> Self:
        """Attach tag `name` with `value` (str, int, float or bool); returns the config."""
        from .tags import check_tag

        state = state_of(self)
        state.tags[name] = check_tag(name, value)
        return self

    def tags(self) -> dict[str, Any]:
        """Return every tag of this configuration's graph (sub-configs and task outputs).

        The same tag with two different values warns (naming both) and keeps the first.
        """
        return _collect_tags(self)

    def add_dependencies(self, *dependencies: Any) -> Self:
        """Make the job of this task wait for `dependencies` (tokens, other tasks)."""
        state_of(self).dependencies.extend(dependencies)
        return self


def _identifier(config: Config) -> Identifier:
    """Import the identifier module on first use, then let it take this name's place."""
    from . import identifier

    global _identifier
    _identifier = identifier.identifier
    return _identifier(config)


def _collect_tags(root: ConfigBase) -> dict[str, str | int | float | bool]:
    """Import the tags module on first use, then let it take this name's place."""
    from . import tags

    global _collect_tags
    _collect_tags = tags.collect_tags
    return tags.collect_tags(root)


class InstanceConfig(Config):
    """A configuration whose object identity matters.

    Two distinct objects with equal parameters stand for two different things (two
    separately initialised sub-models, say): within one configuration graph, the second
    object gets a different identifier from the first.
    """

    if TYPE_CHECKING:
        __xpm_instance__: ClassVar[bool]
    __xpm_instance__ = True


def _untag(config: Config, name: str, tagged: TaggedValue) -> Any:
    from .tags import check_tag

    state_of(config).tags[name] = check_tag(name, tagged.value)
    return tagged.value


def setmeta(config: C, meta: bool) -> C:
    """Mark `config` as meta (left out of identifiers wherever it is used) or not.

    `setmeta(cfg, False)` forces a config held by a `Meta` parameter into the identifier.
    """
    if not isinstance(config, Config):
        raise ConfigError(f"setmeta() takes a configuration, got {type(config).__qualname__}")
    state_of(config).meta = meta
    return config
