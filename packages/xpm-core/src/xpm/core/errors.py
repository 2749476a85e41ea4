"""The errors xpm.core raises; `XpmError` is the root of every error xpm raises."""

from __future__ import annotations

TYPE_CHECKING = False  # not typing's: importing xpm.core must stay fast
if TYPE_CHECKING:
    from typing import Any


class XpmError(Exception):
    """Root of every error raised by xpm.

    Catch it to handle any xpm failure; each subclass also derives from the matching
    built-in exception (`TypeError`, `ValueError`, ...) so existing handlers keep working.
    """


class ConfigError(XpmError, TypeError):
    """A parameter received a value of the wrong type, or a configuration is misused.

    Raised at assignment (`Model.C(layers="3")`, `learn.model = 3`) so the mistake is
    reported where it is made. `path` names the parameter (`Learner.model.layers`); fix the
    value or the annotation.
    """

    def __init__(self, message: str, *, path: str = "") -> None:
        super().__init__(message)
        self.path = path
        self.message = message

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class ValidationError(XpmError, ValueError):
    """A configuration is incomplete or holds an invalid value.

    Raised when a configuration is validated (at `submit()`, `__identifier__()` or
    serialization): a required parameter is unset, or a value cannot be hashed or stored.
    `path` names the parameter; set it before submitting.
    """

    def __init__(self, message: str, *, path: str = "", value: Any = None) -> None:
        super().__init__(message)
        self.path = path
        self.value = value
        self.message = message

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class SealedError(XpmError, AttributeError):
    """A parameter was assigned after its configuration was submitted (sealed).

    Submitted configurations are frozen so that their identifier, and so their job folder,
    never changes. Build a new configuration instead (`Model.C(...)`).
    """


class NoExperimentError(XpmError, RuntimeError):
    """`Task.submit()` was called while no experiment is open.

    Open one around the submissions::

        from xpm.scheduler import experiment
        with experiment("workdir", "my-experiment"):
            task.submit()
    """


class SerializationError(XpmError, ValueError):
    """A serialized configuration (params.json) cannot be read or written.

    The message says which file or parameter and why: an unknown or newer format version,
    a class that cannot be imported, or a value that JSON cannot hold.
    """


class UnsetParameterError(XpmError, AttributeError):
    """A parameter was read before it was given a value.

    Pass it to the constructor (`Model.C(layers=3)`) or assign it (`model.layers = 3`).
    Generated paths (`PathGenerator`) are set when the task is submitted.
    """


class TagConflictWarning(UserWarning):
    """One tag name carries two different values in the same configuration graph.

    The first value found is kept; rename one of the tags to keep both.
    """
