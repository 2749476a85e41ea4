"""The jobs of a workspace as `xpm jobs` shows them: states, tags, experiments, names.

Job folders say how a job stands (read through `xpm.scheduler.scan_jobs`); the tags and
the experiments that submitted a job come from the runs' `jobs.jsonl` files. A job is
named `<type id>/<identifier>`, and any unique prefix of that name, or of the identifier
alone, picks it, as does the monitor's short name (`learn/c53cbcfe`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final, NamedTuple

from .errors import AmbiguousJobError, UnknownExperimentError, UnknownJobError

if TYPE_CHECKING:
    from xpm.scheduler import JobEntry, JobRecord, JobState

    from .filters import JobFilter

_NO_TAGS: Final[Mapping[str, Any]] = MappingProxyType({})


class Submission(NamedTuple):
    """What the experiments say about one job: its tags, experiments and dependencies.

    Attributes:
        tags: the tags of the latest run that submitted the job.
        experiments: the experiments that submitted it, in order of their latest run.
        depends_on: the jobs it depends on, by name.
    """

    tags: Mapping[str, Any] = _NO_TAGS
    experiments: tuple[str, ...] = ()
    depends_on: tuple[str, ...] = ()


class Submissions:
    """What the experiments say about each job, read from `jobs.jsonl` when first needed.

    Listing jobs without tags or experiments never reads the runs. With `one_job`, only
    the lines that name that job are parsed (`xpm jobs show` in a workspace of 100,000
    jobs reads one line per run, not every line).
    """

    def __init__(
        self, workdir: Path, experiment: str | None = None, *, one_job: str | None = None
    ) -> None:
        self.workdir = workdir
        self.experiment = experiment
        self.one_job = one_job
        self._by_job: dict[str, Submission] | None = None

    def by_job(self) -> dict[str, Submission]:
        """Return the submissions by job name (read once).

        Raises:
            UnknownExperimentError: the experiment is not one of the workspace's.
        """
        if self._by_job is None:
            self._by_job = read_submissions(self.workdir, self.experiment, self.one_job)
        return self._by_job

    def get(self, name: str) -> Submission:
        """Return what the experiments say about the job `name` (nothing if none did)."""
        return self.by_job().get(name, _NOTHING)


class ListedJob:
    """A job of a listing: its name and state, with tags and the full record on demand."""

    __slots__ = ("_record", "entry", "submissions")

    def __init__(
        self, entry: JobEntry, submissions: Submissions, record: JobRecord | None = None
    ) -> None:
        self.entry = entry
        self.submissions = submissions
        self._record = record

    @property
    def name(self) -> str:
        """`<type id>/<identifier>`."""
        return self.entry.job_id

    @property
    def state(self) -> JobState:
        """Done, failed, running, waiting or unscheduled."""
        return self.entry.state

    @property
    def folder(self) -> str:
        """The job folder."""
        return self.entry.folder

    @property
    def record(self) -> JobRecord:
        """The whole record of the job folder (failure, process, times), read once."""
        if self._record is None:
            self._record = self.entry.read()
        return self._record

    @property
    def submission(self) -> Submission:
        """What the experiments say about the job: tags, experiments, dependencies."""
        return self.submissions.get(self.name)

    def attributes(self) -> Mapping[str, object]:
        """Return the `@attributes` a filter can test, each read only when tested.

        `@state`, `@type` (type id), `@id` (identifier), `@job` (`<type id>/<identifier>`),
        `@experiment` (the last experiment that submitted the job), `@reason` (why a
        failed job failed: failed, memory, timeout, cancelled, dependency).
        """
        return _Attributes(self)

    def tags(self) -> Mapping[str, object]:
        """Return the job's tags, read only when a filter tests one."""
        return _Tags(self)


class _Attributes(Mapping[str, object]):
    _KEYS: Final = ("state", "type", "id", "job", "experiment", "reason")

    def __init__(self, job: ListedJob) -> None:
        self.job = job

    def __getitem__(self, key: str) -> object:
        entry = self.job.entry
        if key == "state":
            return entry.state.value
        if key == "type":
            return entry.type_id
        if key == "id":
            return entry.identifier
        if key == "job":
            return entry.job_id
        if key == "experiment" and self.job.submission.experiments:
            return self.job.submission.experiments[-1]
        if key == "reason" and entry.state.value == "failed":
            failure = self.job.record.failure
            if failure is not None:
                return failure.reason
        raise KeyError(key)

    def get(self, key: str, default: object = None) -> object:
        # Filters call get() once per job and test: skip Mapping's generic version.
        entry = self.job.entry
        if key == "state":
            return entry.state.value
        try:
            return self[key]
        except KeyError:
            return default

    def __iter__(self) -> Iterator[str]:
        return (key for key in self._KEYS if key in self)

    def __len__(self) -> int:
        return sum(1 for _ in self)


class _Tags(Mapping[str, object]):
    def __init__(self, job: ListedJob) -> None:
        self.job = job

    def __getitem__(self, key: str) -> object:
        return self.job.submission.tags[key]

    def get(self, key: str, default: object = None) -> object:
        return self.job.submission.tags.get(key, default)

    def __iter__(self) -> Iterator[str]:
        return iter(self.job.submission.tags)

    def __len__(self) -> int:
        return len(self.job.submission.tags)


def read_submissions(
    workdir: Path, experiment: str | None = None, one_job: str | None = None
) -> dict[str, Submission]:
    """Return what every run of the workspace's experiments (or of one) says, by job name
    (about the job `one_job` only, if given).

    Raises:
        ExperimentNameError: `experiment` cannot be an experiment's name.
        UnknownExperimentError: `experiment` is not an experiment of the workspace.
    """
    from xpm.scheduler import check_experiment_name, list_experiments, list_runs

    names = list_experiments(workdir)
    if experiment is not None:
        check_experiment_name(experiment, "--experiment")
        if experiment not in names:
            raise UnknownExperimentError(experiment, str(workdir), names)
        names = [experiment]
    found: dict[str, Submission] = {}
    runs = [run for name in names for run in list_runs(workdir, name)]
    runs.sort(key=lambda run: (run.started or 0.0, run.run))
    mentioning = None if one_job is None else one_job.rpartition("/")[2]
    for run in runs:
        for job in run.submitted(mentioning=mentioning):
            if one_job is not None and job.job_id != one_job:
                continue
            before = found.get(job.job_id)
            experiments: tuple[str, ...] = (run.experiment,)
            if before is not None:
                experiments = (
                    *(e for e in before.experiments if e != run.experiment),
                    *experiments,
                )
            found[job.job_id] = Submission(job.tags, experiments, job.depends_on)
    return found


_NOTHING: Final = Submission()


def list_jobs(
    workdir: Path,
    *,
    experiment: str | None = None,
    job_filter: JobFilter | None = None,
) -> Iterator[ListedJob]:
    """Yield the jobs of the workspace (or of one experiment) that pass `job_filter`.

    Jobs come sorted by name. Tags and records are read only for what the filter tests.

    Raises:
        UnknownExperimentError: `experiment` is not an experiment of the workspace.
    """
    from xpm.scheduler import scan_states

    submissions = Submissions(workdir, experiment)
    entries: Iterator[JobEntry]
    if experiment is None:
        entries = scan_states(workdir)
    else:
        wanted = submissions.by_job()
        entries = (entry for entry in scan_states(workdir) if entry.job_id in wanted)
    for entry in entries:
        job = ListedJob(entry, submissions)
        if job_filter is None or job_filter(job.attributes(), job.tags()):
            yield job


def job_names(workdir: Path) -> list[str]:
    """Return the names of every job folder of the workspace, sorted, reading no file.

    Symbolic links under `jobs/` are skipped with a warning, never followed.
    """
    from xpm.scheduler import job_folders

    return [f"{type_id}/{identifier}" for type_id, identifier, _ in job_folders(workdir)]


def name_matches(given: str, job: str) -> bool:
    """Return whether `given` names the job `job` (`<type id>/<identifier>`).

    It does when it is a prefix of the job's name, a prefix of its identifier alone, or
    the monitor's short name: the type id's last dotted components, then `/` and a
    prefix of the identifier (`learn/c53cbcfe` names `digits_xp.learn.learn/c53cbcfe...`).
    """
    type_id, identifier = job.split("/", 1)
    if job.startswith(given) or identifier.startswith(given):
        return True
    short_type, slash, prefix = given.partition("/")
    return (
        bool(slash) and ("." + type_id).endswith("." + short_type) and identifier.startswith(prefix)
    )


def find_job(workdir: Path, name: str) -> ListedJob:
    """Return the job that `name` (a full name, a short name or a prefix) picks, fully read.

    See `name_matches`; a full name always wins over longer names it prefixes.

    Raises:
        UnknownJobError: no job matches.
        AmbiguousJobError: several jobs match; the error lists them.
    """
    from xpm.scheduler import JobEntry, JobPaths, read_job

    name = name.strip().rstrip("/")
    names = job_names(workdir)
    matches = [name] if name in names else [n for n in names if name_matches(name, n)]
    if not name or not matches:
        raise UnknownJobError(name, str(workdir))
    if len(matches) > 1:
        raise AmbiguousJobError(name, matches)
    type_id, identifier = matches[0].split("/", 1)
    paths = JobPaths.of(workdir, type_id, identifier)
    record = read_job(paths)
    entry = JobEntry(type_id, identifier, str(paths.folder), record.state)
    return ListedJob(entry, Submissions(workdir, one_job=matches[0]), record)
