"""xpm.launchers: requirements, host matching and SLURM scripts for xpm jobs."""

from .errors import RequirementSyntaxError, SlurmCommandError
from .requirements import (
    MAX_ALTERNATIVES,
    AcceleratorKind,
    AcceleratorRequirement,
    CpuRequirement,
    HostRequirement,
    Requirement,
    format_duration,
    format_memory,
    parse,
    parse_duration,
    parse_memory,
)

__all__ = [
    "MAX_ALTERNATIVES",
    "AcceleratorKind",
    "AcceleratorRequirement",
    "CpuRequirement",
    "HostRequirement",
    "Requirement",
    "RequirementSyntaxError",
    "SlurmCommandError",
    "format_duration",
    "format_memory",
    "parse",
    "parse_duration",
    "parse_memory",
]
