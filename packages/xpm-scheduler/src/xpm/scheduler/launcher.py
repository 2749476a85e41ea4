"""What the scheduler asks of a launcher: start a job process somewhere, say when it ended.

The scheduler decides *when* a job runs (dependencies, tokens, caps); a launcher decides
*where* and *how*. Every launcher runs the same command, `python -m xpm.scheduler.run
<job folder>`, which writes the job's markers itself; the launcher only reports that the
process is over, with what it knows of the ending (an exit code, a signal, SLURM's
state). The markers on disk stay the truth: the scheduler reads them after `on_end`.
"""

from __future__ import annotations

import sys
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal, final

from .jobpaths import JobPaths

if TYPE_CHECKING:
    from xpm.core import Retries

Reason = Literal[
    "failed", "memory", "timeout", "cancelled", "dependency", "preempted", "node_failure"
]
"""Why a job failed, with experimaestro's words (they go into `<name>.failed`), plus
`preempted` and `node_failure` (experimaestro reads them as `failed`)."""


@final
@dataclass(frozen=True)
class JobLaunch:
    """Everything a launcher needs to start one job.

    Attributes:
        folder: The job folder; the process runs there.
        name: Stem of the job's files (`<name>.out`, `<name>.err`, ...).
        job_id: `<type id>/<identifier>`, for messages and batch systems' job names.
        command: The program to run, `python -m xpm.scheduler.run <folder>`.
        environ: Variables to add to the environment (from submit hooks).
        requirements: The task's resource requirement as written by the user, if any.
        after: Pid records (`<name>.pid` contents) of dependencies that have not ended
            yet; only given to launchers with `native_dependencies`.
    """

    folder: Path
    name: str
    job_id: str
    command: tuple[str, ...]
    environ: Mapping[str, str] = field(default_factory=dict)
    requirements: str | None = None
    after: tuple[Mapping[str, object], ...] = ()

    @property
    def paths(self) -> JobPaths:
        """Every path of the job folder (`paths.stdout` is `<name>.out`, ...)."""
        return JobPaths(self.folder, self.name)

    @property
    def stdout(self) -> Path:
        """`<name>.out` in the job folder."""
        return self.paths.stdout

    @property
    def stderr(self) -> Path:
        """`<name>.err` in the job folder."""
        return self.paths.stderr


@final
@dataclass(frozen=True)
class Ending:
    """How a job process ended, as far as its launcher knows.

    Attributes:
        code: The exit code, or None when the process was killed by a signal or the
            launcher cannot know it.
        signal: The signal that killed it, if any.
        reason: The failure reason when the job did not write its own `.failed`.
        message: What happened, in words for the user (`killed by SIGKILL (out of
            memory)`, `SLURM: TIMEOUT`).
    """

    code: int | None
    signal: int | None = None
    reason: Reason = "failed"
    message: str = ""


EndCallback = Callable[[Ending], None]
"""Called once, from any thread, when a started or re-attached job's process is over."""


def job_command(folder: Path, python: str | None = None) -> tuple[str, ...]:
    """Return the command that runs the job of `folder`: `python -m xpm.scheduler.run`."""
    return (python or sys.executable, "-m", "xpm.scheduler.run", str(folder))


class Launcher(ABC):
    """Starts job processes and reports their end.

    Attributes:
        max_running: How many of this launcher's jobs may run at once (None: no cap).
        native_dependencies: Whether the launcher can start a job before its
            dependencies end, making it wait for them itself (SLURM's `afterok`).
        batch_window: Seconds to wait after the latest submission before starting jobs,
            so that jobs submitted together reach `start_many` together (job arrays).
        retries: When this launcher's jobs are submitted again (`xpm.core.Retries`);
            a submission's or a task class's own retries win. None: the defaults.
    """

    max_running: int | None = None
    native_dependencies: bool = False
    batch_window: float = 0.0
    retries: Retries | None = None

    @abstractmethod
    def start(self, launch: JobLaunch, on_end: EndCallback) -> Mapping[str, object]:
        """Start the job; return its pid record, a JSON object with a `type` key.

        The scheduler writes the record to `<name>.pid` so that a later experiment can
        `reattach`. `on_end` is called once when the process is over.
        """

    def start_many(
        self, launches: Sequence[tuple[JobLaunch, EndCallback]]
    ) -> list[Mapping[str, object]]:
        """Start several independent jobs at once (job arrays); by default one by one."""
        return [self.start(launch, on_end) for launch, on_end in launches]

    @abstractmethod
    def reattach(
        self, launch: JobLaunch, record: Mapping[str, object], on_end: EndCallback
    ) -> bool:
        """Follow a job started earlier (maybe by another experiment process).

        Returns:
            True when the job still runs (or waits) and `on_end` will be called; False
            when it is gone or the record is not this launcher's.
        """

    @abstractmethod
    def kill(self, record: Mapping[str, object]) -> bool:
        """Stop the job of `record`; return False when it was not running."""

    def with_more_memory(self, factor: float, cap: str | None) -> Launcher | None:
        """Return a launcher like this one asking for `factor` times its memory (at most
        `cap`), for a retry after running out of memory; None when it cannot (no memory
        limit of its own, or already at the cap)."""
        return None

    def update_dependencies(
        self, record: Mapping[str, object], after: Sequence[Mapping[str, object]]
    ) -> bool:
        """Make the queued job of `record` wait for the jobs of `after` instead of those
        it waited for (a dependency was submitted again); False when it cannot.

        Only launchers with `native_dependencies` have queued jobs that wait.
        """
        return False

    def close(self) -> None:
        """Stop following jobs (they keep running); called when the experiment ends."""
        return None
