"""Follow many SLURM jobs from one background thread, with one `sacct` call per round.

Each round asks `sacct` about every followed job at once; jobs that accounting does not
show yet, or shows as queued (it lags the controller by seconds, or is disabled), are asked
of `squeue`, and `scontrol` gives the exit code of those that `squeue` alone saw fail.
When nothing changes, rounds get further apart (up to `max_interval`); any change, or
a new job, brings them back to `min_interval`. A job SLURM does not know is taken as
gone only after `grace` seconds, never at once: a job just submitted may not be listed.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import final

from xpm.scheduler import EndCallback, Ending, Reason

from ..errors import SlurmCommandError
from .commands import CommandResult, CommandRunner
from .sacct import (
    DEPENDENCY_FAILED,
    SlurmJobStatus,
    SlurmProgress,
    merge_statuses,
    parse_sacct,
    parse_squeue,
    sacct_command,
    squeue_command,
    status_of,
)

_log = logging.getLogger(__name__)
_REASONS: dict[str, Reason] = {
    "TIMEOUT": "timeout",
    "OUT_OF_MEMORY": "memory",
    "CANCELLED": "cancelled",
    "PREEMPTED": "preempted",
    "NODE_FAIL": "node_failure",
    "BOOT_FAIL": "node_failure",
}
_BACKOFF = 1.5
_EXIT_CODE = re.compile(r"(?:^|\s)ExitCode=([0-9]+):([0-9]+)")


def ending_of(status: SlurmJobStatus) -> Ending:
    """Return the `Ending` that a job in `status` reports to the scheduler.

    COMPLETED gives its exit code (0); FAILED its exit code, or the signal that killed
    it. The reason is `"timeout"` for TIMEOUT, `"memory"` for OUT_OF_MEMORY,
    `"cancelled"` for CANCELLED, `"preempted"` for PREEMPTED, `"node_failure"` for
    NODE_FAIL and BOOT_FAIL, `"dependency"` when SLURM cancelled the job (or would
    keep it pending forever) because a dependency failed, and `"failed"` otherwise.
    The message reads `SLURM: TIMEOUT, reached its time limit (job 42)`.
    """
    where = f"job {status.job_id}"
    if status.progress is SlurmProgress.DONE:
        return Ending(status.exit_code or 0, message=f"SLURM: {status.slurm_state} ({where})")
    reason = _REASONS.get(status.slurm_state, "failed")
    if status.reason == DEPENDENCY_FAILED or not status.is_final:
        reason = "dependency"
    code = status.exit_code if status.slurm_state == "FAILED" and not status.signal else None
    return Ending(
        code,
        signal=status.signal or None,
        reason=reason,
        message=f"SLURM: {status.slurm_state}, {status.reason} ({where})",
    )


@dataclass
class _Followed:
    on_end: EndCallback
    since: datetime
    last_seen: float
    status: SlurmJobStatus | None = None


@final
class SlurmPoller:
    """Follows SLURM jobs and calls each one's `on_end` once, when it is over.

    `SlurmLauncher` makes one per launcher; with `background`, a daemon thread polls
    while jobs are followed. `poll_once` runs one round in the calling thread.
    """

    def __init__(
        self,
        runner: CommandRunner,
        *,
        min_interval: float = 0.5,
        max_interval: float = 5.0,
        grace: float = 60.0,
        background: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._runner = runner
        self._min = min_interval
        self._max = max(min_interval, max_interval)
        self._grace = grace
        self._background = background
        self._clock = clock
        self._lock = threading.Condition()
        self._jobs: dict[str, _Followed] = {}
        self._interval = min_interval
        self._thread: threading.Thread | None = None
        self._is_closed = False
        self.has_accounting = True
        """False once `sacct` said accounting is disabled: `squeue` answers alone."""

    @property
    def is_closed(self) -> bool:
        """Whether `close` was called: the poller follows no job any more."""
        return self._is_closed

    @property
    def interval(self) -> float:
        """Seconds until the next round: grows while nothing changes."""
        return self._interval

    def followed(self) -> list[str]:
        """Return the ids of the jobs followed now."""
        with self._lock:
            return list(self._jobs)

    def follow(self, job_id: str, on_end: EndCallback, since: datetime | None = None) -> None:
        """Follow `job_id` (`"42"` or `"42_3"`) until it ends; then call `on_end` once.

        `since` is no later than the job's submission (default: a day ago), for `sacct`.
        """
        followed = _Followed(on_end, since or datetime.now() - timedelta(days=1), self._clock())
        with self._lock:
            if self._is_closed:
                raise RuntimeError("this SLURM launcher is closed: make a new one")
            self._jobs[job_id] = followed
            self._interval = self._min
            if self._background and self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="xpm-slurm-poller", daemon=True
                )
                self._thread.start()
            self._lock.notify_all()

    def statuses(
        self, job_ids: Collection[str], since: datetime | None = None
    ) -> dict[str, SlurmJobStatus]:
        """Return what SLURM says of each job in `job_ids` now (unknown jobs are absent).

        Runs one `sacct`, then one `squeue` for the jobs `sacct` does not list or lists
        as queued (the controller is more recent).

        Raises:
            SlurmCommandError: `squeue` failed (the controller does not answer).
        """
        ids = sorted(set(job_ids))
        since = since or datetime.now() - timedelta(days=30)
        accounting: dict[str, SlurmJobStatus] = {}
        if self.has_accounting and ids:
            command = sacct_command(_query_ids(ids), since)
            result = self._runner(command)
            if result.returncode == 0:
                accounting = parse_sacct(result.stdout, command)
            elif "accounting storage is disabled" in result.stderr.lower():
                _log.info("SLURM accounting is disabled: following jobs with squeue only")
                self.has_accounting = False
            else:
                _log.warning("%s; asking squeue instead", _error(command, result))
        # Jobs accounting lists as queued are asked too: it lags the controller by seconds,
        # and keeps a pending array's row (`42_[5-199]`) while its tasks start and end.
        missing = [
            job_id
            for job_id in ids
            if job_id not in accounting or accounting[job_id].progress is SlurmProgress.WAITING
        ]
        controller: dict[str, SlurmJobStatus] = {}
        if missing:
            command = squeue_command(_query_ids(missing))
            result = self._runner(command)
            # squeue exits 1 when it knows none of the ids: that is an answer too.
            if result.returncode != 0 and "invalid job id" not in result.stderr.lower():
                raise _error(command, result)
            controller = parse_squeue(result.stdout, command)
        merged = merge_statuses(accounting, controller)
        return {job_id: self._with_exit_code(merged[job_id]) for job_id in ids if job_id in merged}

    def _with_exit_code(self, status: SlurmJobStatus) -> SlurmJobStatus:
        """Ask `scontrol` the exit code of a job that squeue saw end before accounting."""
        if not status.is_final or status.exit_code is not None:
            return status
        if status.progress is SlurmProgress.DONE:
            return status  # COMPLETED: exit code 0
        command = ["scontrol", "-o", "show", "job", status.job_id]
        result = self._runner(command)
        match = _EXIT_CODE.search(result.stdout)
        if result.returncode != 0 or match is None:
            return status
        code, signal = int(match.group(1)), int(match.group(2))
        return status_of(status.job_id, status.slurm_state, status.slurm_reason, code, signal)

    def poll_once(self) -> bool:
        """Run one round: ask SLURM, call `on_end` of the jobs that ended.

        Returns whether any job changed state. Jobs that will never start (a
        dependency did not succeed) are reported with reason `"dependency"` and left
        queued: the scheduler cancels them, or makes them wait for a new attempt.

        Raises:
            SlurmCommandError: SLURM did not answer; the jobs stay followed.
        """
        with self._lock:
            snapshot = dict(self._jobs)
        if not snapshot:
            return False
        statuses = self.statuses(snapshot, min(f.since for f in snapshot.values()))
        now = self._clock()
        is_changed = False
        ended: list[tuple[_Followed, Ending]] = []
        with self._lock:
            for job_id, followed in snapshot.items():
                if self._jobs.get(job_id) is not followed:
                    continue
                status = statuses.get(job_id)
                if status is None:
                    if now - followed.last_seen > self._grace:
                        del self._jobs[job_id]
                        is_changed = True
                        ended.append((followed, _unknown(job_id, self._grace)))
                    continue
                followed.last_seen = now
                if status != followed.status:
                    is_changed = True
                    followed.status = status
                if status.is_final or status.progress is SlurmProgress.ERROR:
                    del self._jobs[job_id]
                    ended.append((followed, ending_of(status)))
            growth = 1.0 if is_changed else _BACKOFF
            self._interval = min(self._max, max(self._min, self._interval * growth))
            if is_changed:
                self._interval = self._min
        for followed, ending in ended:
            self._notify(followed, ending)
        return is_changed

    def close(self) -> None:
        """Stop following (jobs keep running); `on_end` is not called any more."""
        with self._lock:
            self._is_closed = True
            self._jobs.clear()
            self._lock.notify_all()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=10)

    def _run(self) -> None:
        while True:
            with self._lock:
                while not self._is_closed and not self._jobs:
                    self._lock.wait()
                if self._is_closed:
                    return
            try:
                self.poll_once()
            except SlurmCommandError as error:
                _log.warning("cannot poll SLURM jobs (retrying): %s", error)
            with self._lock:
                if self._is_closed:
                    return
                self._lock.wait(self._interval)

    def _notify(self, followed: _Followed, ending: Ending) -> None:
        try:
            followed.on_end(ending)
        # The callback is the scheduler's: its failure must not stop following other jobs.
        except Exception:
            _log.exception("the end callback of a SLURM job raised")


def _unknown(job_id: str, grace: float) -> Ending:
    return Ending(
        None,
        message=(
            f"SLURM: job {job_id} is unknown to SLURM (neither sacct nor squeue lists it "
            f"after {grace:g} s)"
        ),
    )


def _query_ids(job_ids: Iterable[str]) -> list[str]:
    """Ask for an array once (`42`) rather than task by task (`42_0,42_1`)."""
    return sorted({job_id.split("_", 1)[0] for job_id in job_ids}, key=_numeric)


def _numeric(job_id: str) -> tuple[int, str]:
    return (int(job_id) if job_id.isdigit() else -1, job_id)


def _error(command: Sequence[str], result: CommandResult) -> SlurmCommandError:
    return SlurmCommandError(command, result.returncode, result.stderr)
