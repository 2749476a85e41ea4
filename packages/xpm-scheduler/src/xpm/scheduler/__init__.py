"""xpm.scheduler: run experiments whose tasks each execute exactly once.

Names are imported on first use, so that a job process (`python -m xpm.scheduler.run`)
starts without loading the experiment machinery. These are the names other packages
(xpm.launchers, xpm.cli) and users import; the modules behind them are private.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from xpm.core.plumbing import lazy_exports

if TYPE_CHECKING:
    from .attempts import (
        Attempt,
        read_attempts,
    )
    from .errors import (
        ExperimentFailed,
        ExperimentFailedError,
        KillRefused,
        KillRefusedError,
        SpawnError,
        TokenError,
    )
    from .experiments import (
        Experiment,
        RunMode,
        experiment,
    )
    from .job import (
        Job,
    )
    from .jobpaths import (
        JobPaths,
    )
    from .kill import (
        kill_job,
        kill_process,
    )
    from .launcher import (
        EndCallback,
        Ending,
        JobLaunch,
        Launcher,
        Reason,
        job_command,
    )
    from .local import (
        LocalLauncher,
    )
    from .locks import (
        is_job_locked,
    )
    from .monitor import MonitorServer
    from .records import (
        Failure,
        JobEntry,
        JobRecord,
        JobState,
        Progress,
        read_job,
        scan_jobs,
        scan_states,
    )
    from .runs import (
        RunRecord,
        SubmittedJob,
        list_experiments,
        list_runs,
    )
    from .tokens import (
        Token,
        TokenDependency,
    )

_WHERE = {
    "Attempt": ".attempts",
    "EndCallback": ".launcher",
    "Ending": ".launcher",
    "Experiment": ".experiments",
    "ExperimentFailed": ".errors",
    "ExperimentFailedError": ".errors",
    "Failure": ".records",
    "Job": ".job",
    "JobEntry": ".records",
    "JobLaunch": ".launcher",
    "JobPaths": ".jobpaths",
    "JobRecord": ".records",
    "JobState": ".records",
    "KillRefused": ".errors",
    "KillRefusedError": ".errors",
    "Launcher": ".launcher",
    "LocalLauncher": ".local",
    "MonitorServer": ".monitor",
    "Progress": ".records",
    "Reason": ".launcher",
    "RunMode": ".experiments",
    "RunRecord": ".runs",
    "SpawnError": ".errors",
    "SubmittedJob": ".runs",
    "Token": ".tokens",
    "TokenDependency": ".tokens",
    "TokenError": ".errors",
    "experiment": ".experiments",
    "is_job_locked": ".locks",
    "job_command": ".launcher",
    "kill_job": ".kill",
    "kill_process": ".kill",
    "list_experiments": ".runs",
    "list_runs": ".runs",
    "read_attempts": ".attempts",
    "read_job": ".records",
    "scan_jobs": ".records",
    "scan_states": ".records",
}

__all__ = [
    "Attempt",
    "EndCallback",
    "Ending",
    "Experiment",
    "ExperimentFailed",
    "ExperimentFailedError",
    "Failure",
    "Job",
    "JobEntry",
    "JobLaunch",
    "JobPaths",
    "JobRecord",
    "JobState",
    "KillRefused",
    "KillRefusedError",
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
    "read_attempts",
    "read_job",
    "scan_jobs",
    "scan_states",
]


__getattr__, __dir__ = lazy_exports(__name__, _WHERE)
