"""The stack of open submitters: where `Task.submit()` finds the open experiment.

xpm.core never imports the scheduler. An experiment pushes a `Submitter` while it is
open (`submitting_to`); `submit()` hands tasks to the innermost one.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from .errors import NoExperimentError

if TYPE_CHECKING:
    from .jobhandle import JobHandle
    from .task import Task


class Submitter(Protocol):
    """What an experiment provides to `Task.submit()` (implemented by xpm.scheduler)."""

    def job_folder(self, task: Task) -> Path:
        """Return the folder where `task`'s job runs (its paths are generated there);
        asked only for a task with paths to generate."""
        ...

    def submit(self, task: Task, *, launcher: object, outputs: object) -> JobHandle:
        """Schedule the sealed `task`; return its job (kept as `task.job`)."""
        ...


_STACK: list[Submitter] = []


@contextmanager
def submitting_to(submitter: Submitter) -> Iterator[Submitter]:
    """Make `submitter` receive every `Task.submit()` inside the `with` block."""
    _STACK.append(submitter)
    try:
        yield submitter
    finally:
        _STACK.remove(submitter)


def current_submitter() -> Submitter:
    """Return the innermost open submitter.

    Raises:
        NoExperimentError: no experiment is open; the message says how to open one.
    """
    if not _STACK:
        raise NoExperimentError(
            "no experiment is open: submit tasks inside `with experiment(workdir, name):` "
            "(from xpm.scheduler import experiment), or run the plan with "
            "`xpm run-experiment FILE.yaml`"
        )
    return _STACK[-1]


def current_workspace() -> Path | None:
    """Return the workspace folder of the innermost open experiment, if it has one."""
    for submitter in reversed(_STACK):
        workdir = getattr(submitter, "workdir", None)
        if workdir is not None:
            return Path(workdir)
    return None
