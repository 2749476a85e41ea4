"""xpm.launchers: requirements, host matching and SLURM scripts for xpm jobs."""

from .errors import RequirementSyntaxError, SlurmCommandError
from .hosts import (
    HostAccelerator,
    HostMatch,
    HostSpec,
    Refusal,
    match_hosts,
    refusal_reason,
)
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
    "HostAccelerator",
    "HostMatch",
    "HostRequirement",
    "HostSpec",
    "Refusal",
    "Requirement",
    "RequirementSyntaxError",
    "SlurmCommandError",
    "format_duration",
    "format_memory",
    "match_hosts",
    "parse",
    "parse_duration",
    "parse_memory",
    "refusal_reason",
]
