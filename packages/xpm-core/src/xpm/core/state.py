"""What xpm keeps about configurations besides their parameters, and where.

A leaf module: every other module of xpm.core may import it, it imports none of them.
`ConfigBase` holds the `_xpm` slot with each object's `State`; `Config` derives from it,
and nothing else does, so `isinstance(value, ConfigBase)` tells a configuration without
importing `config.py`. `CLASSES` records every configuration class by module and
qualified name, which is how string annotations are resolved (`spec.py`).
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing's: importing xpm.core must stay fast
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any, ClassVar

    from .spec import ClassSpec


class State:
    """Per-object bookkeeping that is not a parameter (tags, task links, sealing)."""

    __slots__ = (
        "dependencies",
        "digest",
        "init_tasks",
        "job",
        "maintaskdir",
        "meta",
        "origin",
        "outputs",
        "retries",
        "sealed",
        "tags",
        "task",
        "taskdir",
    )

    def __init__(self) -> None:
        self.sealed = False
        self.tags: dict[str, Any] = {}
        self.task: ConfigBase | None = None
        self.meta: bool | None = None
        self.init_tasks: list[Any] = []
        self.digest: bytes | None = None
        self.job: Any = None
        self.outputs: Any = None
        self.retries: Any = None
        self.dependencies: list[Any] = []
        self.taskdir: Path | None = None
        self.maintaskdir: Path | None = None
        self.origin: tuple[str, str] | None = None  # (type id, identifier) read from a job


class ConfigBase:
    """The root of `Config`: the `_xpm` slot holds the object's `State`, or None."""

    __slots__ = ("__dict__", "__weakref__", "_xpm")
    if TYPE_CHECKING:
        _xpm: State | None
        __xpm_spec__: ClassVar[ClassSpec]  # set on each class by `spec.prepare`


_SLOT: Any = ConfigBase.__dict__["_xpm"]
set_state = _SLOT.__set__
"""`set_state(config, state)`: store `state` (or None) without `Config.__setattr__`."""


def state_of(config: ConfigBase) -> State:
    """Return `config`'s `State`, creating it on first use."""
    state: State | None = config._xpm
    if state is None:
        state = State()
        set_state(config, state)
    return state


CLASSES: dict[tuple[str, str], type] = {}
"""Every configuration class by `(module, qualified name)`; a redefinition replaces one."""


def register(cls: type) -> None:
    """Record configuration class `cls` in `CLASSES` (called by `ConfigMeta`)."""
    CLASSES[cls.__module__, cls.__qualname__] = cls
