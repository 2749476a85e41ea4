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
import functools
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Final

import lark

from xpm.core import ValidationError

from .errors import RequirementSyntaxError

MAX_ALTERNATIVES: Final = 1000
"""Most alternatives a requirement may expand to (parentheses multiply them)."""

_MAX_DIGITS: Final = 18
_LIMIT: Final = 10**_MAX_DIGITS

_MEMORY_UNITS: Final = {
    "b": 1,
    "k": 1024,
    "m": 1024**2,
    "g": 1024**3,
    "t": 1024**4,
    "p": 1024**5,
}
_MEMORY_SYMBOLS: Final = (("PiB", 1024**5), ("TiB", 1024**4), ("GiB", 1024**3))
_MEMORY_SYMBOLS_SMALL: Final = (("MiB", 1024**2), ("KiB", 1024), ("B", 1))
_TIME_UNITS: Final = (("d", 86400), ("h", 3600), ("min", 60), ("s", 1))

_EXPECTED_WORDS: Final = {
    "_OR": ['"|"'],
    "_AND": ['"&"'],
    "_LPAR": ['"("'],
    "_RPAR": ['")"'],
    "_EQUAL": ['"="'],
    "_COMMA": ['","'],
    "_TIMES": ['"*"'],
    "DURATION": ['"duration"'],
    "CPU": ['"cpu"'],
    "ACCELERATOR": ['"cuda"', '"gpu"', '"mps"'],
    "MEM": ['"mem"'],
    "CORES": ['"cores"'],
    "INT": ["a whole number"],
    "TIME_UNIT": ["a time unit (s, min, h, d)"],
    "MEMORY_UNIT": ["a memory unit (B, K, M, G, T, KiB, MiB, GiB, TiB)"],
    "$END": ["the end of the requirement"],
}


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
    result = _parse(text, "requirement")
    assert isinstance(result, Requirement)
    return result


def parse_memory(text: str) -> int:
    """Return the number of bytes in `text` (`"16G"`, `"400 MiB"`); units are binary.

    Raises:
        RequirementSyntaxError: `text` is not a whole number followed by a memory unit.
    """
    result = _parse(text, "memory_only")
    assert isinstance(result, int)
    return result


def parse_duration(text: str) -> int:
    """Return the number of seconds in `text` (`"2 days"`, `"90min"`, `"4h"`).

    Raises:
        RequirementSyntaxError: `text` is not a whole number followed by a time unit.
    """
    result = _parse(text, "duration_only")
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


class _SemanticError(Exception):
    def __init__(self, problem: str, token: lark.Token) -> None:
        super().__init__(problem)
        self.problem = problem
        self.line = token.line or 1
        self.column = token.column or 1


def _number(token: lark.Token, *, at_least: int = 0, what: str = "") -> int:
    if len(token.lstrip("0")) > _MAX_DIGITS:
        raise _SemanticError(f"{token[:20]}... is too large (at most {_MAX_DIGITS} digits)", token)
    value = int(token)
    if value < at_least:
        raise _SemanticError(f"{what} {value} is too small: use at least {at_least}", token)
    return value


@dataclass(frozen=True)
class _Alternatives:
    """Alternatives built so far, with the token that starts them (for errors)."""

    items: tuple[HostRequirement, ...]
    start: lark.Token


class _Builder(lark.Transformer[lark.Token, Any]):
    """Builds values while the LALR parser reduces: no tree, no recursion."""

    def requirement(self, children: list[_Alternatives]) -> Requirement:
        return Requirement(children[0].items)

    def memory_only(self, children: list[tuple[int, lark.Token]]) -> int:
        return children[0][0]

    def duration_only(self, children: list[tuple[int, lark.Token]]) -> int:
        return children[0][0]

    def disjunction(self, children: list[_Alternatives]) -> _Alternatives:
        unique = dict.fromkeys(item for child in children for item in child.items)
        return _Alternatives(tuple(unique), children[0].start)

    def conjunction(self, children: list[_Alternatives]) -> _Alternatives:
        items = children[0].items
        for child in children[1:]:
            if len(items) * len(child.items) > MAX_ALTERNATIVES:
                raise _SemanticError(
                    f"this expands to more than {MAX_ALTERNATIVES} alternatives",
                    children[0].start,
                )
            try:
                items = tuple(a & b for a in items for b in child.items)
            except ValidationError as e:
                raise _SemanticError(
                    f"together, these items ask for too much: {e}", children[0].start
                ) from None
        return _Alternatives(items, children[0].start)

    def atom(self, children: list[_Alternatives]) -> _Alternatives:
        return children[0]

    def duration(self, children: list[Any]) -> _Alternatives:
        keyword, (seconds, _) = children
        return _Alternatives((HostRequirement(duration=seconds),), keyword)

    def cpu(self, children: list[Any]) -> _Alternatives:
        keyword: lark.Token = children[0]
        options: list[tuple[lark.Token, int]] = children[1] if len(children) > 1 else []
        values: dict[str, int] = {}
        for name, value in options:
            if name in values:
                raise _SemanticError(f'"{name}" is given twice', name)
            values[str(name)] = value
        cpu = CpuRequirement(memory=values.get("mem", 0), cores=values.get("cores", 1))
        return _Alternatives((HostRequirement(cpu=cpu),), keyword)

    def cpu_options(self, children: list[tuple[lark.Token, int]]) -> list[tuple[lark.Token, int]]:
        return children

    def cpu_option(self, children: list[Any]) -> tuple[lark.Token, int]:
        name, value = children
        if name == "cores":
            return name, _number(value, at_least=1, what="a core count of")
        return name, value[0]

    def accelerator(self, children: list[Any]) -> _Alternatives:
        kind_token: lark.Token = children[0]
        memory = 0
        count = 1
        for child in children[1:]:
            if isinstance(child, tuple):
                memory = child[0]
            else:
                count = child
        required = AcceleratorRequirement(AcceleratorKind(kind_token), memory, count)
        return _Alternatives((HostRequirement(accelerators=(required,)),), kind_token)

    def accelerator_memory(self, children: list[Any]) -> tuple[int, lark.Token]:
        return children[1]  # type: ignore[no-any-return]

    def count(self, children: list[lark.Token]) -> int:
        return _number(children[0], at_least=1, what="an accelerator count of")

    def amount_of_time(self, children: list[lark.Token]) -> tuple[int, lark.Token]:
        number, unit = children
        return _scaled(number, _time_factor(unit), "duration"), number

    def memory(self, children: list[lark.Token]) -> tuple[int, lark.Token]:
        number, unit = children
        return _scaled(number, _MEMORY_UNITS[unit[0].lower()], "memory size"), number


def _scaled(number: lark.Token, factor: int, what: str) -> int:
    value = _number(number) * factor
    if value >= _LIMIT:
        raise _SemanticError(f"this {what} is too large", number)
    return value


def _time_factor(unit: str) -> int:
    first = unit[0].lower()
    if first == "m":
        return 60
    return {"s": 1, "h": 3600, "d": 86400}[first]


@functools.cache
def _parser() -> lark.Lark:
    grammar = resources.files(__package__).joinpath("grammar.lark").read_text("utf-8")
    return lark.Lark(
        grammar,
        parser="lalr",
        start=["requirement", "memory_only", "duration_only"],
        transformer=_Builder(),
    )


def _parse(text: str, start: str) -> Any:
    try:
        return _parser().parse(text, start=start)
    except _SemanticError as e:
        raise RequirementSyntaxError(e.problem, text=text, line=e.line, column=e.column) from None
    except lark.UnexpectedInput as e:
        raise _syntax_error(text, e) from None


def _syntax_error(text: str, error: lark.UnexpectedInput) -> RequirementSyntaxError:
    if isinstance(error, lark.UnexpectedCharacters):
        expected: set[str] = error.allowed or set()
        character = text[error.pos_in_stream or 0]
        problem = f"unexpected character {json.dumps(character)}"
        line, column = error.line, error.column
    elif isinstance(error, lark.UnexpectedToken):
        expected = error.accepts or error.expected
        if error.token.type == "$END":
            problem = "unexpected end of the requirement"
            line, column = _end_position(text)
        else:
            problem = f"unexpected {json.dumps(str(error.token))}"
            line, column = error.line, error.column
    else:
        expected = getattr(error, "expected", None) or set()
        problem = "unexpected end of the requirement"
        line, column = _end_position(text)
    words = sorted({word for name in expected for word in _EXPECTED_WORDS.get(name, [name])})
    return RequirementSyntaxError(problem, text=text, line=line, column=column, expected=words)


def _end_position(text: str) -> tuple[int, int]:
    body = text.rstrip()
    line = body.count("\n") + 1
    column = len(body) - (body.rfind("\n") + 1) + 1
    return line, column
