"""Configurations that restore an object's state from disk in the job process."""

from __future__ import annotations

from pathlib import Path
from typing import Generic, TypeVar

from .config import Config
from .params import Param

T = TypeVar("T", bound=Config)


class SerializedConfig(Config, Generic[T]):
    """Stands for `config` once `initialize()` has restored its state.

    Use it wherever `config`'s type is expected: in the job process, `initialize()` runs
    first and the task then sees `config` itself in place of this wrapper.
    """

    config: Param[T]
    """The configuration whose state is restored."""

    def initialize(self) -> None:
        """Restore `self.config`'s state (called once, in the job process)."""
        raise NotImplementedError(f"{type(self).__qualname__} must implement initialize()")

    def __xpm_stands_for__(self) -> Config:
        return self.config


class PathBasedSerializedConfig(SerializedConfig[T]):
    """A `SerializedConfig` whose state is read from `path` (a file or a folder)."""

    path: Param[Path]
    """Where the state is stored (not part of the identifier, as every path)."""
