"""The errors xpm.scheduler raises; each one also derives from a built-in exception."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from xpm.core import XpmError

if TYPE_CHECKING:
    from .job import Job


class TokenError(XpmError, ValueError):
    """A counter token was declared or requested with an impossible amount.

    Raised when a token is declared with a total below 1 or a name that cannot be a file
    name, and when a job asks for more of a token than its total, since that job could
    never start. `name`, `total` and `amount` say which token and what was asked; lower
    the job's request or declare the token with a larger total.
    """

    def __init__(self, name: str, problem: str, *, total: int, amount: int = 0) -> None:
        super().__init__(name, problem)
        self.name = name
        self.problem = problem
        self.total = total
        self.amount = amount

    def __str__(self) -> str:
        return f"token {self.name!r} (total {self.total}): {self.problem}"


class JobPathError(XpmError, ValueError):
    """A type id or job identifier cannot name a folder of the workspace.

    Raised by `JobPaths.of` when a part is empty, is `.` or `..`, or holds a `/` or a
    NUL character, so that a job folder can never escape `<workspace>/jobs/`. `what`
    names the part and `value` is what was given.
    """

    def __init__(self, what: str, value: str) -> None:
        super().__init__(what, value)
        self.what = what
        self.value = value

    def __str__(self) -> str:
        return (
            f"{self.what} {self.value!r} cannot name a job folder: it must be"
            " non-empty, not '.' or '..', and hold no '/' or NUL character"
        )


class JobFolderError(XpmError, ValueError):
    """A folder to delete is not a real job folder inside the workspace.

    Raised by `remove_job_folder` (`xpm jobs clean --perform`) when the folder, or its
    type folder, is a symbolic link, or resolves outside `<workspace>/jobs/`. Nothing is
    deleted; remove the link yourself if it should go.
    """

    def __init__(self, folder: str, jobs: str) -> None:
        super().__init__(folder, jobs)
        self.folder = folder
        self.jobs = jobs

    def __str__(self) -> str:
        return (
            f"{self.folder} is not a real job folder under {self.jobs} (a symbolic link,"
            " or it leads elsewhere): xpm deletes nothing outside the workspace"
        )


class ExperimentNameError(XpmError, ValueError):
    """An experiment's name cannot name its folder, `<workspace>/experiments/<name>/`.

    Raised by `experiment(...)` and by the `xpm` commands that take an experiment name,
    before anything is written, when the name is empty, `.` or `..`, holds a `/`, a NUL
    or a newline, or any character but letters, digits, `_`, `.` and `-` (it must start
    with a letter or digit). `name` is what was given and `where` where it came from;
    choose a name such as `bm25-sweep`. The command line exits with code 2.
    """

    exit_code: ClassVar[int] = 2

    def __init__(self, name: object, where: str = "") -> None:
        super().__init__(name, where)
        self.name = name
        self.where = where

    def __str__(self) -> str:
        where = f" ({self.where})" if self.where else ""
        return (
            f"experiment name {self.name!r}{where} cannot name a folder of the workspace:"
            " use 1 to 200 letters, digits, '_', '.' or '-', starting with a letter or"
            " digit, e.g. 'bm25-sweep'"
        )


class SpawnError(XpmError, OSError):
    """A job's process could not be started.

    Raised by `spawn` when the program is missing or not executable, the working folder
    does not exist, or the log files cannot be opened. `argv` and `cwd` say what was
    started where and `reason` what the system answered; fix the command or the folder.
    """

    def __init__(self, argv: list[str], cwd: str, reason: str) -> None:
        super().__init__(reason)
        self.argv = argv
        self.cwd = cwd
        self.reason = reason

    def __str__(self) -> str:
        return f"cannot start {self.argv!r} in {self.cwd}: {self.reason}"


class ExperimentFailedError(XpmError, RuntimeError):
    """Some jobs of the experiment failed; raised when the `with experiment(...)` block ends.

    The message lists each failed job with its reason, the path of its log and the last
    lines of that log, so the cause shows without opening a file. Fix the task (or its
    input) and run the experiment again: finished jobs are skipped, failed ones retried.

    Attributes:
        failures: The failed jobs, in submission order.
        total: How many jobs the experiment submitted.
    """

    def __init__(self, failures: Sequence[Job], total: int) -> None:
        super().__init__(failures)
        self.failures = list(failures)
        self.total = total

    def __str__(self) -> str:
        from .records import Failure

        lines = [f"{len(self.failures)} of {self.total} jobs failed:"]
        for job in self.failures:
            failure = job.failure or Failure()
            lines.append(f"  {job.job_id}: {failure.describe()}")
            if failure.reason != "dependency":
                lines.append(f"    log: {job.stderr}")
                lines.extend(f"    | {line}" for line in _log_tail(job.stderr, 8))
        return "\n".join(lines)


ExperimentFailed = ExperimentFailedError
"""The former name of `ExperimentFailedError`, kept for code that catches it."""


def _log_tail(path: os.PathLike[str], count: int) -> list[str]:
    """Return the last `count` non-blank lines of a log (read from its last 8 KiB)."""
    try:
        with open(path, "rb") as file:
            file.seek(0, os.SEEK_END)
            size = file.tell()
            file.seek(max(0, size - 8192))
            text = file.read().decode("utf-8", errors="replace")
    except OSError:
        return []
    return [line for line in text.splitlines() if line.strip()][-count:]


class KillRefusedError(XpmError, RuntimeError):
    """A job cannot be stopped from here (`xpm jobs kill`, the monitor's button).

    Raised when the job is not running, its pid record is unreadable, its process runs on
    another machine or belongs to another user, or `scancel` failed. The message says
    which, and what to do (stop it from its machine, as its user).
    """


KillRefused = KillRefusedError
"""The former name of `KillRefusedError`, kept for code that catches it."""


class ResultsError(XpmError, LookupError):
    """Results were asked of something the workspace does not have.

    Raised by `experiment_results`, `run_jobs` and `Results.check_tag`/`check_value`/
    `grid` for an unknown experiment, run, tag or value key (the message lists the known
    ones and suggests the closest), and for a result file name that leaves the job folder.
    `xpm results` reports it as a usage error (exit code 2).
    """

    exit_code = 2
