"""The SLURM launcher: submit jobs with `sbatch`, follow them, cancel them.

Each job gets its own script, `<name>.sbatch` in its folder: it can be read, and re-run
with `bash` outside SLURM. Independent jobs started together become one job array, whose
task N runs the N-th job's script. Jobs wait for their dependencies inside SLURM
(`--dependency=afterok:...`), so a whole pipeline is queued at once.
"""

from __future__ import annotations

import dataclasses
import re
import socket
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import TypedDict, Unpack

from xpm.core import ValidationError
from xpm.scheduler import EndCallback, JobLaunch, Launcher

from ..errors import SlurmCommandError
from ..suggest import close_matches, did_you_mean
from .commands import CommandRunner, run_slurm_command
from .intents import COMMENT, new_token, submitted_before, write_intents
from .longjobs import TIME_LIMIT_ENV, dependency_update, more_memory, time_limit, with_warning
from .outofmemory import memory_aware as _memory_aware
from .sbatch import ArraySpec, SlurmOptions, parse_sbatch_output, render_sbatch_script
from .sharing import shared_poller

_HOST = socket.gethostname()
_JOB_ID = re.compile(r"[0-9]+(_[0-9]+)?")
_DEFAULT_MAX_ARRAY_SIZE = 1001
# Array task N runs the N-th script given after the command name ($0).
_DISPATCH = 'exec bash "${@:SLURM_ARRAY_TASK_ID+1:1}"'


class SlurmOptionChanges(TypedDict, total=False):
    """The keyword arguments of `SlurmLauncher.config`: any `SlurmOptions` field."""

    nodes: int | None
    time: str | None
    account: str | None
    qos: str | None
    partition: str | None
    constraint: str | None
    mem: str | None
    exclude: str | None
    mem_per_gpu: str | None
    cpus_per_task: int | None
    nodelist: str | None
    ntasks_per_node: int | None
    gpus: int | str | None
    gpus_per_node: int | str | None
    extra: tuple[str, ...]


class SlurmLauncher(Launcher):
    """Runs xpm jobs on a SLURM cluster with `sbatch`, and follows them with `sacct`.

    Build one per set of sbatch options; `config` derives variants:

        gpu = SlurmLauncher(options=SlurmOptions(partition="gpu", time="1-00:00:00"))
        big = gpu.config(gpus=4, mem="128G")

    Jobs started with `start_many` that have no pending dependency are submitted as
    one job array (chunked to the cluster's `MaxArraySize`; at most `array_throttle`
    tasks run at once). A background thread follows every job of the launcher: it
    reads the jobs' `.done`/`.failed` markers every half second, and asks SLURM
    (one `sacct` call, `squeue` when accounting lags or is off) about jobs without a
    marker every 30 to 45 s, and about a job that wrote `.failed` at once.

    Args:
        options: The sbatch options of every job.
        array_throttle: The `%N` of job arrays: how many tasks may run at once.
        runner: Runs SLURM's commands; tests pass one that answers from captures.
        min_poll_interval: Seconds between rounds of SLURM status calls after a change
            (jobs with a `.done` or `.failed` marker are not asked about in rounds).
        max_poll_interval: Longest wait between rounds while nothing changes.
        grace: Seconds a job may stay unknown to SLURM before it is taken as gone.
        max_array_size: Overrides the cluster's `MaxArraySize` (`scontrol show config`).
        background: Poll from a thread; with False, call `poll` yourself.
        time_warning: Seconds before the time limit (`options.time`) when SLURM sends
            the job SIGUSR1 (`--signal=B:USR1@N`), so that a `ResumableTask` writes a
            checkpoint and stops: then it is submitted again. By default 120, at most
            half the limit; 0: no warning. SLURM may send it up to a minute early.
    """

    native_dependencies = True
    batch_window = 0.2

    def __init__(
        self,
        options: SlurmOptions | None = None,
        *,
        array_throttle: int | None = None,
        runner: CommandRunner = run_slurm_command,
        min_poll_interval: float = 30.0,
        max_poll_interval: float = 45.0,
        grace: float = 60.0,
        max_array_size: int | None = None,
        background: bool = True,
        time_warning: int | None = None,
    ) -> None:
        if array_throttle is not None and array_throttle < 1:
            raise ValidationError(
                "must be at least 1 (or None for no limit)",
                path="array_throttle",
                value=array_throttle,
            )
        self.options = options or SlurmOptions()
        self.array_throttle = array_throttle
        self._runner = runner
        self._settings = (min_poll_interval, max_poll_interval, grace, background)
        self._max_array_size = max_array_size
        self.time_warning = time_warning
        self._poller = shared_poller(
            runner,
            min_interval=min_poll_interval,
            max_interval=max_poll_interval,
            grace=grace,
            background=background,
        )

    def __repr__(self) -> str:
        return f"SlurmLauncher(options={self.options!r})"

    def config(self, **changes: Unpack[SlurmOptionChanges]) -> SlurmLauncher:
        """Return a new launcher whose options are these ones with `changes` applied.

        `launcher.config(gpus=2, time="4:00:00")`; `None` removes an option. The new
        launcher follows its own jobs; this one is unchanged.

        Raises:
            ValidationError: a name is not an sbatch option of `SlurmOptions` (the
                message suggests the closest one), or a value cannot be written.
        """
        names = [f.name for f in dataclasses.fields(SlurmOptions)]
        for name in changes:
            if name not in names:
                phrase = did_you_mean(close_matches(name, names, n=1))
                hint = f": {phrase}" if phrase else f"; options: {names}"
                raise ValidationError(f"{name!r} is not a SLURM option{hint}", path=name)
        minimum, maximum, grace, background = self._settings
        launcher = SlurmLauncher(
            dataclasses.replace(self.options, **changes),
            array_throttle=self.array_throttle,
            runner=self._runner,
            min_poll_interval=minimum,
            max_poll_interval=maximum,
            grace=grace,
            max_array_size=self._max_array_size,
            background=background,
            time_warning=self.time_warning,
        )
        launcher.retries = self.retries
        return launcher

    def with_more_memory(self, factor: float, cap: str | None) -> SlurmLauncher | None:
        """Return a copy asking for `factor` times `options.mem` (at most `cap`), for a
        retry after running out of memory; None without `mem`, or already at the cap."""
        mem = more_memory(self.options, factor, cap)
        return None if mem is None else self.config(mem=mem)

    def update_dependencies(
        self, record: Mapping[str, object], after: Sequence[Mapping[str, object]]
    ) -> bool:
        """Make the queued job of `record` wait for the SLURM jobs of `after` instead
        (`scontrol update JobId=... Dependency=afterok:...`).

        Raises:
            ValidationError: a record is not a SLURM job's.
        """
        job_id = _record_job_id(record)
        if job_id is None:
            return False
        launch = JobLaunch(Path("."), "", job_id, ())
        command = dependency_update(job_id, [_job_id_of(other, launch) for other in after])
        return self._runner(command).returncode == 0

    def start(self, launch: JobLaunch, on_end: EndCallback) -> Mapping[str, object]:
        """Submit `launch` with `sbatch`; return its pid record `{"type": "slurm", ...}`.

        The job waits in SLURM for the jobs of `launch.after` (`afterok`); if one of
        them fails, `on_end` gets reason `"dependency"` (the job stays queued: the
        scheduler cancels it, or makes it wait for the new attempt of the failed one).

        Raises:
            SlurmCommandError: sbatch refused the job; the message holds its stderr.
            ValidationError: a dependency is not a SLURM job, or an option cannot be
                written in a script.
        """
        self._check_open()
        dependencies = [_job_id_of(record, launch) for record in launch.after]
        (job_id,) = submitted_before(self._runner, [(launch.folder, launch.name)])
        if job_id is None:
            script = self._write_script(launch, dependencies)
            job_id = self._submit(script, [launch])
        on_end = _memory_aware(on_end, [launch.stderr])
        self._poller.follow(job_id, on_end, since=_since(), paths=launch.paths)
        return self._record(job_id)

    def start_many(
        self, launches: Sequence[tuple[JobLaunch, EndCallback]]
    ) -> list[Mapping[str, object]]:
        """Submit jobs; those with no dependency to wait for go in one job array.

        Arrays are cut into chunks of the cluster's `MaxArraySize`. The record of an
        array task names it `"<array id>_<index>"`.

        Raises:
            SlurmCommandError: sbatch refused a job or an array; jobs submitted before
                it stay submitted and followed.
        """
        self._check_open()
        records: dict[int, Mapping[str, object]] = {}
        earlier = submitted_before(self._runner, [(ln.folder, ln.name) for ln, _ in launches])
        for i, job_id in enumerate(earlier):
            if job_id is not None:  # submitted by an experiment that died before recording it
                logs = [launches[i][0].stderr]
                on_end = _memory_aware(launches[i][1], logs)
                self._poller.follow(job_id, on_end, since=_since(), paths=launches[i][0].paths)
                records[i] = self._record(job_id)
        independent = [
            i for i, (launch, _) in enumerate(launches) if not launch.after and i not in records
        ]
        if len(independent) > 1:
            size = self.max_array_size()
            for first in range(0, len(independent), size):
                chunk = independent[first : first + size]
                if len(chunk) == 1:
                    continue
                job_ids = self._submit_array([launches[i][0] for i in chunk])
                folder = launches[chunk[0]][0].folder
                for i, job_id in zip(chunk, job_ids, strict=True):
                    # slurmstepd writes to the array's own error file, in its first folder.
                    logs = [launches[i][0].stderr, folder / f"slurm-{job_id}.err"]
                    on_end = _memory_aware(launches[i][1], logs)
                    paths = launches[i][0].paths
                    self._poller.follow(job_id, on_end, since=_since(), paths=paths)
                    records[i] = self._record(job_id)
        for i, (launch, on_end) in enumerate(launches):
            if i not in records:
                records[i] = self.start(launch, on_end)
        return [records[i] for i in range(len(launches))]

    def reattach(
        self, launch: JobLaunch, record: Mapping[str, object], on_end: EndCallback
    ) -> bool:
        """Follow the job of `record` if SLURM still has it queued or running.

        Never resubmits. Returns False when the record is not a SLURM one, or SLURM
        says the job ended (or does not know it): the job's markers then tell how.

        Raises:
            SlurmCommandError: SLURM did not answer.
        """
        job_id = _record_job_id(record)
        if job_id is None:
            return False
        status = self._poller.statuses([job_id]).get(job_id)
        if status is None or status.is_final:
            return False
        since = datetime.now() - timedelta(days=30)
        on_end = _memory_aware(on_end, [launch.stderr])
        self._poller.follow(job_id, on_end, since=since, paths=launch.paths)
        return True

    def kill(self, record: Mapping[str, object]) -> bool:
        """Cancel the job of `record` with `scancel`; False when it was not running.

        Its `on_end` (if followed) is then called with reason `"cancelled"`.

        Raises:
            SlurmCommandError: SLURM did not answer, or refused to cancel the job.
        """
        job_id = _record_job_id(record)
        if job_id is None:
            return False
        status = self._poller.statuses([job_id]).get(job_id)
        if status is None or status.is_final:
            return False
        command = ["scancel", job_id]
        self._runner(command).check(command)
        return True

    def poll(self) -> list[str]:
        """Ask SLURM now, call `on_end` of the jobs that ended; return those still followed.

        Only needed with `background=False`; the background thread does it otherwise.

        Raises:
            SlurmCommandError: SLURM did not answer.
        """
        self._poller.poll_once()
        return self._poller.followed()

    def close(self) -> None:
        """Stop following jobs; they keep running in SLURM (see `reattach`)."""
        self._poller.close()

    def max_array_size(self) -> int:
        """Return how many tasks one job array may hold (`MaxArraySize`, read once)."""
        if self._max_array_size is None:
            command = ["scontrol", "show", "config"]
            result = self._runner(command)
            match = re.search(r"^MaxArraySize\s*=\s*([0-9]+)", result.stdout, re.MULTILINE)
            self._max_array_size = _DEFAULT_MAX_ARRAY_SIZE
            if result.returncode == 0 and match is not None and int(match.group(1)) > 0:
                self._max_array_size = int(match.group(1))
        return self._max_array_size

    def _check_open(self) -> None:
        if self._poller.is_closed:
            raise RuntimeError(
                "this SlurmLauncher is closed and cannot start jobs: use a new one "
                "(launcher.config() makes a copy)"
            )

    def _write_script(self, launch: JobLaunch, dependencies: Sequence[str] = ()) -> Path:
        limit = time_limit(self.options)
        if limit is not None:
            environ = {**launch.environ, TIME_LIMIT_ENV: str(limit)}
            launch = dataclasses.replace(launch, environ=environ)
        options, ignored = with_warning(self.options, self.time_warning)
        text = render_sbatch_script(
            options=options,
            job_name=launch.job_id,
            job_folder=launch.folder,
            command=launch.command,
            dependencies=dependencies,
            stdout=launch.stdout,
            stderr=launch.stderr,
            environ=launch.environ,
            ignored_signals=ignored,
        )
        script = launch.folder / f"{launch.name}.sbatch"
        launch.folder.mkdir(parents=True, exist_ok=True)
        script.write_text(text)
        return script

    def _submit_array(self, launches: Sequence[JobLaunch]) -> list[str]:
        scripts = [str(self._write_script(launch)) for launch in launches]
        first = launches[0]
        options, ignored = with_warning(self.options, self.time_warning)
        text = render_sbatch_script(
            options=options,
            job_name=f"xpm array of {len(launches)} jobs",
            job_folder=first.folder,
            command=["bash", "-c", _DISPATCH, "xpm-array", *scripts],
            array=ArraySpec(tuple(range(len(launches))), self.array_throttle),
            ignored_signals=ignored,
        )
        script = first.folder / f"{first.name}.array.sbatch"
        script.write_text(text)
        array_id = self._submit(script, launches)
        return [f"{array_id}_{index}" for index in range(len(launches))]

    def _submit(self, script: Path, launches: Sequence[JobLaunch]) -> str:
        token = new_token()
        write_intents([(launch.folder, launch.name) for launch in launches], token)
        command = ["sbatch", "--parsable", f"--comment={COMMENT}{token}", str(script)]
        output = self._runner(command).check(command)
        job_id = parse_sbatch_output(output)
        if job_id is None:
            raise SlurmCommandError(
                command, 0, f"sbatch printed no job id; its output was: {output.strip()!r}"
            )
        return job_id

    def _record(self, job_id: str) -> dict[str, object]:
        return {"type": "slurm", "jobid": job_id, "host": _HOST}


def _since() -> datetime:
    # sacct's -S; the controller's clock may differ a little from ours.
    return datetime.now() - timedelta(days=1)


def _record_job_id(record: Mapping[str, object]) -> str | None:
    job_id = record.get("jobid")
    if record.get("type") != "slurm" or not isinstance(job_id, str):
        return None
    return job_id if _JOB_ID.fullmatch(job_id) else None


def _job_id_of(record: Mapping[str, object], launch: JobLaunch) -> str:
    job_id = _record_job_id(record)
    if job_id is None:
        raise ValidationError(
            f"job {launch.job_id} depends on a job that does not run on SLURM ({dict(record)}): "
            "a SLURM job can only wait for SLURM jobs; start the dependency with a "
            "SlurmLauncher, or start this job once the dependency is done",
            path="after",
            value=dict(record),
        )
    return job_id
