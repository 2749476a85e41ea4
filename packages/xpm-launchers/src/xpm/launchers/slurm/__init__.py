"""SLURM support: the SLURM launcher, sbatch scripts, and polling with sacct and squeue."""

from .commands import CommandResult, CommandRunner, run_command
from .launcher import SlurmLauncher, SlurmOptionChanges
from .poller import SlurmPoller, ending_of
from .sacct import (
    SACCT_FIELDS,
    SQUEUE_FORMAT,
    JobProgress,
    SlurmJobStatus,
    merge_statuses,
    parse_sacct,
    parse_squeue,
    sacct_command,
    squeue_command,
    status_of,
)
from .sbatch import (
    ArraySpec,
    SlurmOptions,
    parse_sbatch_output,
    render_sbatch_script,
    sbatch_command,
    slurm_time,
)

__all__ = [
    "SACCT_FIELDS",
    "SQUEUE_FORMAT",
    "ArraySpec",
    "CommandResult",
    "CommandRunner",
    "JobProgress",
    "SlurmJobStatus",
    "SlurmLauncher",
    "SlurmOptionChanges",
    "SlurmOptions",
    "SlurmPoller",
    "ending_of",
    "merge_statuses",
    "parse_sacct",
    "parse_sbatch_output",
    "parse_squeue",
    "render_sbatch_script",
    "run_command",
    "sacct_command",
    "sbatch_command",
    "slurm_time",
    "squeue_command",
    "status_of",
]
