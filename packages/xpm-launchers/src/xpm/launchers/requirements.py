"""Parse requirement strings into frozen dataclasses, and render them back.

A requirement lists alternatives in order of preference::

    duration=2 days & cuda(mem=16G)*4 & cpu(mem=400M, cores=4)
    | duration=4 days & cuda(mem=16G)*2

Memory units are binary whatever their spelling: `K`, `KB`, `KiB` are 1024 bytes; `G`,
`GB`, `GiB` are 1024**3 bytes, as SLURM reads `--mem=16G` (experimaestro, through
humanfriendly, reads `G` and `GB` as 10**9). Time units: `s`/`sec`/`seconds`,
`m`/`min`/`minutes`, `h`/`hour`/`hours`, `d`/`day`/`days`. Units ignore case.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final

from xpm.core import ValidationError

MAX_ALTERNATIVES: Final = 1000
"""Most alternatives a requirement may expand to (parentheses multiply them)."""

_MAX_DIGITS: Final = 18
_LIMIT: Final = 10**_MAX_DIGITS

_MEMORY_SYMBOLS: Final = (("PiB", 1024**5), ("TiB", 1024**4), ("GiB", 1024**3))
_MEMORY_SYMBOLS_SMALL: Final = (("MiB", 1024**2), ("KiB", 1024), ("B", 1))
_TIME_UNITS: Final = (("d", 86400), ("h", 3600), ("min", 60), ("s", 1))


class AcceleratorKind(enum.Enum):
    """Which accelerators a requirement accepts, or which kind a host has."""

    CUDA = "cuda"
    """NVIDIA GPUs only."""
    MPS = "mps"
    """Apple silicon GPUs only (their memory is the host's memory)."""
    GPU = "gpu"
    """Any accelerator (in a requirement); a host declares `CUDA` or `MPS`."""


@dataclass(frozen=True)
class AcceleratorRequirement:
    """`count` accelerators of `kind`, each with at least `memory` bytes (0: any)."""

    kind: AcceleratorKind
    memory: int = 0
    count: int = 1

    def __post_init__(self) -> None:
        _check_range("memory", self.memory, 0)
        _check_range("count", self.count, 1)

    def __str__(self) -> str:
        inside = f"mem={format_memory(self.memory)}" if self.memory else ""
        times = f"*{self.count}" if self.count != 1 else ""
        return f"{self.kind.value}({inside}){times}"


@dataclass(frozen=True)
class CpuRequirement:
    """At least `cores` cores and `memory` bytes of host memory (0: any)."""

    memory: int = 0
    cores: int = 1

    def __post_init__(self) -> None:
        _check_range("memory", self.memory, 0)
        _check_range("cores", self.cores, 1)

    def __str__(self) -> str:
        options = []
        if self.memory:
            options.append(f"mem={format_memory(self.memory)}")
        if self.cores != 1:
            options.append(f"cores={self.cores}")
        return f"cpu({', '.join(options)})"


@dataclass(frozen=True)
class HostRequirement:
    """One alternative: what a single host must offer to run the job.

    `duration` is the job's running time in seconds (0: not stated). `accelerators` is
    kept canonical: one entry per kind and memory, largest memory first.
    """

    duration: int = 0
    cpu: CpuRequirement = field(default_factory=CpuRequirement)
    accelerators: tuple[AcceleratorRequirement, ...] = ()

    def __post_init__(self) -> None:
        _check_range("duration", self.duration, 0)
        object.__setattr__(self, "accelerators", _canonical(self.accelerators))

    def __and__(self, other: HostRequirement) -> HostRequirement:
        """Return the requirement asking for both: the larger of each, every GPU."""
        return HostRequirement(
            duration=max(self.duration, other.duration),
            cpu=CpuRequirement(
                memory=max(self.cpu.memory, other.cpu.memory),
                cores=max(self.cpu.cores, other.cpu.cores),
            ),
            accelerators=self.accelerators + other.accelerators,
        )

    @property
    def accelerator_count(self) -> int:
        """How many accelerators this alternative asks for, all kinds together."""
        return sum(a.count for a in self.accelerators)

    def multiply_duration(self, coefficient: float) -> HostRequirement:
        """Return a copy whose duration is multiplied by `coefficient`, rounded up."""
        return HostRequirement(
            duration=math.ceil(self.duration * coefficient),
            cpu=self.cpu,
            accelerators=self.accelerators,
        )

    def __str__(self) -> str:
        parts = []
        if self.duration:
            parts.append(f"duration={format_duration(self.duration)}")
        if self.cpu != CpuRequirement() or not (self.duration or self.accelerators):
            parts.append(str(self.cpu))
        parts.extend(str(a) for a in self.accelerators)
        return " & ".join(parts)


@dataclass(frozen=True)
class Requirement:
    """What a job needs: alternatives (`HostRequirement`) in order of preference.

    `str()` gives the canonical spelling, which `parse()` reads back to an equal value.
    """

    alternatives: tuple[HostRequirement, ...]

    def __post_init__(self) -> None:
        if not self.alternatives:
            raise ValidationError("a requirement needs at least one alternative")

    def multiply_duration(self, coefficient: float) -> Requirement:
        """Return a copy with every alternative's duration multiplied, rounded up.

        Raises:
            ValidationError: `coefficient` is negative, infinite or not a number.
        """
        if not math.isfinite(coefficient) or coefficient < 0:
            raise ValidationError(
                f"cannot multiply a duration by {coefficient!r}: use a finite number >= 0",
                path="coefficient",
                value=coefficient,
            )
        return Requirement(tuple(a.multiply_duration(coefficient) for a in self.alternatives))

    def __str__(self) -> str:
        return " | ".join(str(a) for a in self.alternatives)


def parse(text: str) -> Requirement:
    """Return the requirement that `text` spells.

    Raises:
        RequirementSyntaxError: `text` is not a requirement; the message shows where and
            what was expected there.
    """
    from .requirement_grammar import read

    result = read(text, "requirement")
    assert isinstance(result, Requirement)
    return result


def parse_memory(text: str) -> int:
    """Return the number of bytes in `text` (`"16G"`, `"400 MiB"`); units are binary.

    Raises:
        RequirementSyntaxError: `text` is not a whole number followed by a memory unit.
    """
    from .requirement_grammar import read

    result = read(text, "memory_only")
    assert isinstance(result, int)
    return result


def parse_duration(text: str) -> int:
    """Return the number of seconds in `text` (`"2 days"`, `"90min"`, `"4h"`).

    Raises:
        RequirementSyntaxError: `text` is not a whole number followed by a time unit.
    """
    from .requirement_grammar import read

    result = read(text, "duration_only")
    assert isinstance(result, int)
    return result


def format_memory(size: int) -> str:
    """Return `size` bytes in the largest binary unit holding it exactly (`16GiB`)."""
    for symbol, factor in _MEMORY_SYMBOLS + _MEMORY_SYMBOLS_SMALL:
        if size and size % factor == 0:
            return f"{size // factor}{symbol}"
    return f"{size}B"


def format_duration(seconds: int) -> str:
    """Return `seconds` in the largest unit that holds it exactly (`2d`, `90min`)."""
    for symbol, factor in _TIME_UNITS:
        if seconds and seconds % factor == 0:
            return f"{seconds // factor}{symbol}"
    return f"{seconds}s"


def _check_range(name: str, value: int, low: int) -> None:
    if not low <= value < _LIMIT:
        raise ValidationError(
            f"{value} is out of range: use a whole number from {low} to {_LIMIT - 1}",
            path=name,
            value=value,
        )


def _canonical(
    accelerators: Iterable[AcceleratorRequirement],
) -> tuple[AcceleratorRequirement, ...]:
    counts: dict[tuple[AcceleratorKind, int], int] = {}
    for a in accelerators:
        counts[a.kind, a.memory] = counts.get((a.kind, a.memory), 0) + a.count
    return tuple(
        AcceleratorRequirement(kind, memory, count)
        for (kind, memory), count in sorted(
            counts.items(), key=lambda item: (-item[0][1], item[0][0].value)
        )
    )
