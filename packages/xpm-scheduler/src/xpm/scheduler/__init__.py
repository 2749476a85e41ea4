"""xpm.scheduler: run experiments whose tasks each execute exactly once.

Names are imported on first use, so that a job process (`python -m xpm.scheduler.run`)
starts without loading the experiment machinery.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .errors import SpawnError, TokenError
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
    from .launcher import EndCallback, Ending, JobLaunch, Launcher, Reason, job_command
    from .local import LocalLauncher
    from .locks import is_job_locked
    from .monitor import MonitorServer
    from .records import (
        Failure,
        JobEntry,
        JobRecord,
        JobState,
        Progress,
        RunRecord,
        SubmittedJob,
        list_experiments,
        list_runs,
        read_job,
        scan_jobs,
        scan_states,
    )

_WHERE = {
    "KillRefused": ".kill",
    "kill_job": ".kill",
    "kill_process": ".kill",
    "EndCallback": ".launcher",
    "Ending": ".launcher",
    "Experiment": ".experiments",
    "ExperimentFailed": ".experiments",
    "Failure": ".records",
    "Job": ".job",
    "JobLaunch": ".launcher",
    "JobEntry": ".records",
    "JobPaths": ".jobpaths",
    "JobRecord": ".records",
    "JobState": ".records",
    "Launcher": ".launcher",
    "LocalLauncher": ".local",
    "MonitorServer": ".monitor",
    "Progress": ".records",
    "Reason": ".launcher",
    "RunMode": ".experiments",
    "RunRecord": ".records",
    "SpawnError": ".errors",
    "SubmittedJob": ".records",
    "Token": ".experiments",
    "TokenDependency": ".experiments",
    "TokenError": ".errors",
    "experiment": ".experiments",
    "is_job_locked": ".locks",
    "job_command": ".launcher",
    "list_experiments": ".records",
    "list_runs": ".records",
    "read_job": ".records",
    "scan_jobs": ".records",
    "scan_states": ".records",
}

__all__ = [
    "EndCallback",
    "Ending",
    "Experiment",
    "ExperimentFailed",
    "Failure",
    "Job",
    "JobEntry",
    "JobLaunch",
    "JobPaths",
    "JobRecord",
    "JobState",
    "KillRefused",
    "Launcher",
    "LocalLauncher",
    "MonitorServer",
    "Progress",
    "Reason",
    "RunMode",
    "RunRecord",
    "SpawnError",
    "SubmittedJob",
    "Token",
    "TokenDependency",
    "TokenError",
    "experiment",
    "is_job_locked",
    "job_command",
    "kill_job",
    "kill_process",
    "list_experiments",
    "list_runs",
    "read_job",
    "scan_jobs",
    "scan_states",
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
