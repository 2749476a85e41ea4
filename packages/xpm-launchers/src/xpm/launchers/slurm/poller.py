"""Follow many SLURM jobs from one background thread, asking SLURM as rarely as it can.

A job's folder tells when it ends. Every `marker_interval` (0.5 s) the thread looks for
each job's `<name>.done` and `<name>.failed` (two `stat` calls, nothing on the cluster):
a `.done` job is reported at once and never asked about; a `.failed` one is asked about
at once, then 0.5 s, 0.75 s... apart until SLURM says it is over, because SLURM's verdict
(TIMEOUT, PREEMPTED, CANCELLED, OUT_OF_MEMORY) knows better than the dying process.
SLURM is otherwise asked, in rounds, only to notice jobs that end without a marker
(killed, out of memory, node failure, `scancel`): the first round comes `min_interval`
(30 s) after a job is followed, and rounds get further apart while nothing changes, up
to `max_interval` (45 s); any change brings them back to `min_interval`. A job's
failure brings the next round to 5 s later: the jobs queued after it (`afterok`) will
never start, and the scheduler cancels them or makes them wait for a new attempt.

A job SLURM requeues (preemption, node failure, `scontrol requeue`) writes `.failed`
when it is stopped, then waits in the queue to run again: when SLURM answers that a job
with `.failed` is queued (PENDING, REQUEUED), it is not over, and that `.failed` is
ignored until the next attempt removes it. A final state that SLURM may requeue from
(PREEMPTED, NODE_FAIL) is checked with `squeue` too (see `asking`).

Each round asks `sacct` about every job at once; jobs that accounting does not show yet,
or shows as queued (it lags the controller by seconds, or is disabled), are asked of
`squeue`, and `scontrol` gives the exit code of those that `squeue` alone saw fail. A job
SLURM does not know is taken as gone only after `grace` seconds, never at once: a job
just submitted may not be listed.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import final

from xpm.scheduler import EndCallback, Ending, JobPaths

from ..errors import SlurmCommandError
from .asking import ask_slurm
from .commands import CommandRunner
from .endings import ending_of, unconfirmed_ending, unknown_ending
from .markers import Marker, Stamp, failed_stamp, marker_of
from .sacct import SlurmJobStatus, SlurmProgress

_log = logging.getLogger(__name__)
_BACKOFF = 1.5
_CONFIRM_FIRST = 0.5  # seconds between the questions about a job that wrote .failed
_CONFIRM_MAX = 5.0
_AFTER_FAILURE = 5.0  # seconds from a failure to the next round


@dataclass
class _Followed:
    on_end: EndCallback
    since: datetime
    last_seen: float
    paths: JobPaths | None = None
    status: SlurmJobStatus | None = None
    failed_at: float | None = None
    """When `<name>.failed` was seen: SLURM is then asked until it says the job is over."""
    failed: Stamp | None = None
    """That `.failed` while it is confirmed; after SLURM requeued the job, the stale one."""
    confirm_at: float = 0.0
    confirm_delay: float = _CONFIRM_FIRST
    owner: object = None

    @property
    def watches_markers(self) -> bool:
        return self.paths is not None and self.failed_at is None


@final
class SlurmPoller:
    """Follows SLURM jobs and calls each one's `on_end` once, when it is over.

    `SlurmLauncher` makes one per launcher; with `background`, a daemon thread reads
    markers and polls while jobs are followed. Without it, `run_due` does what is due
    at the clock's time, and `poll_once` runs one full round now, in the calling thread.
    """

    def __init__(
        self,
        runner: CommandRunner,
        *,
        min_interval: float = 30.0,
        max_interval: float = 45.0,
        grace: float = 60.0,
        marker_interval: float = 0.5,
        background: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._runner = runner
        self._min = min_interval
        self._max = max(min_interval, max_interval)
        self._grace = grace
        self._marker_interval = marker_interval
        self._background = background
        self._clock = clock
        self._lock = threading.Condition()
        self._jobs: dict[str, _Followed] = {}
        self._interval = min_interval
        self._next_round: float | None = None
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
        """Seconds between rounds: grows while nothing changes."""
        return self._interval

    @property
    def next_round(self) -> float | None:
        """The clock's time of the next round, None while no job is followed."""
        with self._lock:
            return self._next_round

    def followed(self, owner: object = None) -> list[str]:
        """Return the ids of the jobs followed now (those of `owner`, if given)."""
        with self._lock:
            return [i for i, f in self._jobs.items() if owner is None or f.owner is owner]

    def forget(self, owner: object) -> None:
        """Stop following the jobs of `owner` (they keep running); the others stay."""
        with self._lock:
            for job_id in [i for i, f in self._jobs.items() if f.owner is owner]:
                del self._jobs[job_id]
            if not self._jobs:
                self._next_round = None

    def follow(
        self,
        job_id: str,
        on_end: EndCallback,
        since: datetime | None = None,
        paths: JobPaths | None = None,
        owner: object = None,
    ) -> None:
        """Follow `job_id` (`"42"` or `"42_3"`) until it ends; then call `on_end` once.

        `since` is no later than the job's submission (default: a day ago), for `sacct`.
        `paths` is the job's folder: its `.done` ends the job without asking SLURM, its
        `.failed` makes SLURM be asked at once. Without it, only rounds tell the end.
        `owner` (a launcher sharing this poller) can `forget` its jobs.
        """
        now = self._clock()
        since = since or datetime.now() - timedelta(days=1)
        followed = _Followed(on_end, since, now, paths, owner=owner)
        with self._lock:
            if self._is_closed:
                raise RuntimeError("this SLURM launcher is closed: make a new one")
            self._jobs[job_id] = followed
            self._interval = self._min
            due = now + self._min
            if self._next_round is None or due < self._next_round:
                self._next_round = due
            if self._background and self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="xpm-slurm-poller", daemon=True
                )
                self._thread.start()
            if len(self._jobs) == 1 or self._next_round == due:
                self._lock.notify_all()

    def statuses(
        self,
        job_ids: Collection[str],
        since: datetime | None = None,
        confirm: Collection[str] = (),
    ) -> dict[str, SlurmJobStatus]:
        """Return what SLURM says of each job in `job_ids` now (unknown jobs are absent).

        Runs one `sacct`, then one `squeue` for the jobs `sacct` does not list or lists
        as queued (the controller is more recent), and for the jobs of `confirm` that
        `sacct` does not list as over yet.

        Raises:
            SlurmCommandError: `squeue` failed (the controller does not answer).
        """
        answer, self.has_accounting = ask_slurm(
            self._runner,
            job_ids,
            since or datetime.now() - timedelta(days=30),
            confirm,
            accounting=self.has_accounting,
        )
        return answer

    def poll_once(self) -> bool:
        """Run one full round now: read markers, ask SLURM about every other job.

        Returns whether any job changed state. Jobs that will never start (a
        dependency did not succeed) are reported with reason `"dependency"` and left
        queued: the scheduler cancels them, or makes them wait for a new attempt.

        Raises:
            SlurmCommandError: SLURM did not answer; the jobs stay followed.
        """
        is_changed = self._read_markers(self._clock())
        with self._lock:
            targets = dict(self._jobs)
        return self._ask(targets, full=True) or is_changed

    def run_due(self) -> bool:
        """Do what is due at the clock's time: read markers, then ask SLURM if needed.

        SLURM is asked about every job when the round is due, else only about jobs
        that wrote `.failed` and wait for SLURM's verdict. The background thread calls
        this; call it yourself with `background=False`. Returns whether a job changed.

        Raises:
            SlurmCommandError: SLURM did not answer; the jobs stay followed.
        """
        now = self._clock()
        is_changed = self._read_markers(now)
        with self._lock:
            full = self._next_round is not None and now >= self._next_round
            targets = {
                job_id: followed
                for job_id, followed in self._jobs.items()
                if full or (followed.failed_at is not None and now >= followed.confirm_at)
            }
        return self._ask(targets, full=full) or is_changed

    def _read_markers(self, now: float) -> bool:
        with self._lock:
            watched = [(i, f, f.paths) for i, f in self._jobs.items() if f.watches_markers]
        found: list[tuple[str, _Followed, Marker | None, Stamp | None]] = []
        for job_id, followed, paths in watched:
            marker = marker_of(paths) if paths is not None else None
            stamp = failed_stamp(paths) if paths is not None and marker is Marker.FAILED else None
            if marker is Marker.FAILED and (stamp is None or stamp == followed.failed):
                marker = None  # gone meanwhile, or the stopped attempt's of a requeued job
            found.append((job_id, followed, marker, stamp))
        ended: list[tuple[_Followed, Ending]] = []
        with self._lock:
            for job_id, followed, marker, stamp in found:
                if marker is None or self._jobs.get(job_id) is not followed:
                    continue
                if marker is Marker.DONE and followed.paths is not None:
                    del self._jobs[job_id]
                    message = f"{followed.paths.done.name} written (SLURM job {job_id})"
                    ended.append((followed, Ending(0, message=message)))
                else:
                    followed.failed_at = followed.confirm_at = now
                    followed.failed, followed.confirm_delay = stamp, _CONFIRM_FIRST
            if not self._jobs:
                self._next_round = None
        for followed, ending in ended:
            self._notify(followed, ending)
        return any(marker is not None for _, _, marker, _ in found)

    def _ask(self, targets: dict[str, _Followed], *, full: bool) -> bool:
        now = self._clock()
        with self._lock:
            if full:
                self._next_round = now + self._interval if self._jobs else None
            for followed in targets.values():
                if followed.failed_at is not None:
                    followed.confirm_at = now + followed.confirm_delay
                    followed.confirm_delay = min(_CONFIRM_MAX, followed.confirm_delay * _BACKOFF)
        if not targets:
            return False
        confirm = [i for i, f in targets.items() if f.failed_at is not None]
        since = min(f.since for f in targets.values())
        statuses = self.statuses(targets, since, confirm)
        stamps = {i: failed_stamp(f.paths) for i, f in targets.items() if i in confirm and f.paths}
        is_changed = False
        ended: list[tuple[_Followed, Ending]] = []
        with self._lock:
            for job_id, followed in targets.items():
                if self._jobs.get(job_id) is not followed:
                    continue
                status = statuses.get(job_id)
                if status is None:
                    if now - followed.last_seen > self._grace:
                        del self._jobs[job_id]
                        is_changed = True
                        ended.append((followed, unknown_ending(job_id, self._grace)))
                    continue
                followed.last_seen = now
                if status != followed.status:
                    is_changed = True
                    followed.status = status
                if status.is_final or status.progress is SlurmProgress.ERROR:
                    del self._jobs[job_id]
                    ended.append((followed, ending_of(status)))
                elif followed.failed_at is None:
                    continue
                elif (
                    status.progress is SlurmProgress.WAITING
                    or stamps.get(job_id) != followed.failed
                ):
                    # Requeued (its .failed is the stopped attempt's: ignored from now on),
                    # or the .failed is gone or replaced: a new attempt started.
                    followed.failed_at = None
                    is_changed = True
                elif now - followed.failed_at > self._grace:
                    del self._jobs[job_id]
                    ended.append(
                        (followed, unconfirmed_ending(followed.paths, status, self._grace))
                    )
            if full:
                growth = 1.0 if is_changed else _BACKOFF
                self._interval = min(self._max, max(self._min, self._interval * growth))
                if is_changed:
                    self._interval = self._min
                self._next_round = now + self._interval if self._jobs else None
            elif not self._jobs:
                self._next_round = None
            if self._next_round is not None and any(e.code != 0 for _, e in ended):
                # The jobs queued after a failed one will never start: see them soon.
                self._next_round = min(self._next_round, now + _AFTER_FAILURE)
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
                self.run_due()
            except SlurmCommandError as error:
                _log.warning("cannot poll SLURM jobs (retrying): %s", error)
            with self._lock:
                if self._is_closed:
                    return
                self._lock.wait(self._wait())

    def _wait(self) -> float:
        """Seconds until something is due: a marker look, a round or a confirmation."""
        times = [f.confirm_at for f in self._jobs.values() if f.failed_at is not None]
        if self._next_round is not None:
            times.append(self._next_round)
        wait = min(times, default=self._clock() + self._max) - self._clock()
        if any(f.watches_markers for f in self._jobs.values()):
            wait = min(wait, self._marker_interval)
        return max(0.0, wait)

    def _notify(self, followed: _Followed, ending: Ending) -> None:
        try:
            followed.on_end(ending)
        # The callback is the scheduler's: its failure must not stop following other jobs.
        except Exception:
            _log.exception("the end callback of a SLURM job raised")
