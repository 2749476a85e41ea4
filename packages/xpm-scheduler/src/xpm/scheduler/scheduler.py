"""The scheduling engine: starts queued jobs when they may run, and hears them end.

It sees only jobs and launchers, never run folders. One thread (`xpm-scheduler`) files
each queued job as ready or waiting, starts ready jobs within caps and tokens
(`start_many` after a `batch_window`), re-attaches to jobs another process runs, and
reads the markers at every end (retries: `resubmit`); callbacks run outside the lock.
"""

from __future__ import annotations

import collections
import threading
import time
from collections.abc import Callable, Mapping
from contextlib import suppress
from pathlib import Path
from typing import Any

from .atomic import write_json_atomic
from .attempts import resume_attempts
from .job import Job
from .jobpaths import clear_for_start
from .jobprocess import EXIT_LOCKED
from .jobtokens import hand_over_tokens, release_tokens, take_tokens
from .launcher import EndCallback, Ending, JobLaunch, Launcher, job_command
from .local import LocalLauncher
from .pids import ProcessIdentity
from .records import Failure, JobState, process_alive, read_job
from .resubmit import Resubmitter
from .status import StatusLine

_LOCK_RETRY = 0.05


class Scheduler:
    """Runs queued jobs on their launchers, in dependency order, within caps and tokens.

    Args:
        launcher: The default launcher (jobs may carry others; each is closed at the end).
        fail_fast: After the first failure, start nothing more (queued jobs fail as
            `cancelled`).
        status: Where ends and re-attachments are shown.
        on_change: Called from the scheduling thread, at most every 0.5 s, after job
            states changed (the experiment rewrites its run's `status.json`).
    """

    def __init__(
        self,
        launcher: Launcher,
        *,
        fail_fast: bool,
        status: StatusLine,
        on_change: Callable[[], None],
    ) -> None:
        self.fail_fast = fail_fast
        self.status = status
        self._on_change = on_change
        self._launchers: dict[int, Launcher] = {id(launcher): launcher}
        self._identity = ProcessIdentity.current()
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._stop = False
        self._wake = False
        # Fed by other threads, under the lock:
        self._incoming: list[Job] = []
        self._woken: list[Job] = []
        self._ended: list[tuple[Job, Ending]] = []
        self._last_submit = 0.0
        # The scheduling thread's own:
        self._ready: dict[int, collections.deque[Job]] = {}
        self._waiting_on: dict[int, list[Job]] = {}
        self._listened: set[int] = set()
        self._token_blocked: list[Job] = []
        self._running: dict[int, int] = {}
        self._token_wait = False
        self._hold = 0.0
        self._status_dirty = False
        self._failed_fast = False
        self._retries = Resubmitter(
            self._place, self._fail, self._follow_again, self.use, status.note
        )

    def use(self, launcher: Launcher) -> None:
        """Remember `launcher`, so that it is closed with the others."""
        self._launchers.setdefault(id(launcher), launcher)

    def note_change(self) -> None:
        """Say that a job's state changed outside the scheduler (done at submission)."""
        self._status_dirty = True

    def queue(self, job: Job) -> None:
        """Queue a submitted job; the scheduling thread starts it when it may run."""
        with self._cond:
            self._last_submit = time.monotonic()
            self._incoming.append(job)
            self._status_dirty = True
            self._wake = True
            self._ensure_thread()
            self._cond.notify()

    def wait(self, jobs: Mapping[str, Job]) -> bool:
        """Wait until every job of `jobs` has ended; return whether all succeeded.

        Shows the status line meanwhile (a live line on a terminal, plain lines otherwise).
        """
        # Jobs end in any order, but each is checked until it has ended and never again:
        # waiting on n jobs costs O(n) in all, not O(n) per wake-up.
        pending = list(jobs.values())
        first = 0
        shown = 0.0
        while True:
            with self._cond:
                while first < len(pending) and pending[first].finished:
                    first += 1
                if first == len(pending):
                    break
                if time.monotonic() - shown >= 0.5:
                    self.status.show(jobs.values())
                    shown = time.monotonic()
                self._cond.wait(0.5)
        self.status.show(jobs.values(), final=True)
        return all(j.state is JobState.DONE for j in jobs.values())

    def close(self) -> None:
        """Stop the scheduling thread and the launchers (running jobs keep running)."""
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join()
        for launcher in self._launchers.values():
            launcher.close()

    def _ensure_thread(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="xpm-scheduler", daemon=True)
            self._thread.start()

    def _on_end(self, job: Job) -> EndCallback:
        def callback(ending: Ending) -> None:
            with self._cond:
                self._ended.append((job, ending))
                self._cond.notify()

        return callback

    def _loop(self) -> None:
        last_status = 0.0
        while True:
            with self._cond:
                while not (self._stop or self._ended or self._wake or self._woken):
                    timeout = 0.5 if (self._token_wait or self._status_dirty) else None
                    if self._hold:
                        timeout = min(timeout or self._hold, self._hold)
                    if not self._cond.wait(timeout):
                        break
                if self._stop:
                    return
                self._wake = False
                ended, self._ended = self._ended, []
                incoming, self._incoming = self._incoming, []
            callbacks: list[Any] = []
            for job, ending in ended:
                callbacks.extend(self._handle_end(job, ending))
            for job in incoming:
                callbacks.extend(self._place(job))
            callbacks.extend(self._schedule())
            now = time.monotonic()
            if self._status_dirty and now - last_status > 0.5:
                last_status = now
                self._status_dirty = False
                self._on_change()
            for callback in callbacks:
                callback()
            with self._cond:
                self._cond.notify_all()

    def _on_dependency(self, dependency: Job) -> None:
        with self._cond:
            self._woken.append(dependency)
            self._cond.notify()

    def _place(self, job: Job) -> list[Any]:
        """File a queued job: ready to start, or waiting on one unfinished dependency."""
        if self._failed_fast:
            failure = Failure("cancelled", message="not started: fail_fast is on")
            return self._fail(job, failure, write=True)
        failed = next((d for d in job.dependencies if d.state is JobState.FAILED), None)
        if failed is not None:
            failure = Failure("dependency", message=f"{failed.job_id} failed")
            return self._fail(job, failure, write=True)
        native = job.launcher.native_dependencies
        for dep in job.dependencies:
            if dep.finished or (native and dep.launcher is job.launcher and dep.record):
                continue
            self._waiting_on.setdefault(id(dep), []).append(job)
            if id(dep) not in self._listened:
                self._listened.add(id(dep))
                dep._listen(self._on_dependency)
            return []
        self._ready.setdefault(id(job.launcher), collections.deque()).append(job)
        return []

    def _schedule(self) -> list[Any]:
        """Start the ready jobs that fit (called in the scheduling thread)."""
        callbacks: list[Any] = []
        while True:
            with self._cond:
                woken, self._woken = self._woken, []
            if not woken:
                break
            for dep in woken:
                for job in self._waiting_on.pop(id(dep), []):
                    callbacks.extend(self._place(job))
        blocked, self._token_blocked = self._token_blocked, []
        for job in reversed(blocked):
            self._ready[id(job.launcher)].appendleft(job)
        if self._failed_fast:
            for queue in self._ready.values():
                while queue:
                    callbacks.extend(self._place(queue.popleft()))
            return callbacks
        full: set[Path] = set()
        self._hold = 0.0
        for key, queue in self._ready.items():
            launcher = self._launchers[key]
            wait = launcher.batch_window - (time.monotonic() - self._last_submit)
            if queue and wait > 0:
                self._hold = max(self._hold, wait)
                continue
            batch: list[tuple[Job, JobLaunch]] = []
            while queue and self._has_slot(launcher):
                job = queue.popleft()
                if not take_tokens(job, self._identity, full):
                    self._token_blocked.append(job)
                    continue
                try:
                    launch = self._prepare(job)
                except OSError as exc:  # a marker xpm cannot remove: a folder, say
                    release_tokens(job)
                    why = f"could not start: {exc.filename}: {exc.strerror or exc}"
                    callbacks.extend(self._fail(job, Failure(message=why), write=True))
                    continue
                if launch is not None:
                    batch.append((job, launch))
            if batch:
                callbacks.extend(self._start(launcher, batch))
        self._token_wait = bool(self._token_blocked)
        callbacks.extend(self._retries.service())
        return callbacks

    def _has_slot(self, launcher: Launcher) -> bool:
        cap = launcher.max_running
        return cap is None or self._running.get(id(launcher), 0) < cap

    def _prepare(self, job: Job) -> JobLaunch | None:
        """Count `job` as running; return its launch, or None if it was re-attached."""
        paths = job.paths
        record: Mapping[str, Any] | None = None
        if paths.pid.exists():
            old = read_job(paths)
            record = old.process if old.state is JobState.RUNNING else None
        unfinished = [d for d in job.dependencies if not d.finished]
        launch = JobLaunch(
            folder=paths.folder,
            name=paths.name,
            job_id=job.job_id,
            command=job_command(paths.folder),
            environ=dict(job.environ),
            after=tuple(d.record for d in unfinished if d.record is not None),
        )
        self._running[id(job.launcher)] = self._running.get(id(job.launcher), 0) + 1
        job.state = JobState.RUNNING
        self._status_dirty = True
        if record is not None and self._reattach(job, launch, record):
            return None
        if paths.done.exists() or (record and read_job(paths, light=True).state.finished):
            # It ended between the submission's look at the folder and now.
            self._on_end(job)(Ending(0))
            return None
        try:
            resume_attempts(paths)  # reads the .failed that clear_for_start removes
            clear_for_start(paths)
        except OSError:
            self._running[id(job.launcher)] -= 1
            raise
        return launch

    def _start(self, launcher: Launcher, batch: list[tuple[Job, JobLaunch]]) -> list[Any]:
        """Start prepared jobs; several at once go through `start_many` (job arrays)."""
        try:
            if len(batch) == 1:
                job, launch = batch[0]
                records = [launcher.start(launch, self._on_end(job))]
            else:
                records = launcher.start_many([(ln, self._on_end(jb)) for jb, ln in batch])
        except Exception as exc:
            callbacks: list[Any] = []
            for job, _ in batch:
                self._running[id(launcher)] -= 1
                release_tokens(job)
                message = f"could not start: {type(exc).__name__}: {exc}"
                callbacks.extend(self._fail(job, Failure("failed", message=message), write=True))
            return callbacks
        for (job, _), record in zip(batch, records, strict=True):
            job.record = record
            self._retries.started(job)
            if launcher.native_dependencies:
                self._woken.append(job)
            if record.get("type") != "local":
                write_json_atomic(job.paths.pid, dict(record))
            else:
                hand_over_tokens(job, record)
        return []

    def _reattach(self, job: Job, launch: JobLaunch, record: Mapping[str, Any]) -> bool:
        launchers = [job.launcher]
        if record.get("type") == "local" and not isinstance(job.launcher, LocalLauncher):
            launchers.insert(0, self._local())
        for launcher in launchers:
            if launcher.reattach(launch, record, self._on_end(job)):
                job.record = record
                self.status.note(f"re-attached to running job {job.job_id}")
                return True
        return False

    def _local(self) -> LocalLauncher:
        found = [x for x in self._launchers.values() if isinstance(x, LocalLauncher)]
        local = found[0] if found else LocalLauncher()
        self._launchers[id(local)] = local
        return local

    def _handle_end(self, job: Job, ending: Ending) -> list[Any]:
        if job.finished:
            return []
        self._running[id(job.launcher)] = max(0, self._running.get(id(job.launcher), 1) - 1)
        self._status_dirty = True
        record = read_job(job.paths, light=True)
        if record.state is JobState.DONE:
            release_tokens(job)
            self.status.job_ended(job, JobState.DONE)
            return job._finish(JobState.DONE)
        recorded = record.failure if record.state is JobState.FAILED else None
        if recorded is None and ending.code == EXIT_LOCKED:
            # Another process runs the job: follow it through its pid record.
            self._running[id(job.launcher)] += 1
            threading.Timer(_LOCK_RETRY, self._follow, args=(job, 40)).start()
            return []
        release_tokens(job)
        if recorded is None and ending.reason == "dependency":
            # A batch system will not start the job: a dependency did not succeed.
            return self._retries.dependency_dropped(job)
        return self._retries.ended(job, recorded, ending)

    def _follow_again(self, job: Job) -> bool:
        """Follow a queued job again (its dependencies were re-pointed)."""
        if job.record is None:
            return False
        launch = JobLaunch(job.paths.folder, job.paths.name, job.job_id, ())
        with suppress(Exception):
            if not job.launcher.reattach(launch, job.record, self._on_end(job)):
                return False
            self._running[id(job.launcher)] = self._running.get(id(job.launcher), 0) + 1
            job.state = JobState.RUNNING
            return True
        return False

    def _follow(self, job: Job, tries: int) -> None:
        record = read_job(job.paths, light=True)
        if record.state.finished:
            self._on_end(job)(Ending(0))
            return
        launch = JobLaunch(job.paths.folder, job.paths.name, job.job_id, ())
        process = record.process
        if (
            process is not None
            and process_alive(process, job.paths)
            and self._reattach(job, launch, process)
        ):
            return
        if tries > 0:
            threading.Timer(_LOCK_RETRY, self._follow, args=(job, tries - 1)).start()
            return
        with self._cond:
            self._running[id(job.launcher)] -= 1
            job.state = JobState.WAITING
            self._incoming.append(job)
            self._wake = True
            self._cond.notify()

    def _fail(self, job: Job, failure: Failure | None, *, write: bool = False) -> list[Any]:
        failure = failure or Failure()
        if write:
            with suppress(OSError):
                write_json_atomic(job.paths.failed, failure.to_json())
        if self.fail_fast:
            self._failed_fast = True
        self._status_dirty = True
        self.status.job_ended(job, JobState.FAILED, failure)
        return job._finish(JobState.FAILED, failure)
