"""`JobHandle`: what `task.submit()` leaves on a task, as xpm.core sees it.

xpm.core does not run jobs; the experiment that receives a task (xpm.scheduler's `Job`)
returns an object with these members, and `task.job` is typed with this protocol, so a
user's editor knows what a job offers without xpm.core importing the scheduler.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from pathlib import Path
from typing import Protocol, runtime_checkable


@runtime_checkable
class JobHandle(Protocol):
    """A submitted task's job: where it runs, where it stands, how to wait for it."""

    @property
    def state(self) -> str:
        """Where the job stands: "waiting", "running", "done", "error"... (a str enum)."""
        ...

    @property
    def jobpath(self) -> Path:
        """The job folder `<workspace>/jobs/<type id>/<identifier>/`."""
        ...

    @property
    def stdout(self) -> Path:
        """The file receiving the job's standard output."""
        ...

    @property
    def stderr(self) -> Path:
        """The file receiving the job's standard error."""
        ...

    @property
    def environ(self) -> MutableMapping[str, str]:
        """Environment variables for the job's process: `SubmitHook.process` adds to them."""
        ...

    def wait(self) -> bool:
        """Block until the job ends; return True if it succeeded."""
        ...

    def on_completed(self, callback: Callable[[], object]) -> None:
        """Call `callback()` in the experiment process once the job has succeeded."""
        ...
