"""The attempts of a job, kept in its folder: `<name>.attempts.json`.

Each run of the job process in the folder appends an attempt (its number, when and where
it started); when the scheduler hears the attempt end it records why. Retries are
counted from this file, not from an experiment's memory, so an experiment killed and
started again continues the count. A submission after a final failure (whose
`<name>.failed` lists the attempts) starts a new count.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, final

from .atomic import read_json, write_json_atomic
from .checked import integer, timestamp
from .jobpaths import JobPaths


@final
@dataclass(frozen=True)
class Attempt:
    """One run of a job.

    Attributes:
        number: 1 for the first run since the job was submitted, then 2, ...
        started: When the job process started (Unix seconds).
        host: The machine it ran on.
        batch_id: The cluster's job id (SLURM), if any.
        ended: When the scheduler heard it end, if it has.
        reason: Why it ended (`timeout`, `preempted`, `failed`...), if it failed.
        message: The failure in words.
    """

    number: int
    started: float | None = None
    host: str = ""
    batch_id: str | None = None
    ended: float | None = None
    reason: str | None = None
    message: str = ""

    def to_json(self) -> dict[str, Any]:
        """Return the attempt as written in the file and in `<name>.failed`."""
        return {
            "attempt": self.number,
            "started": self.started,
            "host": self.host,
            "batch_id": self.batch_id,
            "ended": self.ended,
            "reason": self.reason,
            "message": self.message,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Attempt:
        """Read one entry of the file (unknown or missing keys are left out)."""
        number = integer(data.get("attempt"))
        return cls(
            number=number if number is not None and 0 < number < 1 << 31 else 0,
            started=timestamp(data.get("started")),
            host=str(data.get("host") or ""),
            batch_id=str(data["batch_id"]) if data.get("batch_id") else None,
            ended=timestamp(data.get("ended")),
            reason=str(data["reason"]) if data.get("reason") else None,
            message=str(data.get("message") or ""),
        )

    def describe(self, unfinished: str = "running") -> str:
        """`attempt 2: timeout: SLURM: TIMEOUT, reached its time limit (job 42)`.

        An attempt whose end is not recorded is described as `unfinished` (give the
        job's state: a job done ends its last attempt without a record).
        """
        text = f"attempt {self.number}: {self.reason or unfinished}"
        return f"{text}: {self.message}" if self.message else text


def attempts_path(paths: JobPaths) -> Path:
    """`<name>.attempts.json` in the job folder."""
    return paths.folder / f"{paths.name}.attempts.json"


def read_attempts(paths: JobPaths) -> list[Attempt]:
    """Return the attempts recorded in the job folder, first first (none: empty)."""
    data = read_json(attempts_path(paths))
    if not isinstance(data, list):
        return []
    return [Attempt.from_json(entry) for entry in data if isinstance(entry, dict)]


def _write(paths: JobPaths, attempts: list[Attempt]) -> None:
    write_json_atomic(attempts_path(paths), [attempt.to_json() for attempt in attempts])


def begin_attempt(paths: JobPaths, host: str, batch_id: str | None, requeued: bool) -> int:
    """Record that a new attempt starts (called by the job process); return its number.

    An attempt still open ended without anyone hearing it: `requeued` by the cluster
    (SLURM's `scontrol requeue`, or a preemption that requeues), or `interrupted`. The
    `<name>.failed` that attempt wrote when it was stopped, if any, gives its message;
    the job process removes that stale marker right after.
    """
    attempts = read_attempts(paths)
    if attempts and attempts[-1].ended is None:
        last = attempts[-1]
        reason = "requeued" if requeued else "interrupted"
        stale = read_json(paths.failed)
        recorded = stale.get("message") if isinstance(stale, dict) else None
        message = f"it had recorded: {recorded}" if isinstance(recorded, str) else ""
        attempts[-1] = Attempt(
            last.number, last.started, last.host, last.batch_id, time.time(), reason, message
        )
    number = len(attempts) + 1
    attempts.append(Attempt(number, time.time(), host, batch_id))
    _write(paths, attempts)
    return number


def end_attempt(paths: JobPaths, reason: str | None, message: str = "") -> list[Attempt]:
    """Record why the last attempt ended; return every attempt.

    When no attempt is open (the job never started: it was preempted or its node failed
    while it waited), an attempt that never started is recorded, so that it counts.
    """
    attempts = read_attempts(paths)
    now = time.time()
    if attempts and attempts[-1].ended is None:
        last = attempts[-1]
        attempts[-1] = Attempt(
            last.number, last.started, last.host, last.batch_id, now, reason, message
        )
    else:
        attempts.append(Attempt(len(attempts) + 1, None, "", None, now, reason, message))
    _write(paths, attempts)
    return attempts


def resume_attempts(paths: JobPaths) -> None:
    """Before a job starts: continue its count, or start a new one.

    A `<name>.failed` listing the attempts closed the count (the scheduler gave up: this
    is a new submission). One the job process wrote ends the open attempt (the
    experiment stopped before it heard the end); without one, an open attempt was
    interrupted with the experiment.
    """
    data = read_json(paths.failed)
    if isinstance(data, dict) and "attempts" in data:
        forget_attempts(paths)
        return
    attempts = read_attempts(paths)
    if not attempts or attempts[-1].ended is not None:
        return
    if isinstance(data, dict):
        end_attempt(paths, str(data.get("reason") or "failed"), str(data.get("message") or ""))
    else:
        end_attempt(paths, "interrupted", "stopped without recording its end")


def forget_attempts(paths: JobPaths) -> None:
    """Start a new count: the job is submitted again after its final failure."""
    attempts_path(paths).unlink(missing_ok=True)


def rotate_logs(paths: JobPaths) -> list[Path]:
    """Rename non-empty `<name>.out`/`.err` to `<name>.<YYYYMMDDHHMMSS>.out`/`.err`.

    Called before a retry, so that each attempt's logs are kept (the time is local, as
    experimaestro names them). Returns the new paths.
    """
    stamp = time.strftime("%Y%m%d%H%M%S")
    moved: list[Path] = []
    for log, suffix in ((paths.stdout, "out"), (paths.stderr, "err")):
        try:
            if log.stat().st_size == 0:
                continue
        except OSError:
            continue
        target = paths.folder / f"{paths.name}.{stamp}.{suffix}"
        index = 1
        while target.exists():
            index += 1
            target = paths.folder / f"{paths.name}.{stamp}-{index}.{suffix}"
        log.rename(target)
        moved.append(target)
    return moved
