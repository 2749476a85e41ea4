"""xpm.scheduler: run experiments whose tasks each execute exactly once.

Names are imported on first use, so that a job process (`python -m xpm.scheduler.run`)
starts without loading the experiment machinery. These are the names other packages
(xpm.launchers, xpm.cli) and users import; the modules behind them are private.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from xpm.core.plumbing import lazy_exports

if TYPE_CHECKING:
    from .errors import (
        ExperimentFailed,
        ExperimentFailedError,
        KillRefused,
        KillRefusedError,
        ResultsError,
        SpawnError,
        TokenError,
    )
    from .experiments import (
        Experiment,
        RunMode,
        experiment,
    )
    from .heatmap import (
        heatmap_svg,
        write_heatmap,
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
    from .provenance import (
        Provenance,
        read_provenance,
    )
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
    from .results import (
        HeatmapGrid,
        ResultRow,
        Results,
        experiment_results,
        read_results,
        run_jobs,
    )
    from .runs import (
        RunRecord,
        SubmittedJob,
        list_experiments,
        list_runs,
    )
    from .tables import (
        csv_text,
        format_table,
    )
    from .tokens import (
        Token,
        TokenDependency,
    )

_WHERE = {
    "EndCallback": ".launcher",
    "Ending": ".launcher",
    "Experiment": ".experiments",
    "ExperimentFailed": ".errors",
    "ExperimentFailedError": ".errors",
    "Failure": ".records",
    "HeatmapGrid": ".results",
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
    "Provenance": ".provenance",
    "Reason": ".launcher",
    "ResultRow": ".results",
    "Results": ".results",
    "ResultsError": ".errors",
    "RunMode": ".experiments",
    "RunRecord": ".runs",
    "SpawnError": ".errors",
    "SubmittedJob": ".runs",
    "Token": ".tokens",
    "TokenDependency": ".tokens",
    "TokenError": ".errors",
    "csv_text": ".tables",
    "experiment": ".experiments",
    "experiment_results": ".results",
    "format_table": ".tables",
    "heatmap_svg": ".heatmap",
    "is_job_locked": ".locks",
    "job_command": ".launcher",
    "kill_job": ".kill",
    "kill_process": ".kill",
    "list_experiments": ".runs",
    "list_runs": ".runs",
    "read_job": ".records",
    "read_provenance": ".provenance",
    "read_results": ".results",
    "run_jobs": ".results",
    "scan_jobs": ".records",
    "scan_states": ".records",
    "write_heatmap": ".heatmap",
}

__all__ = [
    "EndCallback",
    "Ending",
    "Experiment",
    "ExperimentFailed",
    "ExperimentFailedError",
    "Failure",
    "HeatmapGrid",
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
    "Provenance",
    "Reason",
    "ResultRow",
    "Results",
    "ResultsError",
    "RunMode",
    "RunRecord",
    "SpawnError",
    "SubmittedJob",
    "Token",
    "TokenDependency",
    "TokenError",
    "csv_text",
    "experiment",
    "experiment_results",
    "format_table",
    "heatmap_svg",
    "is_job_locked",
    "job_command",
    "kill_job",
    "kill_process",
    "list_experiments",
    "list_runs",
    "read_job",
    "read_provenance",
    "read_results",
    "run_jobs",
    "scan_jobs",
    "scan_states",
    "write_heatmap",
]


__getattr__, __dir__ = lazy_exports(__name__, _WHERE)
