"""The jobs of a workspace as `xpm jobs` shows them: states, tags, experiments, names.

Job folders say how a job stands (read through `xpm.scheduler.scan_jobs`); the tags and
the experiments that submitted a job come from the runs' `jobs.jsonl` files. A job is
named `<type id>/<identifier>`, and any unique prefix of that name, or of the identifier
alone, picks it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import AmbiguousJobError, UnknownExperimentError, UnknownJobError

if TYPE_CHECKING:
    from xpm.scheduler import JobRecord

    from .filters import JobFilter


@dataclass(frozen=True)
class Submission:
    """What the experiments say about one job: its tags, experiments and dependencies.

    Attributes:
        tags: the tags of the latest run that submitted the job.
        experiments: the experiments that submitted it, in order of their latest run.
        depends_on: the jobs it depends on, by name.
    """

    tags: Mapping[str, Any] = field(default_factory=dict)
    experiments: tuple[str, ...] = ()
    depends_on: tuple[str, ...] = ()


@dataclass(frozen=True)
class ListedJob:
    """A job folder, read, with what the experiments say about it."""

    record: JobRecord
    submission: Submission

    @property
    def name(self) -> str:
        """`<type id>/<identifier>`."""
        return self.record.job_id

    def attributes(self) -> dict[str, object]:
        """Return the `@attributes` a filter can test.

        `@state`, `@type` (type id), `@id` (identifier), `@job` (`<type id>/<identifier>`),
        `@experiment` (the last experiment that submitted the job), `@reason` (why a
        failed job failed).
        """
        record = self.record
        attributes: dict[str, object] = {
            "state": record.state.value,
            "type": record.type_id,
            "id": record.identifier,
            "job": record.job_id,
        }
        if self.submission.experiments:
            attributes["experiment"] = self.submission.experiments[-1]
        if record.failure is not None:
            attributes["reason"] = record.failure.reason
        return attributes


def read_submissions(workdir: Path, experiment: str | None = None) -> dict[str, Submission]:
    """Return what every run of the workspace's experiments (or of one) says, by job name.

    Raises:
        UnknownExperimentError: `experiment` is not an experiment of the workspace.
    """
    from xpm.scheduler import list_experiments, list_runs

    names = list_experiments(workdir)
    if experiment is not None:
        if experiment not in names:
            raise UnknownExperimentError(experiment, str(workdir), names)
        names = [experiment]
    found: dict[str, Submission] = {}
    runs = [run for name in names for run in list_runs(workdir, name)]
    runs.sort(key=lambda run: (run.started or 0.0, run.run))
    for run in runs:
        for job in run.submitted():
            before = found.get(job.job_id)
            experiments: tuple[str, ...] = (run.experiment,)
            if before is not None:
                experiments = (
                    *(e for e in before.experiments if e != run.experiment),
                    *experiments,
                )
            found[job.job_id] = Submission(job.tags, experiments, job.depends_on)
    return found


def list_jobs(
    workdir: Path,
    *,
    experiment: str | None = None,
    job_filter: JobFilter | None = None,
    light: bool = True,
) -> Iterator[ListedJob]:
    """Yield the jobs of the workspace (or of one experiment) that pass `job_filter`.

    Jobs come sorted by name. With `light`, records hold what the state needs only.

    Raises:
        UnknownExperimentError: `experiment` is not an experiment of the workspace.
    """
    from xpm.scheduler import JobPaths, read_job, scan_jobs

    submissions = read_submissions(workdir, experiment)
    records: Iterator[JobRecord]
    if experiment is None:
        records = scan_jobs(workdir, light=light)
    else:
        records = (
            read_job(JobPaths.of(workdir, *name.split("/", 1)), light=light)
            for name in sorted(submissions)
            if _job_folder(workdir, name).is_dir()
        )
    empty = Submission()
    for record in records:
        job = ListedJob(record, submissions.get(record.job_id, empty))
        if job_filter is None or job_filter(job.attributes(), job.submission.tags):
            yield job


def _job_folder(workdir: Path, name: str) -> Path:
    return workdir / "jobs" / name


def job_names(workdir: Path) -> list[str]:
    """Return the names of every job folder of the workspace, sorted, reading no file."""
    root = workdir / "jobs"
    names: list[str] = []
    try:
        types = sorted(e.name for e in os.scandir(root) if e.is_dir())
    except OSError:
        return names
    for type_id in types:
        try:
            names.extend(
                f"{type_id}/{e.name}" for e in sorted(os.scandir(root / type_id), key=_name)
            )
        except OSError:
            continue
    return names


def _name(entry: os.DirEntry[str]) -> str:
    return entry.name


def find_job(workdir: Path, name: str) -> ListedJob:
    """Return the job that `name` (a full name or a unique prefix) picks, fully read.

    A name matches a job when it is a prefix of `<type id>/<identifier>`, or of the
    identifier alone; a full name always wins over longer names it prefixes.

    Raises:
        UnknownJobError: no job matches.
        AmbiguousJobError: several jobs match; the error lists them.
    """
    from xpm.scheduler import JobPaths, read_job

    name = name.strip().rstrip("/")
    names = job_names(workdir)
    if name in names:
        matches = [name]
    else:
        matches = [n for n in names if n.startswith(name) or n.split("/", 1)[1].startswith(name)]
    if not name or not matches:
        raise UnknownJobError(name, str(workdir))
    if len(matches) > 1:
        raise AmbiguousJobError(name, matches)
    type_id, identifier = matches[0].split("/", 1)
    record = read_job(JobPaths.of(workdir, type_id, identifier))
    submission = read_submissions(workdir).get(record.job_id, Submission())
    return ListedJob(record, submission)
