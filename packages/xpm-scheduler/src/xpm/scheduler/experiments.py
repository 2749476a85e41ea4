"""`with experiment(workdir, name) as xp:` runs each distinct submitted task exactly once.

`Experiment` wires three parts together: `Task.submit()` turns a task into a `Job` and
writes its folder (`params.json`), the run's `RunWriter` (runs.py) records it in
`experiments/<name>/<run>/`, and the `Scheduler` (scheduler.py) starts it on its
launcher once its dependencies are done and hears about its end. Leaving the block waits
for all jobs and raises `ExperimentFailedError` when some failed. Everything is on disk,
so running the same plan again skips finished jobs, re-attaches to running ones and
retries failed ones. docs/dev/scheduler.md maps the modules.
"""

from __future__ import annotations

import enum
import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xpm.core import Task, XpmError, type_id
from xpm.core.plumbing import (
    extra_dependencies,
    submit_hooks,
    submitted_job,
    submitting_to,
    task_dependencies,
)

from .atomic import write_text_atomic
from .errors import ExperimentFailed, ExperimentFailedError
from .heap import LongLived
from .job import Job
from .jobpaths import JobPaths
from .jobprocess import stop_if_loading_main
from .launcher import Launcher
from .local import LocalLauncher
from .names import check_experiment_name
from .params import job_params, stores_surely
from .provenance import Provenance
from .records import JobState, read_job
from .runs import RunWriter, read_submitted
from .scheduler import Scheduler
from .status import StatusLine
from .tokens import CounterToken, Token, TokenDependency

if TYPE_CHECKING:
    from .results import Results

__all__ = [
    "Experiment",
    "ExperimentFailed",
    "ExperimentFailedError",
    "RunMode",
    "Token",
    "TokenDependency",
    "experiment",
]


class RunMode(enum.StrEnum):
    """What submitting does: run jobs, only show them, or only write their folders."""

    NORMAL = "normal"
    DRY_RUN = "dry-run"
    """Print each task's state, folder, tags and dependencies; write nothing."""
    GENERATE = "generate"
    """Write the job folders (params.json) but launch nothing."""


class Experiment:
    """An open experiment: receives `Task.submit()` calls and runs their jobs.

    Created by `experiment(...)`; see there. Attributes:
        workdir: The workspace folder.
        name: The experiment's name.
        run_mode: `RunMode.NORMAL`, `DRY_RUN` or `GENERATE`.
        launcher: Where jobs run unless `submit(launcher=...)` says otherwise.
        jobs: Every job submitted so far, by job id, in submission order.
        status: The status line (a live line on a terminal, plain lines otherwise).
    """

    def __init__(
        self,
        workdir: Path,
        name: str,
        launcher: Launcher | None,
        run_mode: RunMode,
        max_jobs: int | None,
        fail_fast: bool,
        script: Path | None = None,
    ) -> None:
        self.workdir = workdir
        self.name = name
        self.run_mode = run_mode
        self.launcher: Launcher = launcher or LocalLauncher(max_jobs)
        self.jobs: dict[str, Job] = {}
        self.status = StatusLine(sys.stderr)
        self.run = RunWriter(workdir, name, time.time(), self.jobs)
        self.scheduler = Scheduler(
            self.launcher,
            fail_fast=fail_fast,
            status=self.status,
            on_change=lambda: self.run.write_status("running"),
        )
        self._paths: dict[int, JobPaths] = {}
        self.provenance = Provenance(script)
        self._type_folders: dict[str, JobPaths] = {}
        self._dry_types: dict[str, bool] = {}
        self._heap = LongLived()

    @property
    def fail_fast(self) -> bool:
        """Whether no job starts after the first failure (`experiment(fail_fast=True)`)."""
        return self.scheduler.fail_fast

    @property
    def resultspath(self) -> Path:
        """`<workdir>/experiments/<name>/results/`: a folder for the experiment's results."""
        path = self.workdir / "experiments" / self.name / "results"
        if self.run_mode is not RunMode.DRY_RUN:
            path.mkdir(parents=True, exist_ok=True)
        return path

    def results(self, file: str = "metrics.json") -> Results:
        """Return the rows of this run's jobs: tags and the values each wrote in `file`.

        Call it after `wait()`; see `xpm.scheduler.Results`.
        """
        from .results import read_results

        self.run.flush()
        folder = self.run.folder
        jobs = [] if folder is None else read_submitted(folder / "jobs.jsonl")
        return read_results(self.workdir, jobs, file=file)

    def token(self, name: str, total: int) -> Token:
        """Declare the counter token `name` with `total` units (shared by the workspace)."""
        return Token(CounterToken(self.workdir, name, total))

    def job_folder(self, task: Task) -> Path:
        """Return `<workdir>/jobs/<type id>/<identifier>/` (the core asks before sealing)."""
        paths = self._paths_of(type_id(task), task.__identifier__().hex())
        self._paths[id(task)] = paths
        return paths.folder

    def _paths_of(self, kind: str, identifier: str) -> JobPaths:
        """`JobPaths.of`, with the checked `jobs/<type id>` folder kept per type id
        (an experiment may submit 100,000 tasks of a few types)."""
        known = self._type_folders.get(kind)
        if known is None:
            known = JobPaths.of(self.workdir, kind, "-")
            known = self._type_folders[kind] = JobPaths(known.folder.parent, known.name)
        if not identifier.isalnum():  # identifiers are hex; anything else gets the checks
            return JobPaths.of(self.workdir, kind, identifier)
        return JobPaths.within(known.folder, identifier, known.name)

    def submit(self, task: Task, *, launcher: Any, outputs: Any) -> Job:
        """Queue the sealed `task` (called by `Task.submit()`); return its job.

        A task already submitted in this experiment returns its job; a job done on disk
        is not run again. In dry-run mode the job is printed; in generate mode its
        folder is written and nothing is launched.
        """
        kind = type_id(task)
        paths = self._paths.pop(id(task), None) or self._paths_of(kind, task.__identifier__().hex())
        existing = self.jobs.get(f"{kind}/{paths.folder_name}")
        if existing is not None:
            return existing
        job = self._new_job(task, kind, paths, launcher)
        on_disk = self._on_disk(kind, paths)
        if on_disk is JobState.DONE and self.run_mode is not RunMode.DRY_RUN:
            self.jobs[job.job_id] = job
            self._heap.added()
            self.run.record(job, on_disk=True)
            recorded = f"{paths.folder_text}/params.json"
            self.provenance.check(recorded, type(task), job.job_id, self.status.note)
            _call(job._finish(JobState.DONE))
            self.scheduler.note_change()
            return job
        for hook in submit_hooks(task):
            hook.process(job, job.launcher)
        if self.run_mode is RunMode.DRY_RUN:
            if not stores_surely(task):  # a dry-run builds params.json for its errors
                job_params(task, paths, kind, self.workdir)
            self.jobs[job.job_id] = job
            self._heap.added()
            job.state = on_disk if on_disk is not JobState.UNSCHEDULED else JobState.WAITING
            self._print_dry(job, on_disk)
            _call(job._finish(on_disk if on_disk.finished else JobState.WAITING))
            return job
        params = job_params(task, paths, kind, self.workdir)
        self.jobs[job.job_id] = job
        self._heap.added()
        self.run.record(job)
        text = json.dumps(params, indent=1, ensure_ascii=False)
        # The environment's text is shared by every job of the class: splice it in.
        text = f'{text[:-2]},\n "environment": {self.provenance.text(type(task))}\n}}'
        try:
            paths.folder.mkdir(parents=True, exist_ok=True)
            write_text_atomic(paths.params, text)
        except OSError as e:
            raise XpmError(
                f"cannot write {paths.params} (job {job.job_id}): {e.strerror or e};"
                " remove what is in the way"
            ) from None
        if self.run_mode is RunMode.GENERATE:
            job.state = JobState.UNSCHEDULED
            _call(job._finish(JobState.UNSCHEDULED))
            return job
        self.scheduler.queue(job)
        return job

    def _new_job(self, task: Task, kind: str, paths: JobPaths, launcher: Any) -> Job:
        """Return the job of `task`: its launcher, the jobs and tokens it waits for."""
        if launcher is not None and not isinstance(launcher, Launcher):
            raise XpmError(
                f"{type(task).__name__}.submit(launcher={launcher!r}): a launcher must be an "
                "xpm.scheduler.Launcher (LocalLauncher, or a SlurmLauncher from "
                "xpm.launchers; find_launcher('spec') picks one from a requirement)"
            )
        dependencies = [_job_of(dep_task, task) for dep_task in task_dependencies(task)]
        tokens: list[tuple[CounterToken, int]] = []
        for extra in extra_dependencies(task):
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
        self.scheduler.use(chosen)
        identifier = paths.folder_name
        return Job(task, kind, identifier, paths, chosen, task.tags(), dependencies, tokens)

    def _on_disk(self, kind: str, paths: JobPaths) -> JobState:
        """The job's state on disk; a dry-run looks once per type id at whether the
        workspace has any job of it (a new plan of 100,000 jobs asks nothing more)."""
        if self.run_mode is RunMode.DRY_RUN:
            known = self._dry_types.get(kind)
            if known is None:
                known = self._dry_types[kind] = os.access(paths.folder.parent, os.F_OK)
            if not known:
                return JobState.UNSCHEDULED
        return _state_on_disk(paths)

    def _print_dry(self, job: Job, on_disk: JobState) -> None:
        lines = [f"[{on_disk.value}] {job.job_id}\n    folder: {job.paths.folder_text}\n"]
        if job.tags:
            tags = " ".join(f"{k}={v}" for k, v in sorted(job.tags.items()))
            lines.append(f"    tags: {tags}\n")
        if job.dependencies:
            lines.append(f"    depends on: {', '.join(d.job_id for d in job.dependencies)}\n")
        sys.stdout.write("".join(lines))

    def wait(self) -> bool:
        """Wait until every submitted job has ended; return whether all succeeded.

        Shows a status line on a terminal (plain lines otherwise).
        """
        self.run.flush()
        if self.run_mode is not RunMode.NORMAL:
            return True
        return self.scheduler.wait(self.jobs)

    def _close(self, status: str) -> None:
        self.scheduler.close()
        self.run.close(status)
        self._heap.release()


def _state_on_disk(paths: JobPaths) -> JobState:
    """`read_job(paths, light=True).state`, in one or two system calls for the usual
    cases of a large plan: a job done, or a folder not made yet."""
    folder = paths.folder_text
    if os.access(f"{folder}/{paths.name}.done", os.F_OK):
        return JobState.DONE
    if not os.access(folder, os.F_OK):
        return JobState.UNSCHEDULED
    return read_job(paths, light=True).state


def _call(callbacks: list[Callable[[], Any]]) -> None:
    for callback in callbacks:
        callback()


def _job_of(dependency: Task, task: Task) -> Job:
    job = submitted_job(dependency)
    if not isinstance(job, Job):
        raise XpmError(
            f"{type(task).__name__} depends on {type(dependency).__name__}, which was not "
            "submitted in an experiment: submit it first"
        )
    return job


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
    script: str | os.PathLike[str] | None = None,
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
        script: The file that describes the experiment, recorded as `script` in each
            job's environment (by default the running program's file, `__main__`);
            `xpm run-experiment` gives its YAML file.

    Raises:
        ExperimentFailedError: at the end of the block, when some jobs failed.
        ExperimentNameError: `name` cannot name a folder (see `xpm.scheduler.names`).
        XpmError: the workdir is not writable, or a submitted task is invalid.
    """
    stop_if_loading_main()
    check_experiment_name(name)
    mode = RunMode(run_mode)
    root = Path(workdir).expanduser().absolute()
    if mode is not RunMode.DRY_RUN:
        _check_workdir(root)
    described = None if script is None else Path(script).expanduser().absolute()
    xp = Experiment(root, name, launcher, mode, max_jobs, fail_fast, described)
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
            raise ExperimentFailedError(failures, len(xp.jobs))
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
