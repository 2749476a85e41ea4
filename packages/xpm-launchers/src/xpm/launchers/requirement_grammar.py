"""Read requirement strings with the LALR grammar of `grammar.lark`.

`requirements.parse` and its siblings call `read`; lark is loaded only then, so that
importing the requirement classes stays cheap. Errors name the line and column, and
what was expected there.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any, Final

import lark

from xpm.core import ValidationError

from .errors import RequirementSyntaxError
from .requirements import (
    _LIMIT,
    _MAX_DIGITS,
    MAX_ALTERNATIVES,
    AcceleratorKind,
    AcceleratorRequirement,
    CpuRequirement,
    HostRequirement,
    Requirement,
)

_MEMORY_UNITS: Final = {
    "b": 1,
    "k": 1024,
    "m": 1024**2,
    "g": 1024**3,
    "t": 1024**4,
    "p": 1024**5,
}

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


def read(text: str, start: str) -> Any:
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
