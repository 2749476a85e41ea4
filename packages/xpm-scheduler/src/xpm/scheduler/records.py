"""Reading job folders: each job's state, failure, process and progress, from files alone.

The folder is the truth (docs/dev/workspace-layout.md): the experiment, `xpm jobs` and
the monitor all read a job through `read_job`, so they never disagree about its state.
Reading never writes and never takes a lock; a file being replaced is read whole or not
at all because writers rename.
"""

from __future__ import annotations

import enum
import json
import os
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple, final

from .atomic import read_json
from .attempts import read_attempts
from .checked import integer, number, timestamp
from .jobfolders import job_folders, read_regular_file
from .jobpaths import JobPaths
from .locks import is_job_locked
from .pids import ProcessIdentity


class JobState(enum.StrEnum):
    """Where a job stands; the string values are what files and the CLI show."""

    UNSCHEDULED = "unscheduled"
    """Never run here, or left without any marker by a process that is gone."""
    WAITING = "waiting"
    """Submitted, waiting for dependencies, tokens or a free slot (or queued in SLURM)."""
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"

    @property
    def finished(self) -> bool:
        """Whether the job has ended, well or not."""
        return self in (JobState.DONE, JobState.FAILED)


@final
@dataclass(frozen=True)
class Failure:
    """The content of `<name>.failed`: why a job failed.

    Attributes:
        reason: `failed`, `memory`, `timeout`, `cancelled` or `dependency`.
        code: The exit code, when there was one.
        message: One line for people (`ValueError: boom`, `killed by SIGKILL`).
        signal: The signal that ended the process, if any.
        exception: `(type, message)` of the Python exception the task raised, if any.
        time: When the failure was recorded (Unix seconds), if known.
    """

    reason: str = "failed"
    code: int | None = None
    message: str = ""
    signal: int | None = None
    exception: tuple[str, str] | None = None
    time: float | None = None

    def to_json(self) -> dict[str, Any]:
        """Return the JSON object written to `<name>.failed`."""
        return {
            "code": self.code,
            "reason": self.reason,
            "message": self.message,
            "signal": self.signal,
            "exception": (
                None
                if self.exception is None
                else {"type": self.exception[0], "message": self.exception[1]}
            ),
            "time": self.time if self.time is not None else time.time(),
        }

    @classmethod
    def from_text(cls, text: str) -> Failure:
        """Read `<name>.failed` as xpm or experimaestro wrote it; unreadable means failed."""
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            return cls(message="unreadable failure record")
        if isinstance(data, int) and not isinstance(data, bool):
            return cls(code=data, message=f"exit code {data}")
        if not isinstance(data, dict):
            return cls(message="unreadable failure record")
        reason = data.get("failure_status") or data.get("reason") or "failed"
        exc = data.get("exception")
        return cls(
            reason=str(reason).lower() if isinstance(reason, str) else "failed",
            code=integer(data.get("code")),
            message=str(data.get("message") or ""),
            signal=integer(data.get("signal")),
            exception=(
                (str(exc.get("type", "")), str(exc.get("message", "")))
                if isinstance(exc, dict)
                else None
            ),
            time=timestamp(data.get("time")),
        )

    def describe(self) -> str:
        """Return the reason in words: `failed (exit code 1): ValueError: boom`."""
        detail = []
        if self.signal is not None:
            detail.append(f"signal {self.signal}")
        elif self.code is not None:
            detail.append(f"exit code {self.code}")
        text = self.reason + (f" ({', '.join(detail)})" if detail else "")
        return f"{text}: {self.message}" if self.message else text


@final
@dataclass(frozen=True)
class Progress:
    """The last progress a running task reported with `progress()`."""

    fraction: float
    desc: str | None = None
    time: float | None = None


@final
@dataclass(frozen=True)
class JobRecord:
    """One job folder, read: its identity, state and what its files say.

    Attributes:
        type_id: The task's type id (lower-cased module.qualname or `__xpmid__`).
        identifier: The 64-hex identifier.
        paths: Every path of the folder.
        state: Done, failed, running, waiting or unscheduled.
        failure: The failure record, for failed jobs.
        process: The `<name>.pid` record, if any.
        started: When the task began (Unix seconds), if it did.
        ended: When it ended, for finished jobs.
        progress: The last reported progress, if any.
    """

    type_id: str
    identifier: str
    paths: JobPaths
    state: JobState
    failure: Failure | None = None
    process: Mapping[str, Any] | None = None
    started: float | None = None
    ended: float | None = None
    progress: Progress | None = None

    @property
    def job_id(self) -> str:
        """`<type id>/<identifier>`: how the CLI and the monitor name the job."""
        return f"{self.type_id}/{self.identifier}"


def _mtime(path: Path) -> float | None:
    try:
        return path.stat().st_mtime
    except OSError:
        return None


def process_alive(record: Mapping[str, Any], paths: JobPaths) -> bool | None:
    """Whether the process of a pid record still runs; None when this machine can't tell.

    Local records are checked by pid and start time, and by the job lock (a job of
    another host on a shared file system holds it too); other records (SLURM) are left to
    their launcher.
    """
    if record.get("type") == "local":
        try:
            identity = ProcessIdentity.from_json(record)
        except ValueError:
            return is_job_locked(paths.lock)
        running = identity.is_running()
        return running if running is not None else is_job_locked(paths.lock)
    return None


def job_state(paths: JobPaths) -> JobState:
    """Return the state of the job at `paths` (done, failed, running, waiting, unscheduled)."""
    return read_job(paths, light=True).state


def read_job(paths: JobPaths, *, light: bool = False) -> JobRecord:
    """Read the job folder at `paths`; `light` skips what the state does not need."""
    type_id = paths.folder.parent.name
    identifier = paths.folder.name
    if os.path.isfile(f"{paths.folder}/{paths.name}.done"):
        if light:
            return JobRecord(type_id, identifier, paths, JobState.DONE)
        return JobRecord(
            type_id,
            identifier,
            paths,
            JobState.DONE,
            started=_started(paths),
            ended=_mtime(paths.done),
        )
    try:
        failed_text = read_regular_file(paths.failed).decode("utf-8", errors="replace")
    except OSError:
        failed_text = None
    if failed_text is not None:
        failure = Failure.from_text(failed_text)
        return JobRecord(
            type_id,
            identifier,
            paths,
            JobState.FAILED,
            failure=failure,
            started=None if light else _started(paths),
            ended=failure.time if failure.time is not None else _mtime(paths.failed),
        )
    record = read_json(paths.pid)
    if isinstance(record, dict):
        alive = process_alive(record, paths)
        if alive is None or alive:
            state = JobState.WAITING if record.get("state") == "queued" else JobState.RUNNING
            if light:
                return JobRecord(type_id, identifier, paths, state, process=record)
            return JobRecord(
                type_id,
                identifier,
                paths,
                state,
                process=record,
                started=_started(paths),
                progress=_progress(paths),
            )
    return JobRecord(type_id, identifier, paths, JobState.UNSCHEDULED)


def _started(paths: JobPaths) -> float | None:
    """When the job's last attempt started (`<name>.attempts.json`); jobs run before the
    attempts file held it have a `<name>.started`."""
    attempts = read_attempts(paths)
    if attempts:
        return attempts[-1].started
    data = read_json(paths.started)
    return timestamp(data.get("time")) if isinstance(data, dict) else None


def _progress(paths: JobPaths) -> Progress | None:
    """The progress record; None when it is missing or damaged (a fraction that is not
    a finite number)."""
    data = read_json(paths.progress)
    if not isinstance(data, dict):
        return None
    fraction = number(data.get("fraction"))
    if fraction is None:
        return None
    desc = data.get("desc")
    return Progress(fraction, desc if isinstance(desc, str) else None, timestamp(data.get("time")))


def scan_jobs(workdir: str | os.PathLike[str], *, light: bool = False) -> Iterator[JobRecord]:
    """Yield every job folder of the workspace, sorted by type id then identifier."""
    for type_id, _, folder in job_folders(workdir):
        yield read_job(JobPaths(Path(folder), JobPaths.name_of(type_id)), light=light)


class JobEntry(NamedTuple):
    """One job folder as `scan_states` lists it: its names, folder and state only.

    Attributes:
        type_id: The task's type id.
        identifier: The 64-hex identifier.
        folder: The job folder, as a string.
        state: The job's state, as `read_job` would read it.
    """

    type_id: str
    identifier: str
    folder: str
    state: JobState

    @property
    def job_id(self) -> str:
        """`<type id>/<identifier>`."""
        return f"{self.type_id}/{self.identifier}"

    def paths(self) -> JobPaths:
        """Return every path of the job folder."""
        return JobPaths(Path(self.folder), JobPaths.name_of(self.type_id))

    def read(self) -> JobRecord:
        """Read the whole record (failure, process, times) with `read_job`."""
        return read_job(self.paths())


def scan_states(workdir: str | os.PathLike[str]) -> Iterator[JobEntry]:
    """Yield the state of every job folder, sorted as `scan_jobs` does, but faster.

    Listing 10,000 jobs must stay well under a second, and building `Path` objects for
    every file costs most of `scan_jobs`' time: finished and never-run jobs are told
    apart by file names alone (the order of `read_job`), and only a job with a pid
    record is read by `read_job`, to check its process.
    """
    # os.access makes no stat result: a tenth faster than isfile on 100,000 folders.
    access, present = os.access, os.F_OK
    done, failed, unscheduled = JobState.DONE, JobState.FAILED, JobState.UNSCHEDULED
    stems: dict[str, str] = {}
    for type_id, identifier, folder in job_folders(workdir):
        stem = stems.get(type_id) or stems.setdefault(type_id, JobPaths.name_of(type_id))
        base = f"{folder}/{stem}"
        if access(base + ".done", present):
            state = done
        elif access(base + ".failed", present):
            state = failed
        elif access(base + ".pid", present):
            state = read_job(JobPaths(Path(folder), stem), light=True).state
        else:
            state = unscheduled
        yield JobEntry(type_id, identifier, folder, state)


_RUN_NAMES = frozenset(
    ("RunRecord", "SubmittedJob", "list_experiments", "list_runs", "read_run", "read_submitted")
)


def __getattr__(name: str) -> Any:
    """Runs are read by `xpm.scheduler.runs`; their former names here still resolve.

    Loaded on first use, so that a job process (which reads its own folder through this
    module) does not load the run format.
    """
    if name in _RUN_NAMES:
        from . import runs

        return getattr(runs, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
