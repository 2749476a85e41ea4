"""SLURM support: the SLURM launcher, sbatch scripts, and polling with sacct and squeue.

`SlurmLauncher` and `SlurmOptions` are also in `xpm.launchers`; the plumbing below them
(sacct and squeue fields, command builders and parsers, the poller) is imported from
here, `xpm.launchers.slurm`.
"""

from .commands import CommandResult, CommandRunner, run_slurm_command
from .endings import ending_of
from .launcher import SlurmLauncher, SlurmOptionChanges
from .poller import SlurmPoller
from .sacct import (
    SACCT_FIELDS,
    SQUEUE_FORMAT,
    SlurmJobStatus,
    SlurmProgress,
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

# Former names, still importable but no longer listed (`dir()`, `import *`).
TYPE_CHECKING = False
if TYPE_CHECKING:
    JobProgress = SlurmProgress
    run_command = run_slurm_command
else:
    _RENAMED = {"JobProgress": "SlurmProgress", "run_command": "run_slurm_command"}

    def __getattr__(name: str) -> object:
        if name in _RENAMED:
            return globals()[_RENAMED[name]]
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "SACCT_FIELDS",
    "SQUEUE_FORMAT",
    "ArraySpec",
    "CommandResult",
    "CommandRunner",
    "SlurmJobStatus",
    "SlurmLauncher",
    "SlurmOptionChanges",
    "SlurmOptions",
    "SlurmPoller",
    "SlurmProgress",
    "ending_of",
    "merge_statuses",
    "parse_sacct",
    "parse_sbatch_output",
    "parse_squeue",
    "render_sbatch_script",
    "run_slurm_command",
    "sacct_command",
    "sbatch_command",
    "slurm_time",
    "squeue_command",
    "status_of",
]
