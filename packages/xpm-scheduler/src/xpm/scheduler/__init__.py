"""xpm.scheduler: run experiments whose tasks each execute exactly once.

Names are imported on first use, so that a job process (`python -m xpm.scheduler.run`)
starts without loading the experiment machinery. These are the names other packages
(xpm.launchers, xpm.cli) and users import; the modules behind them are private.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from xpm.core.plumbing import lazy_exports

if TYPE_CHECKING:
    from .atomic import write_json_atomic
    from .attempts import (
        Attempt,
        read_attempts,
    )
    from .errors import (
        ExperimentFailed,
        ExperimentFailedError,
        ExperimentNameError,
        KillRefused,
        KillRefusedError,
        ResultsError,
        SpawnError,
        TokenError,
    )
    from .experiments import Experiment, RunMode, experiment
    from .heatmap import heatmap_svg, write_heatmap
    from .housekeeping import (
        OrphanJob,
        RunToPrune,
        StrayJob,
        find_orphans,
        find_strays,
        known_jobs,
        remove_run,
        runs_to_prune,
    )
    from .job import Job
    from .jobfolders import job_folders, remove_job_folder
    from .jobpaths import JobPaths
    from .kill import kill_job, kill_process
    from .launcher import EndCallback, Ending, JobLaunch, Launcher, Reason, job_command
    from .local import LocalLauncher
    from .locks import is_job_locked
    from .monitor import MonitorServer
    from .names import check_experiment_name
    from .provenance import Provenance, read_provenance
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
    from .renames import RenamedJob, find_renamed_jobs, move_renamed_jobs
    from .results import HeatmapGrid, ResultRow, Results, experiment_results, read_results, run_jobs
    from .runs import RunRecord, SubmittedJob, list_experiments, list_runs
    from .tables import csv_text, format_table
    from .tokens import Token, TokenDependency

_WHERE = {
    "Attempt": ".attempts",
    "EndCallback": ".launcher",
    "Ending": ".launcher",
    "Experiment": ".experiments",
    "ExperimentFailed": ".errors",
    "ExperimentFailedError": ".errors",
    "ExperimentNameError": ".errors",
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
    "OrphanJob": ".housekeeping",
    "Progress": ".records",
    "Provenance": ".provenance",
    "Reason": ".launcher",
    "RenamedJob": ".renames",
    "ResultRow": ".results",
    "Results": ".results",
    "ResultsError": ".errors",
    "RunMode": ".experiments",
    "RunRecord": ".runs",
    "RunToPrune": ".housekeeping",
    "SpawnError": ".errors",
    "StrayJob": ".housekeeping",
    "SubmittedJob": ".runs",
    "Token": ".tokens",
    "TokenDependency": ".tokens",
    "TokenError": ".errors",
    "check_experiment_name": ".names",
    "csv_text": ".tables",
    "experiment": ".experiments",
    "experiment_results": ".results",
    "find_orphans": ".housekeeping",
    "find_renamed_jobs": ".renames",
    "find_strays": ".housekeeping",
    "format_table": ".tables",
    "heatmap_svg": ".heatmap",
    "is_job_locked": ".locks",
    "job_command": ".launcher",
    "job_folders": ".jobfolders",
    "kill_job": ".kill",
    "kill_process": ".kill",
    "known_jobs": ".housekeeping",
    "list_experiments": ".runs",
    "list_runs": ".runs",
    "move_renamed_jobs": ".renames",
    "read_attempts": ".attempts",
    "read_job": ".records",
    "read_provenance": ".provenance",
    "read_results": ".results",
    "remove_job_folder": ".jobfolders",
    "remove_run": ".housekeeping",
    "run_jobs": ".results",
    "runs_to_prune": ".housekeeping",
    "scan_jobs": ".records",
    "scan_states": ".records",
    "write_heatmap": ".heatmap",
    "write_json_atomic": ".atomic",
}

__all__ = [
    "Attempt",
    "EndCallback",
    "Ending",
    "Experiment",
    "ExperimentFailed",
    "ExperimentFailedError",
    "ExperimentNameError",
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
    "OrphanJob",
    "Progress",
    "Provenance",
    "Reason",
    "RenamedJob",
    "ResultRow",
    "Results",
    "ResultsError",
    "RunMode",
    "RunRecord",
    "RunToPrune",
    "SpawnError",
    "StrayJob",
    "SubmittedJob",
    "Token",
    "TokenDependency",
    "TokenError",
    "check_experiment_name",
    "csv_text",
    "experiment",
    "experiment_results",
    "find_orphans",
    "find_renamed_jobs",
    "find_strays",
    "format_table",
    "heatmap_svg",
    "is_job_locked",
    "job_command",
    "job_folders",
    "kill_job",
    "kill_process",
    "known_jobs",
    "list_experiments",
    "list_runs",
    "move_renamed_jobs",
    "read_attempts",
    "read_job",
    "read_provenance",
    "read_results",
    "remove_job_folder",
    "remove_run",
    "run_jobs",
    "runs_to_prune",
    "scan_jobs",
    "scan_states",
    "write_heatmap",
    "write_json_atomic",
]


__getattr__, __dir__ = lazy_exports(__name__, _WHERE)
