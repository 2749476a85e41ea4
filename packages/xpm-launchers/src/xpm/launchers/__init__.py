"""xpm.launchers: requirements, and the launcher that runs a job which states them.

Names are imported on first use, so that importing the package costs nothing until a
requirement is parsed or a launcher chosen. SLURM plumbing (sacct fields, sbatch
scripts, command builders) is in `xpm.launchers.slurm`.
"""

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .configfile import LaunchersConfig, LocalMachine, SlurmPartition, load_launchers_config
    from .errors import (
        LauncherConfigError,
        NoLauncherError,
        RequirementSyntaxError,
        SlurmCommandError,
    )
    from .finder import (
        LAUNCHERS_PY,
        LAUNCHERS_YAML,
        LauncherChoice,
        call_hook,
        choose_launcher,
        default_config_dir,
        find_launcher,
    )
    from .hosts import HostAccelerator, HostSpec
    from .requirements import (
        AcceleratorKind,
        AcceleratorRequirement,
        CpuRequirement,
        HostRequirement,
        Requirement,
        parse,
    )
    from .slurm import SlurmLauncher, SlurmOptions

if TYPE_CHECKING:
    # Names this package listed before; import them from where they are listed now.
    from .detection import detect_local_host as detect_local_host
    from .detection import parse_nvidia_smi as parse_nvidia_smi
    from .hosts import HostMatch as HostMatch
    from .hosts import Refusal as Refusal
    from .hosts import match_hosts as match_hosts
    from .hosts import refusal_reason as refusal_reason
    from .requirements import MAX_ALTERNATIVES as MAX_ALTERNATIVES
    from .requirements import format_duration as format_duration
    from .requirements import format_memory as format_memory
    from .requirements import parse_duration as parse_duration
    from .requirements import parse_memory as parse_memory
    from .slurm import SACCT_FIELDS as SACCT_FIELDS
    from .slurm import SQUEUE_FORMAT as SQUEUE_FORMAT
    from .slurm import ArraySpec as ArraySpec
    from .slurm import CommandResult as CommandResult
    from .slurm import CommandRunner as CommandRunner
    from .slurm import SlurmJobStatus as SlurmJobStatus
    from .slurm import SlurmOptionChanges as SlurmOptionChanges
    from .slurm import SlurmPoller as SlurmPoller
    from .slurm import ending_of as ending_of
    from .slurm import merge_statuses as merge_statuses
    from .slurm import parse_sacct as parse_sacct
    from .slurm import parse_sbatch_output as parse_sbatch_output
    from .slurm import parse_squeue as parse_squeue
    from .slurm import render_sbatch_script as render_sbatch_script
    from .slurm import sacct_command as sacct_command
    from .slurm import sbatch_command as sbatch_command
    from .slurm import slurm_time as slurm_time
    from .slurm import squeue_command as squeue_command
    from .slurm import status_of as status_of
    from .slurm.commands import run_slurm_command
    from .slurm.sacct import SlurmProgress

    JobProgress = SlurmProgress
    run_command = run_slurm_command
else:
    import importlib

    _WHERE = {
        "AcceleratorKind": ".requirements",
        "AcceleratorRequirement": ".requirements",
        "CpuRequirement": ".requirements",
        "HostAccelerator": ".hosts",
        "HostRequirement": ".requirements",
        "HostSpec": ".hosts",
        "LAUNCHERS_PY": ".finder",
        "LAUNCHERS_YAML": ".finder",
        "LauncherChoice": ".finder",
        "LauncherConfigError": ".errors",
        "LaunchersConfig": ".configfile",
        "LocalMachine": ".configfile",
        "NoLauncherError": ".errors",
        "Requirement": ".requirements",
        "RequirementSyntaxError": ".errors",
        "SlurmCommandError": ".errors",
        "SlurmLauncher": ".slurm",
        "SlurmOptions": ".slurm",
        "SlurmPartition": ".configfile",
        "call_hook": ".finder",
        "choose_launcher": ".finder",
        "default_config_dir": ".finder",
        "find_launcher": ".finder",
        "load_launchers_config": ".configfile",
        "parse": ".requirements",
    }
    _SLURM = (
        "SACCT_FIELDS SQUEUE_FORMAT ArraySpec CommandResult CommandRunner SlurmJobStatus"
        " SlurmOptionChanges SlurmPoller ending_of merge_statuses parse_sacct"
        " parse_sbatch_output parse_squeue render_sbatch_script sacct_command"
        " sbatch_command slurm_time squeue_command status_of"
    )
    _MOVED = {
        **{name: (".slurm", name) for name in _SLURM.split()},
        "JobProgress": (".slurm", "SlurmProgress"),
        "run_command": (".slurm", "run_slurm_command"),
        "detect_local_host": (".detection", "detect_local_host"),
        "parse_nvidia_smi": (".detection", "parse_nvidia_smi"),
        "HostMatch": (".hosts", "HostMatch"),
        "Refusal": (".hosts", "Refusal"),
        "match_hosts": (".hosts", "match_hosts"),
        "refusal_reason": (".hosts", "refusal_reason"),
        "MAX_ALTERNATIVES": (".requirements", "MAX_ALTERNATIVES"),
        "format_duration": (".requirements", "format_duration"),
        "format_memory": (".requirements", "format_memory"),
        "parse_duration": (".requirements", "parse_duration"),
        "parse_memory": (".requirements", "parse_memory"),
    }

    def __getattr__(name: str) -> object:
        if name in _WHERE:
            value = getattr(importlib.import_module(_WHERE[name], __name__), name)
            globals()[name] = value
            return value
        if name in _MOVED:
            module, attribute = _MOVED[name]
            return getattr(importlib.import_module(module, __name__), attribute)
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return sorted(__all__)


__all__ = [
    "LAUNCHERS_PY",
    "LAUNCHERS_YAML",
    "AcceleratorKind",
    "AcceleratorRequirement",
    "CpuRequirement",
    "HostAccelerator",
    "HostRequirement",
    "HostSpec",
    "LauncherChoice",
    "LauncherConfigError",
    "LaunchersConfig",
    "LocalMachine",
    "NoLauncherError",
    "Requirement",
    "RequirementSyntaxError",
    "SlurmCommandError",
    "SlurmLauncher",
    "SlurmOptions",
    "SlurmPartition",
    "call_hook",
    "choose_launcher",
    "default_config_dir",
    "find_launcher",
    "load_launchers_config",
    "parse",
]
