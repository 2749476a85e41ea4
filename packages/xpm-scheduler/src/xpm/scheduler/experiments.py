"""`with experiment(workdir, name) as xp:` runs each distinct submitted task exactly once.

Submitting a task writes its job folder and queues it; a scheduling thread starts jobs
whose dependencies are done, within the launchers' caps and the tokens' totals, and
hears about every end at once (pidfds). Leaving the block waits for all jobs and raises
`ExperimentFailed` when some failed. Everything is on disk, so running the same plan
again skips finished jobs, re-attaches to running ones and retries failed ones.
"""

from __future__ import annotations

import collections
import enum
import json
import os
import socket
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, TextIO

from xpm.core import (
    Task,
    XpmError,
    submit_hooks,
    submitting_to,
    task_dependencies,
    to_dict,
)
from xpm.core.config import prepare

from .atomic import write_json_atomic, write_text_atomic
from .job import Job
from .jobpaths import JobPaths
from .jobprocess import EXIT_LOCKED, stop_if_loading_main
from .launcher import Ending, JobLaunch, Launcher, job_command
from .local import LocalLauncher
from .names import check_experiment_name
from .pids import ProcessIdentity
from .records import Failure, JobState, process_alive, read_job
from .status import StatusLine
from .tokens import CounterToken


class RunMode(enum.StrEnum):
    """What submitting does: run jobs, only show them, or only write their folders."""

    NORMAL = "normal"
    DRY_RUN = "dry-run"
    """Print each task's state, folder, tags and dependencies; write nothing."""
    GENERATE = "generate"
    """Write the job folders (params.json) but launch nothing."""


class ExperimentFailed(XpmError):
    """Some jobs of the experiment failed; the message lists each with its reason and log.

    Attributes:
        failures: The failed jobs, in submission order.
    """

    def __init__(self, failures: list[Job], total: int) -> None:
        super().__init__(failures)
        self.failures = failures
        self.total = total

    def __str__(self) -> str:
        lines = [f"{len(self.failures)} of {self.total} jobs failed:"]
        for job in self.failures:
            failure = job.failure or Failure()
            lines.append(f"  {job.job_id}: {failure.describe()}")
            if failure.reason != "dependency":
                lines.append(f"    log: {job.stderr}")
                lines.extend(f"    | {line}" for line in _tail(job.stderr, 8))
        return "\n".join(lines)


def _tail(path: Path, count: int) -> list[str]:
    try:
        with open(path, "rb") as file:
            file.seek(0, os.SEEK_END)
            size = file.tell()
            file.seek(max(0, size - 8192))
            text = file.read().decode("utf-8", errors="replace")
    except OSError:
        return []
    return [line for line in text.splitlines() if line.strip()][-count:]


class TokenDependency:
    """`token.dependency(n)`: give to `task.add_dependencies()` to hold `n` units."""

    def __init__(self, token: Token, amount: int) -> None:
        token.counter.check(amount)
        self.token = token
        self.amount = amount

    def __repr__(self) -> str:
        return f"{self.token.name}.dependency({self.amount})"


class Token:
    """A counter token: jobs holding it run only while their amounts fit in its total.

    Shared by every experiment process using the workspace; units are released when a
    job ends, even by a crash.
    """

    def __init__(self, counter: CounterToken) -> None:
        self.counter = counter

    @property
    def name(self) -> str:
        """The token's name."""
        return self.counter.name

    def dependency(self, amount: int = 1) -> TokenDependency:
        """Return a dependency holding `amount` units while the job runs."""
        return TokenDependency(self, amount)

    def __call__(self, amount: int, task: Task) -> Task:
        """Make `task` hold `amount` units while it runs; return `task`."""
        task.add_dependencies(self.dependency(amount))
        return task


_LOCK_RETRY = 0.05


class Experiment:
    """An open experiment: receives `Task.submit()` calls and runs their jobs.

    Created by `experiment(...)`; see there. Attributes:
        workdir: The workspace folder.
        name: The experiment's name.
        run_mode: `RunMode.NORMAL`, `DRY_RUN` or `GENERATE`.
        jobs: Every job submitted so far, by job id, in submission order.
    """

    def __init__(
        self,
        workdir: Path,
        name: str,
        launcher: Launcher | None,
        run_mode: RunMode,
        max_jobs: int | None,
        fail_fast: bool,
    ) -> None:
        self.workdir = workdir
        self.name = name
        self.run_mode = run_mode
        self.fail_fast = fail_fast
        self.launcher: Launcher = launcher or LocalLauncher(max_jobs)
        self.jobs: dict[str, Job] = {}
        self._cond = threading.Condition()
        self._incoming: list[Job] = []
        self._woken: list[Job] = []
        self._ready: dict[int, collections.deque[Job]] = {}
        self._waiting_on: dict[int, list[Job]] = {}
        self._listened: set[int] = set()
        self._token_blocked: list[Job] = []
        self._ended: list[tuple[Job, Ending]] = []
        self._running: dict[int, int] = {}
        self._thread: threading.Thread | None = None
        self._stop = False
        self._token_wait = False
        self._hold = 0.0
        self._last_submit = 0.0
        self._wake = False
        self._status_dirty = False
        self._launchers: dict[int, Launcher] = {id(self.launcher): self.launcher}
        self._identity = ProcessIdentity.current()
        self._run_dir: Path | None = None
        self._jobs_file: TextIO | None = None
        self._flushed = 0.0
        self._jobs_lock = threading.Lock()
        self._paths: dict[int, JobPaths] = {}
        self._started = time.time()
        self._failed_fast = False
        self.status = StatusLine(sys.stderr)

    @property
    def resultspath(self) -> Path:
        """`<workdir>/experiments/<name>/results/`: a folder for the experiment's results."""
        path = self.workdir / "experiments" / self.name / "results"
        if self.run_mode is not RunMode.DRY_RUN:
            path.mkdir(parents=True, exist_ok=True)
        return path

    def token(self, name: str, total: int) -> Token:
        """Declare the counter token `name` with `total` units (shared by the workspace)."""
        return Token(CounterToken(self.workdir, name, total))

    def job_folder(self, task: Task) -> Path:
        """Return `<workdir>/jobs/<type id>/<identifier>/` (the core asks before sealing)."""
        spec = prepare(type(task))
        paths = JobPaths.of(self.workdir, spec.type_id, task.__identifier__().hex())
        self._paths[id(task)] = paths
        return paths.folder

    # -- submitting ---------------------------------------------------------------------

    def submit(self, task: Task, *, launcher: Any, outputs: Any) -> Job:
        """Queue the sealed `task` (called by `Task.submit()`); return its job."""
        spec = prepare(type(task))
        paths = self._paths.pop(id(task), None) or JobPaths.of(
            self.workdir, spec.type_id, task.__identifier__().hex()
        )
        identifier = paths.folder.name
        job_id = f"{spec.type_id}/{identifier}"
        existing = self.jobs.get(job_id)
        if existing is not None:
            return existing
        if launcher is not None and not isinstance(launcher, Launcher):
            raise XpmError(
                f"{type(task).__name__}.submit(launcher={launcher!r}): a launcher must be an "
                "xpm.scheduler.Launcher (LocalLauncher, or a SlurmLauncher from "
                "xpm.launchers; find_launcher('spec') picks one from a requirement)"
            )
        dependencies: list[Job] = []
        tokens: list[tuple[CounterToken, int]] = []
        for dep_task in task_dependencies(task):
            dependencies.append(_job_of(dep_task, task))
        state = task._xpm
        for extra in state.dependencies if state is not None else ():
            if isinstance(extra, TokenDependency):
                tokens.append((extra.token.counter, extra.amount))
            elif isinstance(extra, Task):
                dependencies.append(_job_of(extra, task))
            elif isinstance(extra, Job):
                dependencies.append(extra)
            else:
                raise XpmError(
                    f"{type(task).__name__}.add_dependencies({extra!r}): expected a submitted "
                    "task or a token dependency (token.dependency(n))"
                )
        chosen = launcher or self.launcher
        self._launchers.setdefault(id(chosen), chosen)
        job = Job(task, spec.type_id, identifier, paths, chosen, task.tags(), dependencies, tokens)
        on_disk = read_job(paths, light=True).state
        if on_disk is JobState.DONE and self.run_mode is not RunMode.DRY_RUN:
            self.jobs[job_id] = job
            self._record_submission(job)
            _call(job._finish(JobState.DONE))
            self._status_dirty = True
            return job
        for hook in submit_hooks(task):
            hook.process(job, chosen)
        params = to_dict(task, paths.folder)
        params["job"] = {
            "type_id": spec.type_id,
            "identifier": identifier,
            "name": paths.name,
            "workspace": str(self.workdir),
        }
        params["pythonpath"] = _import_roots(params["objects"])
        if type(task).__module__ == "__main__":
            script = getattr(sys.modules["__main__"], "__file__", None)
            if script is None:
                raise XpmError(
                    f"{type(task).__qualname__} is defined in an interactive session: job "
                    "processes cannot import it; move it to a module (a .py file) and import it"
                )
            params["main"] = str(Path(script).absolute())
        self.jobs[job_id] = job
        if self.run_mode is RunMode.DRY_RUN:
            job.state = on_disk if on_disk is not JobState.UNSCHEDULED else JobState.WAITING
            self._print_dry(job, on_disk)
            _call(job._finish(on_disk if on_disk.finished else JobState.WAITING))
            return job
        self._record_submission(job)
        paths.folder.mkdir(parents=True, exist_ok=True)
        write_text_atomic(paths.params, json.dumps(params, indent=1, ensure_ascii=False))
        if self.run_mode is RunMode.GENERATE:
            job.state = JobState.UNSCHEDULED
            _call(job._finish(JobState.UNSCHEDULED))
            return job
        with self._cond:
            self._last_submit = time.monotonic()
            self._incoming.append(job)
            self._status_dirty = True
            self._wake = True
            self._ensure_thread()
            self._cond.notify()
        return job

    def _print_dry(self, job: Job, on_disk: JobState) -> None:
        tags = " ".join(f"{k}={v}" for k, v in sorted(job.tags.items()))
        deps = ", ".join(d.job_id for d in job.dependencies)
        print(f"[{on_disk.value}] {job.job_id}", file=sys.stdout)
        print(f"    folder: {job.path}", file=sys.stdout)
        if tags:
            print(f"    tags: {tags}", file=sys.stdout)
        if deps:
            print(f"    depends on: {deps}", file=sys.stdout)

    def _record_submission(self, job: Job) -> None:
        run = self._run_folder()
        line = {
            "job": job.job_id,
            "type_id": job.type_id,
            "identifier": job.identifier,
            "tags": {k: _jsonable(v) for k, v in job.tags.items()},
            "depends_on": [d.job_id for d in job.dependencies],
            "submitted": time.time(),
        }
        text = json.dumps(line) + "\n"
        with self._jobs_lock:
            if self._jobs_file is None:
                self._jobs_file = open(run / "jobs.jsonl", "a", encoding="utf-8")  # noqa: SIM115
            self._jobs_file.write(text)
        if time.monotonic() - self._flushed > 0.5:
            self._flush_jobs()

    def _flush_jobs(self) -> None:
        """Make the submitted jobs visible to readers (CLI, monitor) at most 0.5 s late."""
        with self._jobs_lock:
            if self._jobs_file is not None:
                self._jobs_file.flush()
            self._flushed = time.monotonic()

    def _run_folder(self) -> Path:
        if self._run_dir is None:
            root = self.workdir / "experiments" / self.name
            root.mkdir(parents=True, exist_ok=True)
            stamp = time.strftime("%Y%m%d_%H%M%S", time.localtime(self._started))
            run_id, n = stamp, 1
            while True:
                try:
                    (root / run_id).mkdir()
                    break
                except FileExistsError:
                    n += 1
                    run_id = f"{stamp}_{n}"
            self._run_dir = root / run_id
            current = root / "current"
            tmp = root / f".current.{os.getpid()}"
            tmp.unlink(missing_ok=True)
            tmp.symlink_to(run_id)
            os.replace(tmp, current)
            self._write_status("running")
        return self._run_dir

    def _write_status(self, status: str) -> None:
        if self._run_dir is None:
            return
        write_json_atomic(
            self._run_dir / "status.json",
            {
                "experiment": self.name,
                "run": self._run_dir.name,
                "status": status,
                "host": socket.gethostname(),
                "pid": os.getpid(),
                "started": self._started,
                "ended": None if status == "running" else time.time(),
                "jobs": {job_id: job.state.value for job_id, job in list(self.jobs.items())},
            },
        )

    # -- scheduling -----------------------------------------------------------------------

    def _ensure_thread(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="xpm-scheduler", daemon=True)
            self._thread.start()

    def _on_end(self, job: Job) -> Any:
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
                self._write_status("running")
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
                if not self._take_tokens(job, full):
                    self._token_blocked.append(job)
                    continue
                launch = self._prepare(job)
                if launch is not None:
                    batch.append((job, launch))
            if batch:
                callbacks.extend(self._start(launcher, batch))
        self._token_wait = bool(self._token_blocked)
        return callbacks

    def _has_slot(self, launcher: Launcher) -> bool:
        cap = launcher.max_running
        return cap is None or self._running.get(id(launcher), 0) < cap

    def _take_tokens(self, job: Job, full: set[Path]) -> bool:
        """Acquire every token `job` needs, or none; `full` remembers tokens found
        exhausted during this pass, so that other jobs do not ask again."""
        if not job.tokens or job.held_tokens:
            return True
        if any(counter.path in full for counter, _ in job.tokens):
            return False
        taken: list[CounterToken] = []
        me = self._identity
        for counter, amount in job.tokens:
            if counter.try_acquire(job.job_id, amount, me.pid, me.start_time):
                taken.append(counter)
                continue
            full.add(counter.path)
            for held in taken:
                held.release(job.job_id)
            return False
        job.held_tokens = True
        return True

    def _release_tokens(self, job: Job) -> None:
        if job.held_tokens:
            for counter, _ in job.tokens:
                counter.release(job.job_id)
            job.held_tokens = False

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
        for marker in (paths.failed, paths.started, paths.progress):
            marker.unlink(missing_ok=True)
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
                self._release_tokens(job)
                message = f"could not start: {type(exc).__name__}: {exc}"
                callbacks.extend(self._fail(job, Failure("failed", message=message), write=True))
            return callbacks
        for (job, _), record in zip(batch, records, strict=True):
            job.record = record
            if launcher.native_dependencies:
                self._woken.append(job)
            if record.get("type") != "local":
                write_json_atomic(job.paths.pid, dict(record))
            elif job.tokens and isinstance(record.get("pid"), int):
                pid, start_time = record["pid"], record["start_time"]
                for counter, _ in job.tokens:
                    counter.transfer(job.job_id, int(pid), int(start_time))  # type: ignore[call-overload]
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
        for launcher in self._launchers.values():
            if isinstance(launcher, LocalLauncher):
                return launcher
        local = LocalLauncher()
        self._launchers[id(local)] = local
        return local

    def _handle_end(self, job: Job, ending: Ending) -> list[Any]:
        if job.finished:
            return []
        self._running[id(job.launcher)] = max(0, self._running.get(id(job.launcher), 1) - 1)
        self._status_dirty = True
        record = read_job(job.paths, light=True)
        if record.state is JobState.DONE:
            self._release_tokens(job)
            self.status.job_ended(job, JobState.DONE)
            return job._finish(JobState.DONE)
        if record.state is JobState.FAILED:
            self._release_tokens(job)
            return self._fail(job, record.failure)
        if ending.code == EXIT_LOCKED:
            # Another process runs the job: follow it through its pid record.
            self._running[id(job.launcher)] += 1
            threading.Timer(_LOCK_RETRY, self._follow, args=(job, 40)).start()
            return []
        self._release_tokens(job)
        failed = next((d for d in job.dependencies if d.state is JobState.FAILED), None)
        if failed is not None:
            # A batch system dropped the job because a dependency failed.
            failure = Failure("dependency", message=f"{failed.job_id} failed")
            return self._fail(job, failure, write=True)
        failure = Failure(
            ending.reason,
            code=ending.code,
            signal=ending.signal,
            message=ending.message or "the job process ended without recording its result",
        )
        return self._fail(job, failure, write=True)

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

    # -- waiting --------------------------------------------------------------------------

    def wait(self) -> bool:
        """Wait until every submitted job has ended; return whether all succeeded.

        Shows a status line on a terminal (plain lines otherwise).
        """
        self._flush_jobs()
        if self.run_mode is not RunMode.NORMAL:
            return True
        while True:
            with self._cond:
                pending = [j for j in self.jobs.values() if not j.finished]
                if not pending:
                    break
                self.status.show(self.jobs.values())
                self._cond.wait(0.5)
        self.status.show(self.jobs.values(), final=True)
        return all(j.state is JobState.DONE for j in self.jobs.values())

    def _close(self, status: str) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join()
        for launcher in self._launchers.values():
            launcher.close()
        with self._jobs_lock:
            if self._jobs_file is not None:
                self._jobs_file.close()
                self._jobs_file = None
        self._write_status(status)


def _call(callbacks: list[Any]) -> None:
    for callback in callbacks:
        callback()


def _job_of(dependency: Task, task: Task) -> Job:
    job = dependency._xpm.job if dependency._xpm is not None else None
    if not isinstance(job, Job):
        raise XpmError(
            f"{type(task).__name__} depends on {type(dependency).__name__}, which was not "
            "submitted in an experiment: submit it first"
        )
    return job


_ROOTS: dict[str, str | None] = {}


def _import_roots(objects: list[dict[str, Any]]) -> list[str]:
    """Folders the job process needs on `sys.path` to import the graph's classes.

    A task module next to the experiment script is importable in the experiment (the
    script's folder is on `sys.path`) but not in the job, which runs elsewhere.
    """
    roots: list[str] = []
    for item in objects:
        module = str(item.get("class", "")).partition(":")[0]
        if module not in _ROOTS:
            _ROOTS[module] = _root_of(module)
        root = _ROOTS[module]
        if root is not None and root not in roots:
            roots.append(root)
    return roots


def _root_of(module_name: str) -> str | None:
    module = sys.modules.get(module_name)
    file = getattr(module, "__file__", None)
    if module_name == "__main__" or file is None:
        return None
    path = Path(file).resolve().parent
    for _ in range(module_name.count(".") + (0 if Path(file).stem != "__init__" else 1)):
        path = path.parent
    return str(path)


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def _check_workdir(workdir: Path) -> None:
    try:
        workdir.mkdir(parents=True, exist_ok=True)
        probe = workdir / f".xpm-write-test.{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise XpmError(
            f"the workspace {workdir} is not writable ({exc.strerror or exc}): choose "
            "another workdir or fix its permissions"
        ) from None


@contextmanager
def experiment(
    workdir: str | os.PathLike[str],
    name: str,
    *,
    launcher: Launcher | None = None,
    run_mode: RunMode | str = RunMode.NORMAL,
    port: int | None = None,
    max_jobs: int | None = None,
    fail_fast: bool = False,
) -> Iterator[Experiment]:
    """Open an experiment: tasks submitted in the block run as jobs of `workdir`.

    Args:
        workdir: The workspace folder (created if needed).
        name: The experiment's name; its runs are kept in `experiments/<name>/`.
        launcher: Where jobs run by default (a `LocalLauncher` if not given).
        run_mode: `"normal"`, `"dry-run"` (print, write nothing) or `"generate"` (write
            job folders, launch nothing).
        port: Serve the monitoring page on this port while the experiment runs.
        max_jobs: At most this many local jobs at once (default: the CPU count).
        fail_fast: Stop starting jobs after the first failure.

    Raises:
        ExperimentFailed: at the end of the block, when some jobs failed.
        ExperimentNameError: `name` cannot name a folder (see `xpm.scheduler.names`).
        XpmError: the workdir is not writable, or a submitted task is invalid.
    """
    stop_if_loading_main()
    check_experiment_name(name)
    mode = RunMode(run_mode)
    root = Path(workdir).expanduser().absolute()
    if mode is not RunMode.DRY_RUN:
        _check_workdir(root)
    xp = Experiment(root, name, launcher, mode, max_jobs, fail_fast)
    if mode is RunMode.NORMAL and isinstance(xp.launcher, LocalLauncher):
        xp.launcher.warm_up()
    server = None
    if port is not None and mode is not RunMode.DRY_RUN:
        server = _start_monitor(root, port)
    try:
        with submitting_to(xp):
            try:
                yield xp
            except BaseException:
                xp.status.interrupted(xp.jobs.values())
                xp._close("interrupted")
                raise
        try:
            ok = xp.wait()
        except KeyboardInterrupt:
            xp.status.interrupted(xp.jobs.values())
            xp._close("interrupted")
            raise
        xp._close("done" if ok else "failed")
        if not ok:
            failures = [j for j in xp.jobs.values() if j.state is JobState.FAILED]
            raise ExperimentFailed(failures, len(xp.jobs))
    finally:
        if server is not None:
            server.stop()


def _start_monitor(workdir: Path, port: int) -> Any:
    import importlib

    try:
        monitor = importlib.import_module("xpm.scheduler.monitor")
    except ImportError:
        print("xpm: the monitoring page is not available in this installation", file=sys.stderr)
        return None
    server = monitor.MonitorServer(workdir, port=port)
    server.start()
    print(f"xpm: monitoring page at {server.url}", file=sys.stderr)
    return server
