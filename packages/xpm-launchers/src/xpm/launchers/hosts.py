"""What hosts offer, and which hosts suit a requirement (with reasons for refusals).

A launcher configuration describes each host (or SLURM partition) as a `HostSpec`.
`match_hosts` tries the requirement's alternatives in order: the first alternative that
some host satisfies wins, and among the hosts satisfying it, those with the highest
priority are returned. Every other host comes with the reason it was not chosen.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from xpm.core import ValidationError

from .requirements import (
    AcceleratorKind,
    AcceleratorRequirement,
    HostRequirement,
    Requirement,
    format_duration,
    format_memory,
)


@dataclass(frozen=True)
class HostAccelerator:
    """`count` accelerators of one `kind` (CUDA or MPS), each with `memory` bytes."""

    kind: AcceleratorKind
    memory: int
    count: int = 1

    def __post_init__(self) -> None:
        if self.kind is AcceleratorKind.GPU:
            raise ValidationError(
                "a host declares its accelerators as cuda or mps, not gpu",
                path="kind",
                value=self.kind,
            )
        if self.memory < 0 or self.count < 1:
            raise ValidationError(
                f"needs memory >= 0 and count >= 1, got {self.memory} and {self.count}",
                path="accelerators",
                value=self,
            )


@dataclass(frozen=True)
class HostSpec:
    """A host (or a SLURM partition's node) as a launcher describes it.

    `memory` is in bytes, `max_duration` in seconds (0: no limit). Higher `priority`
    wins among the hosts that fit. `min_accelerators` reserves GPU hosts for jobs that
    ask for at least that many accelerators (0: any job).
    """

    name: str
    cores: int
    memory: int
    accelerators: tuple[HostAccelerator, ...] = ()
    max_duration: int = 0
    priority: int = 0
    min_accelerators: int = 0

    def __post_init__(self) -> None:
        for field_name in ("cores", "memory", "max_duration", "min_accelerators"):
            value = getattr(self, field_name)
            if value < 0:
                raise ValidationError(
                    "cannot be negative", path=f"{self.name}.{field_name}", value=value
                )


@dataclass(frozen=True)
class Refusal:
    """A host that was not chosen, and why (`"needs 4 cuda GPUs ..., host has 2"`)."""

    host: HostSpec
    reason: str


@dataclass(frozen=True)
class HostMatch:
    """The outcome of `match_hosts`.

    `alternative` is the index of the first alternative some host satisfies (None when
    no host satisfies any), `hosts` the hosts with the best priority for it, and
    `refusals` one entry per other host, in the order the hosts were given.
    """

    requirement: HostRequirement | None
    alternative: int | None
    hosts: tuple[HostSpec, ...]
    refusals: tuple[Refusal, ...]

    @property
    def is_found(self) -> bool:
        """Whether at least one host satisfies the requirement."""
        return bool(self.hosts)

    def explain(self) -> str:
        """Return a few lines saying which hosts were chosen and why others were not."""
        if self.requirement is None:
            lines = ["no host satisfies the requirement:"]
        else:
            names = ", ".join(f"{h.name} (priority {h.priority})" for h in self.hosts)
            lines = [f"alternative {self.alternative_number} ({self.requirement}) runs on: {names}"]
            if self.refusals:
                lines.append("not chosen:")
        lines.extend(f"  {r.host.name}: {r.reason}" for r in self.refusals)
        return "\n".join(lines)

    @property
    def alternative_number(self) -> int | None:
        """The chosen alternative counted from 1, as people count (None if none)."""
        return None if self.alternative is None else self.alternative + 1


def match_hosts(requirement: Requirement, hosts: Sequence[HostSpec]) -> HostMatch:
    """Return the best hosts for the first alternative of `requirement` any host fits.

    Alternatives are the user's order of preference, so an earlier alternative wins
    even on a lower-priority host; priority only breaks ties between hosts.
    """
    for index, alternative in enumerate(requirement.alternatives):
        reasons = {id(h): refusal_reason(h, alternative) for h in hosts}
        fitting = [h for h in hosts if reasons[id(h)] is None]
        if not fitting:
            continue
        best = max(h.priority for h in fitting)
        chosen = tuple(h for h in fitting if h.priority == best)
        chosen_ids = {id(h) for h in chosen}
        refusals = tuple(
            Refusal(h, reasons[id(h)] or f"priority {h.priority} is below {best}")
            for h in hosts
            if id(h) not in chosen_ids
        )
        return HostMatch(alternative, index, chosen, refusals)
    return HostMatch(None, None, (), tuple(_refuse_all(h, requirement) for h in hosts))


def refusal_reason(host: HostSpec, requirement: HostRequirement) -> str | None:
    """Return why `host` cannot run `requirement`, or None when it can.

    Every unmet need is listed, separated by "; ".
    """
    reasons: list[str] = []
    gpu_reason, shared_memory = _place_accelerators(host, requirement.accelerators)
    if gpu_reason:
        reasons.append(gpu_reason)
    wanted = requirement.accelerator_count
    if wanted < host.min_accelerators:
        reasons.append(
            f"host takes only jobs asking for at least {host.min_accelerators} "
            f"GPUs, this asks for {wanted}"
        )
    if requirement.cpu.cores > host.cores:
        reasons.append(f"needs {requirement.cpu.cores} cores, host has {host.cores}")
    memory = requirement.cpu.memory + shared_memory
    if memory > host.memory:
        detail = ""
        if shared_memory:
            detail = (
                f" ({_human_memory(requirement.cpu.memory)} + "
                f"{_human_memory(shared_memory)} for mps GPUs sharing it)"
            )
        reasons.append(
            f"needs {_human_memory(memory)} of memory{detail}, "
            f"host has {_human_memory(host.memory)}"
        )
    if host.max_duration and requirement.duration > host.max_duration:
        reasons.append(
            f"needs {format_duration(requirement.duration)}, "
            f"host allows at most {format_duration(host.max_duration)}"
        )
    return "; ".join(reasons) or None


def _refuse_all(host: HostSpec, requirement: Requirement) -> Refusal:
    alternatives = requirement.alternatives
    if len(alternatives) == 1:
        return Refusal(host, refusal_reason(host, alternatives[0]) or "")
    parts = [
        f"alternative {i}: {refusal_reason(host, alternative)}"
        for i, alternative in enumerate(alternatives, start=1)
    ]
    return Refusal(host, "; ".join(parts))


def _fits(host: HostAccelerator, wanted: AcceleratorRequirement) -> bool:
    kind_ok = wanted.kind is AcceleratorKind.GPU or wanted.kind is host.kind
    return kind_ok and host.memory >= wanted.memory


def _place_accelerators(
    host: HostSpec, wanted: tuple[AcceleratorRequirement, ...]
) -> tuple[str | None, int]:
    """Assign each wanted accelerator to a free one of the host.

    Returns the reason the assignment fails (None if it succeeds) and the accelerator
    memory taken from the host's own memory (MPS accelerators share it).
    """
    for request in wanted:
        available = sum(a.count for a in host.accelerators if _fits(a, request))
        if available < request.count:
            return f"needs {_describe(request)}, host has {available}", 0
    free = {index: a.count for index, a in enumerate(host.accelerators)}
    # Typed requests first, then any-kind ones; largest memory first, each taking the
    # smallest accelerator that fits (best fit), which keeps big ones for big requests.
    order = sorted(wanted, key=lambda r: (r.kind is AcceleratorKind.GPU, -r.memory, r.kind.value))
    shared = 0
    for request in order:
        needed = request.count
        candidates = sorted(
            (a.memory, index) for index, a in enumerate(host.accelerators) if _fits(a, request)
        )
        for _, index in candidates:
            taken = min(needed, free[index])
            free[index] -= taken
            needed -= taken
            if host.accelerators[index].kind is AcceleratorKind.MPS:
                shared += taken * request.memory
            if not needed:
                break
        if needed:
            asked = " & ".join(str(r) for r in wanted)
            total = sum(a.count for a in host.accelerators)
            return f"cannot place all of {asked} on the host's {total} GPUs", 0
    return None, shared


def _describe(request: AcceleratorRequirement) -> str:
    kind = "" if request.kind is AcceleratorKind.GPU else f"{request.kind.value} "
    plural = "s" if request.count != 1 else ""
    memory = f" with {_human_memory(request.memory)}" if request.memory else ""
    return f"{request.count} {kind}GPU{plural}{memory}"


def _human_memory(size: int) -> str:
    return re.sub(r"^(\d+)", r"\1 ", format_memory(size))
