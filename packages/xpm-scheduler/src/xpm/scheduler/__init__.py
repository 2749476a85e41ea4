"""xpm.scheduler: run experiments whose tasks each execute exactly once.

Names are imported on first use, so that a job process (`python -m xpm.scheduler.run`)
starts without loading the experiment machinery.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .errors import ExperimentNameError, SpawnError, TokenError
    from .experiments import (
        Experiment,
        ExperimentFailed,
        RunMode,
        Token,
        TokenDependency,
        experiment,
    )
    from .job import Job
    from .jobpaths import JobPaths
    from .kill import KillRefused, kill_job, kill_process
    from .launcher import Ending, JobLaunch, Launcher, job_command
    from .local import LocalLauncher
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

_WHERE = {
    "KillRefused": ".kill",
    "kill_job": ".kill",
    "kill_process": ".kill",
    "Ending": ".launcher",
    "Experiment": ".experiments",
    "ExperimentFailed": ".experiments",
    "ExperimentNameError": ".errors",
    "Failure": ".records",
    "Job": ".job",
    "JobLaunch": ".launcher",
    "JobPaths": ".jobpaths",
    "JobRecord": ".records",
    "JobState": ".records",
    "Launcher": ".launcher",
    "LocalLauncher": ".local",
    "Progress": ".records",
    "RunMode": ".experiments",
    "RunRecord": ".records",
    "SpawnError": ".errors",
    "SubmittedJob": ".records",
    "Token": ".experiments",
    "TokenDependency": ".experiments",
    "TokenError": ".errors",
    "experiment": ".experiments",
    "job_command": ".launcher",
    "list_experiments": ".records",
    "list_runs": ".records",
    "read_job": ".records",
    "scan_jobs": ".records",
}

__all__ = [
    "Ending",
    "Experiment",
    "ExperimentFailed",
    "ExperimentNameError",
    "Failure",
    "Job",
    "JobLaunch",
    "JobPaths",
    "JobRecord",
    "JobState",
    "KillRefused",
    "Launcher",
    "LocalLauncher",
    "Progress",
    "RunMode",
    "RunRecord",
    "SpawnError",
    "SubmittedJob",
    "Token",
    "TokenDependency",
    "TokenError",
    "experiment",
    "job_command",
    "kill_job",
    "kill_process",
    "list_experiments",
    "list_runs",
    "read_job",
    "scan_jobs",
]


def __getattr__(name: str) -> Any:
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module 'xpm.scheduler' has no attribute {name!r}")
    value = getattr(importlib.import_module(where, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
