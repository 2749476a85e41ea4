"""The scheduler's side of retries: submitting a job again, and carrying its dependents.

`Scheduler` owns one `Resubmitter`. When a job ends badly, `ended` decides (with the
rules of `retrying`) to submit it again, with the same folder, its logs rotated, or to
fail it for good with every attempt listed in `<name>.failed`.

On a batch system, dependents are queued before their dependency ends, waiting for its
cluster job id (`afterok`). A retry is a new cluster job, so the dependents already
queued are made to wait for it instead (`Launcher.update_dependencies`); one the cluster
dropped meanwhile is submitted again. xpm cancels the queued dependents of a job that
failed for good itself: it does not rely on the cluster doing it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import suppress
from dataclasses import replace
from typing import Any

from .atomic import write_json_atomic
from .attempts import end_attempt, rotate_logs
from .job import Job
from .launcher import Ending, Launcher
from .records import Failure, JobState
from .retrying import resolve_failure, retries_for, should_retry

_log = logging.getLogger(__name__)

Callbacks = list[Callable[[], Any]]


class Resubmitter:
    """Retries, and dependents of retried jobs, for one scheduler (its thread only).

    Args:
        place: Files a job as ready or waiting (the scheduler's `_place`).
        fail: Ends a job as failed, without writing its record (`_fail`).
        reattach: Follows a queued job again after its end was reported.
        use: Remembers a launcher made for a retry, so that it is closed.
        note: Prints a line for the user.
    """

    def __init__(
        self,
        place: Callable[[Job], Callbacks],
        fail: Callable[[Job, Failure], Callbacks],
        reattach: Callable[[Job], bool],
        use: Callable[[Launcher], None],
        note: Callable[[str], None],
    ) -> None:
        self._place = place
        self._fail = fail
        self._reattach = reattach
        self._use = use
        self._note = note
        self._dependents: dict[int, list[Job]] = {}
        self._restarting: set[int] = set()
        self._repoint: list[Job] = []
        self._parked: list[Job] = []

    def ended(self, job: Job, recorded: Failure | None, ending: Ending) -> Callbacks:
        """The attempt of `job` failed: submit it again, or fail it for good."""
        failure, _ = resolve_failure(recorded, ending)
        attempts = end_attempt(job.paths, failure.reason, failure.message)
        retries, resumable = retries_for(job.task, job.launcher.retries)
        if should_retry(failure, attempts, retries, resumable):
            launcher: Launcher | None = job.launcher
            if failure.reason == "memory":
                launcher = job.launcher.with_more_memory(retries.memory_factor, retries.memory_cap)
            if launcher is not None:
                return self._retry(job, failure, launcher, len(attempts))
        if len(attempts) > 1:
            failure = replace(
                failure, message=f"{failure.message} (after {len(attempts)} attempts)"
            )
        data = failure.to_json()
        data["attempts"] = [attempt.to_json() for attempt in attempts]
        with suppress(OSError):
            write_json_atomic(job.paths.failed, data)
        return self._fail(job, failure)

    def _retry(self, job: Job, failure: Failure, launcher: Launcher, done: int) -> Callbacks:
        with suppress(OSError):
            rotate_logs(job.paths)
        job.paths.failed.unlink(missing_ok=True)
        job.paths.pid.unlink(missing_ok=True)  # that attempt is over: nothing to re-attach
        if launcher is not job.launcher:
            self._use(launcher)
            job.launcher = launcher
        self._note(
            f"{job.job_id}: attempt {done} ended, {failure.describe()}; "
            f"submitting attempt {done + 1}"
        )
        self._restarting.add(id(job))
        job.record = None
        job.state = JobState.WAITING
        return self._place(job)

    def started(self, job: Job) -> None:
        """`job` was submitted to its launcher (it has its record now)."""
        if job.launcher.native_dependencies:
            for dependency in job.dependencies:
                if not dependency.finished:
                    self._dependents.setdefault(id(dependency), []).append(job)
        if id(job) in self._restarting:
            self._restarting.discard(id(job))
            self._repoint.extend(self._dependents.get(id(job), ()))

    def dependency_dropped(self, job: Job) -> Callbacks:
        """The launcher says `job` will never start: a dependency did not succeed.

        If one failed for good, the job fails (and is cancelled in the queue); if one is
        being submitted again, the job waits for the new attempt.
        """
        failed = next((d for d in job.dependencies if d.state is JobState.FAILED), None)
        if failed is not None:
            self._cancel(job)
            failure = Failure("dependency", message=f"{failed.job_id} failed")
            with suppress(OSError):
                write_json_atomic(job.paths.failed, failure.to_json())
            return self._fail(job, failure)
        job.state = JobState.WAITING
        if any(not d.finished for d in job.dependencies):
            self._parked.append(job)
            return []
        self._cancel(job)
        job.record = None
        return self._place(job)

    def service(self) -> Callbacks:
        """Re-point queued dependents of resubmitted jobs (each scheduling round)."""
        if not (self._repoint or self._parked):
            return []
        callbacks: Callbacks = []
        repoint, self._repoint = self._repoint, []
        parked, self._parked = self._parked, []
        for job in repoint:
            if job.finished or job in parked or job.record is None:
                continue
            if any(d.record is None for d in job.dependencies if not d.finished):
                self._repoint.append(job)  # the new attempt is not submitted yet
            else:
                self._update(job)  # if it fails, the launcher drops the job: see _unpark
        for job in parked:
            callbacks.extend(self._unpark(job))
        return callbacks

    def _unpark(self, job: Job) -> Callbacks:
        failed = next((d for d in job.dependencies if d.state is JobState.FAILED), None)
        if failed is not None:
            return self.dependency_dropped(job)
        unfinished = [d for d in job.dependencies if not d.finished]
        if any(d.record is None for d in unfinished):
            self._parked.append(job)
            return []
        if job.record is not None and self._update(job) and self._reattach(job):
            return []
        self._cancel(job)
        job.record = None
        return self._place(job)

    def _update(self, job: Job) -> bool:
        """Make queued `job` wait for its unfinished dependencies' current attempts."""
        after = [d.record for d in job.dependencies if not d.finished]
        if job.record is None or any(record is None for record in after):
            return False
        try:
            return job.launcher.update_dependencies(job.record, [r for r in after if r])
        except Exception as exc:
            _log.warning("cannot make %s wait for the new attempt: %s", job.job_id, exc)
            return False

    def _cancel(self, job: Job) -> None:
        if job.record is None:
            return
        try:
            job.launcher.kill(job.record)
        except Exception as exc:
            _log.warning("cannot cancel %s: %s", job.job_id, exc)
