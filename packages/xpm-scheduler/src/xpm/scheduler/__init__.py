"""xpm.scheduler: run experiments whose tasks each execute exactly once."""

from .errors import SpawnError, TokenError
from .jobpaths import JobPaths
from .launcher import Ending, JobLaunch, Launcher
from .records import (
    Failure,
    JobRecord,
    JobState,
    Progress,
    RunRecord,
    SubmittedJob,
    list_experiments,
    list_runs,
    read_job,
    scan_jobs,
)

__all__ = [
    "Ending",
    "Failure",
    "JobLaunch",
    "JobPaths",
    "JobRecord",
    "JobState",
    "Launcher",
    "Progress",
    "RunRecord",
    "SpawnError",
    "SubmittedJob",
    "TokenError",
    "list_experiments",
    "list_runs",
    "read_job",
    "scan_jobs",
]
