"""Submit hooks: change a job's environment or launcher when a task is submitted."""

from __future__ import annotations

from collections.abc import Hashable
from typing import TYPE_CHECKING, TypeVar

from .graph import walk_own
from .state import ConfigBase

T = TypeVar("T", bound=type)

if TYPE_CHECKING:
    from .jobhandle import JobHandle


class SubmitHook:
    """Base of hooks applied to every job whose configuration uses a decorated class.

    Subclass it, implement `process(job, launcher)` (and `spec()` when instances differ),
    and decorate a configuration class with an instance::

        class needs_java(SubmitHook):
            def __init__(self, version: int):
                self.version = version
            def spec(self):
                return self.version
            def process(self, job, launcher):
                job.environ["JAVA_HOME"] = "/opt/java"

        @needs_java(11)
        class IndexCollection(Config): ...
    """

    def spec(self) -> Hashable:
        """Return what identifies this hook, so that a job applies equal hooks once."""
        return ()

    def process(self, job: JobHandle, launcher: object) -> None:
        """Apply the hook to `job` (for example, set `job.environ[...]`) before it starts.

        `launcher` is where the job will run (an `xpm.scheduler.Launcher`).
        """
        raise NotImplementedError(f"{type(self).__qualname__} must implement process()")

    def __call__(self, cls: T) -> T:
        own: tuple[SubmitHook, ...] = cls.__dict__.get("__xpm_submit_hooks__", ())
        type.__setattr__(cls, "__xpm_submit_hooks__", (*own, self))
        _BY_CLASS.clear()
        return cls


_BY_CLASS: dict[type, list[SubmitHook]] = {}
"""The hooks of each class and its bases, once each (cleared when a hook is added)."""


def _class_hooks(cls: type) -> list[SubmitHook]:
    hooks = _BY_CLASS.get(cls)
    if hooks is None:
        seen: set[tuple[type, Hashable]] = set()
        hooks = []
        for klass in cls.__mro__:
            for hook in klass.__dict__.get("__xpm_submit_hooks__", ()):
                key = (type(hook), hook.spec())
                if key not in seen:
                    seen.add(key)
                    hooks.append(hook)
        _BY_CLASS[cls] = hooks
    return hooks


def submit_hooks(task: ConfigBase) -> list[SubmitHook]:
    """Return the hooks of every class in `task`'s own graph, once each, in graph order."""
    seen: set[tuple[type, Hashable]] = set()
    hooks: list[SubmitHook] = []
    for config in walk_own(task):
        for hook in _class_hooks(type(config)):
            key = (type(hook), hook.spec())
            if key not in seen:
                seen.add(key)
                hooks.append(hook)
    return hooks
