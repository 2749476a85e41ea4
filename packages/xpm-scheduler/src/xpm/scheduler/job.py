"""A submitted task as the experiment follows it: state, folder, dependencies, waiting."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .jobpaths import JobPaths
from .records import Failure, JobState

if TYPE_CHECKING:
    from xpm.core import Task

    from .launcher import Launcher
    from .tokens import CounterToken


_EVENTS = threading.Lock()
"""Guards the making and setting of jobs' `wait()` events."""


class Job:
    """One job of an experiment; `task.job` returns it.

    Attributes:
        task: The submitted task.
        type_id: Its type id; `identifier`: its 64-hex identifier.
        paths: The paths of its folder.
        launcher: Where it runs.
        state: Where it stands (`JobState`); changes while the experiment runs.
        failure: Why it failed, once it has.
        tags: The tags of its configuration.
        dependencies: The jobs it waits for (a tuple).
        environ: Environment variables for its process (submit hooks add to it).
    """

    # An experiment may hold 100,000 jobs: no __dict__, and no Event until wait().
    __slots__ = (
        "_callbacks",
        "_ended",
        "_finished",
        "_listeners",
        "_released",
        "dependencies",
        "environ",
        "failure",
        "held_tokens",
        "identifier",
        "launcher",
        "paths",
        "record",
        "state",
        "tags",
        "task",
        "tokens",
        "type_id",
    )

    def __init__(
        self,
        task: Task,
        type_id: str,
        identifier: str,
        paths: JobPaths,
        launcher: Launcher,
        tags: Mapping[str, Any],
        dependencies: list[Job],
        tokens: list[tuple[CounterToken, int]],
    ) -> None:
        self.task = task
        self.type_id = type_id
        self.identifier = identifier
        self.paths = paths
        self.launcher = launcher
        self.tags = dict(tags)
        # Tuples: most jobs have none, and the empty tuple costs nothing per job.
        self.dependencies: tuple[Job, ...] = tuple(dependencies)
        self.tokens: tuple[tuple[CounterToken, int], ...] = tuple(tokens)
        self.environ: dict[str, str] = {}
        self.state = JobState.WAITING
        self.failure: Failure | None = None
        self.record: Mapping[str, object] | None = None
        self.held_tokens = False
        self._ended: threading.Event | None = None  # made by the first wait()
        self._released = False
        self._finished = False
        self._callbacks: list[Callable[[], Any]] | None = None
        self._listeners: list[Callable[[Job], None]] | None = None

    def __repr__(self) -> str:
        return f"<Job {self.job_id} {self.state.value}>"

    @property
    def job_id(self) -> str:
        """`<type id>/<identifier>`, as the CLI and the monitor name the job."""
        return f"{self.type_id}/{self.identifier}"

    @property
    def path(self) -> Path:
        """The job folder."""
        return self.paths.folder

    @property
    def jobpath(self) -> Path:
        """The job folder (`xpm.core.JobHandle`'s name for `path`)."""
        return self.paths.folder

    @property
    def stdout(self) -> Path:
        """`<name>.out` in the job folder."""
        return self.paths.stdout

    @property
    def stderr(self) -> Path:
        """`<name>.err` in the job folder."""
        return self.paths.stderr

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the job ends (or `timeout` s pass); return whether it succeeded."""
        with _EVENTS:
            if self._released:
                return self.state is JobState.DONE
            if self._ended is None:
                self._ended = threading.Event()
            event = self._ended
        event.wait(timeout)
        return self.state is JobState.DONE

    def on_completed(self, callback: Callable[[], Any]) -> None:
        """Call `callback()` in the experiment process once the job has succeeded.

        Called at once (in this thread) if it already has.
        """
        if self.state is JobState.DONE:
            callback()
        elif self._callbacks is None:
            self._callbacks = [callback]
        else:
            self._callbacks.append(callback)

    def _listen(self, listener: Callable[[Job], None]) -> None:
        """Call `listener(self)` when the job ends (at once if it has); for schedulers."""
        if self.finished:
            listener(self)
        elif self._listeners is None:
            self._listeners = [listener]
        else:
            self._listeners.append(listener)

    def _finish(self, state: JobState, failure: Failure | None = None) -> list[Callable[[], Any]]:
        """Record the end; return what to call next: `on_completed` callbacks, then the
        release of `wait()`ers (so a waiter sees the callbacks' effects)."""
        self.state = state
        self.failure = failure
        self._finished = True
        listeners, self._listeners = self._listeners or [], None
        for listener in listeners:
            listener(self)
        callbacks, self._callbacks = self._callbacks or [], None
        return [*(callbacks if state is JobState.DONE else []), self._release]

    def _release(self) -> None:
        """Let `wait()`ers go (an Event exists only if someone waited)."""
        with _EVENTS:
            self._released = True
            event = self._ended
        if event is not None:
            event.set()

    @property
    def finished(self) -> bool:
        """Whether the job has ended, well or not."""
        return self._finished
