"""SLURM support: sbatch scripts, and polling with sacct and squeue."""

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
    "JobProgress",
    "SlurmJobStatus",
    "SlurmOptions",
    "merge_statuses",
    "parse_sacct",
    "parse_sbatch_output",
    "parse_squeue",
    "render_sbatch_script",
    "sacct_command",
    "sbatch_command",
    "slurm_time",
    "squeue_command",
    "status_of",
]
