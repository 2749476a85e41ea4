"""xpm.scheduler: run experiments whose tasks each execute exactly once."""

from .errors import SpawnError, TokenError

__all__ = ["SpawnError", "TokenError"]
