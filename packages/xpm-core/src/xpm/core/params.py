"""How parameters are declared: `Param`, `Meta`, `Option`, `Constant`, `field`, path generators."""

from __future__ import annotations

# `import xpm.core` stays fast (tests/test_imports.py): typing, enum and pathlib are
# imported when first needed, not here. `TYPE_CHECKING` is spelled out for the same reason;
# type checkers treat any name `TYPE_CHECKING` as true.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from pathlib import Path
    from typing import Annotated, Any, ClassVar, Final, TypeVar, overload

    from .partials import ParameterGroup, Partial

    T = TypeVar("T")


class Kind:
    """What a parameter is for; `Param` values name the job, the others do not."""

    __slots__ = ("name", "value")

    if TYPE_CHECKING:
        PARAM: ClassVar[Kind]
        META: ClassVar[Kind]
        CONSTANT: ClassVar[Kind]

    def __init__(self, name: str, value: str) -> None:
        self.name = name
        self.value = value

    def __repr__(self) -> str:
        return f"<Kind.{self.name}: {self.value!r}>"

    def __reduce__(self) -> str:
        return f"Kind.{self.name}"


Kind.PARAM = Kind("PARAM", "param")
Kind.META = Kind("META", "meta")
Kind.CONSTANT = Kind("CONSTANT", "constant")


class _Missing:
    """The sentinel for "no value": distinct from `None`, which is a valid value."""

    _instance: _Missing | None = None

    def __new__(cls) -> _Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"

    def __reduce__(self) -> str:
        return "MISSING"


MISSING: Final = _Missing()

FACTORY: Final[object] = object()
"""`Parameter.skip_equal` for a `default_factory` whose value is compared when hashing."""

if TYPE_CHECKING:
    Param = Annotated[T, Kind.PARAM]
    """An experimental parameter: its value is part of the configuration's identifier."""

    Meta = Annotated[T, Kind.META]
    """A parameter that changes how, not what, is computed: never part of the identifier."""

    Option = Annotated[T, Kind.META]
    """The same as `Meta` (experimaestro's older name)."""

    Constant = Annotated[T, Kind.CONSTANT]
    """A value fixed by the class (a version number, say): always part of the identifier."""
else:
    _MARKERS = {"Param": "PARAM", "Meta": "META", "Option": "META", "Constant": "CONSTANT"}

    def __getattr__(name: str) -> Any:
        # Param, Meta, Option and Constant are `typing.Annotated` aliases; they are built
        # on first use so that importing xpm.core does not import typing.
        if name not in _MARKERS:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        from typing import Annotated, TypeVar

        T = TypeVar("T")
        for marker, kind in _MARKERS.items():
            globals()[marker] = Annotated[T, getattr(Kind, kind)]
        return globals()[name]


class TaggedValue:
    """A value wrapped by `tag()`: the parameter receiving it records a tag of its name."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __repr__(self) -> str:
        return f"tag({self.value!r})"


class PathGenerator:
    """A path inside the job folder, fixed when the task is submitted.

    Use as `field(default_factory=PathGenerator("model.pth"))` or
    `Annotated[Path, pathgenerator("model.pth")]`. The value is
    `<job folder>/model.pth` and is never part of the identifier. Calling it outside a
    submitted task gives the bare relative path. With `partial=` (a `partial(...)` of
    the class), the path is in the partial's folder instead,
    `<workspace>/partials/<type id>/<partial name>/<partial identifier>/model.pth`,
    shared by the tasks that differ only in the parameters the partial leaves out.
    """

    __slots__ = ("partial", "path")

    def __init__(self, path: str | Path = "", *, partial: Partial | None = None) -> None:
        from pathlib import Path

        self.path = Path(path)
        self.partial = partial

    def __call__(self, folder: Path | None = None) -> Path:
        return self.path if folder is None else folder / self.path

    def __repr__(self) -> str:
        if self.partial is not None:
            return f"PathGenerator({str(self.path)!r}, partial={self.partial!r})"
        return f"PathGenerator({str(self.path)!r})"

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, PathGenerator)
            and other.path == self.path
            and other.partial is self.partial
        )

    def __hash__(self) -> int:
        return hash(self.path)


def pathgenerator(path: str | Path, *, partial: Partial | None = None) -> Any:
    """Mark a `Path` parameter as generated inside the job folder (see `PathGenerator`).

    Three spellings, one meaning: `weights: Meta[Path] = pathgenerator("w.npz")` (the
    one type checkers read as optional), `Annotated[Path, pathgenerator("w.npz")]`, and
    `field(default_factory=pathgenerator("w.npz"))`. Typed `Any` so that each of them
    type-checks; the value is a `PathGenerator`.
    """
    return PathGenerator(path, partial=partial)


class Field:
    """What `field()` returns: a parameter's default and how the identifier treats it."""

    __slots__ = (
        "default",
        "default_factory",
        "groups",
        "help",
        "ignore_default",
        "ignored",
        "overrides",
    )

    def __init__(
        self,
        default: Any,
        default_factory: Callable[[], Any] | _Missing,
        ignore_default: bool | None,
        ignored: bool,
        help: str | None,
        *,
        overrides: bool = False,
        groups: Iterable[ParameterGroup] = (),
    ) -> None:
        self.default = default
        self.default_factory = default_factory
        self.ignore_default = ignore_default
        self.ignored = ignored
        self.help = help
        self.overrides = overrides
        self.groups = frozenset(groups)


# The overloads are for type checkers only (typing is not imported at run time).
if TYPE_CHECKING:

    @overload
    def field(
        *,
        default: T,
        ignore_default: bool | None = None,
        ignored: bool = False,
        help: str | None = None,
        overrides: bool = False,
        groups: Iterable[ParameterGroup] = (),
    ) -> T: ...

    @overload
    def field(
        *,
        default_factory: Callable[[], T],
        ignore_default: bool | None = None,
        ignored: bool = False,
        help: str | None = None,
        overrides: bool = False,
        groups: Iterable[ParameterGroup] = (),
    ) -> T: ...

    @overload
    def field(
        *,
        ignore_default: bool | None = None,
        ignored: bool = False,
        help: str | None = None,
        overrides: bool = False,
        groups: Iterable[ParameterGroup] = (),
    ) -> Any: ...


def field(
    *,
    default: Any = MISSING,
    default_factory: Any = MISSING,
    ignore_default: bool | None = None,
    ignored: bool = False,
    help: str | None = None,
    overrides: bool = False,
    groups: Iterable[ParameterGroup] = (),
) -> Any:
    """Declare a parameter's default and how the identifier treats it.

    Args:
        default: the value used when none is given. Unlike a bare default
            (`x: Param[int] = 3`), it is hashed even when left at default, unless
            `ignore_default=True`.
        default_factory: a callable giving the default (for mutable values), or a
            `PathGenerator`.
        ignore_default: leave the parameter out of the identifier when its value equals
            the default, so that adding a parameter keeps existing identifiers.
        ignored: never part of the identifier (like `Meta`).
        help: the help text; by default the docstring written under the parameter.
        overrides: this declaration replaces the parent class's parameter of the same
            name on purpose (its type must be the parent's, or a subclass for a
            configuration).
        groups: the `param_group`s of the parameter, which a `partial` of the class
            leaves out of, or keeps in, its partial identifier.

    Raises:
        ConfigError: both `default` and `default_factory` are given.
    """
    if default is not MISSING and default_factory is not MISSING:
        from .errors import ConfigError

        raise ConfigError(
            "field() takes default or default_factory, not both: "
            "use default_factory for values that must not be shared between configs"
        )
    return Field(
        default, default_factory, ignore_default, ignored, help, overrides=overrides, groups=groups
    )
