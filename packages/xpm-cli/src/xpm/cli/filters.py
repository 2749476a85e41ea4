"""Job filters: the expression language of `xpm jobs list --filter EXPR`.

    @state = "done" and model = "bm25"
    epochs in [10, 20] and not (name ~ "^bert-")

`@name` reads a job attribute (state, type, id, ...); a bare name reads a tag.
Comparisons are `=` (or `==`), `!=`, `<`, `<=`, `>`, `>=`, `in [...]`, `not in [...]`,
`~ "regex"` (a search, as grep does) and `!~`; combine them with `and`, `or`, `not` and
parentheses. Literals are numbers and strings in single or double quotes; inside a
string, a backslash escapes a quote or a backslash, and any other backslash is kept as
written, for regular expressions (`name ~ "a\\.b"`).

Tags are often stored as strings, so values compare as numbers whenever both sides
read as numbers: the tag "10" and the tag 10 both match `epochs in [10, 20]`. A missing
attribute or tag fails every comparison, so it passes its negation (`!=`, `not in`,
`!~`). The grammar is in `filters.lark`, beside this module.
"""

from __future__ import annotations

import enum
import functools
import importlib.resources
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from .errors import FilterSyntaxError

if TYPE_CHECKING:
    import lark

Predicate = Callable[[Mapping[str, object], Mapping[str, object]], bool]

MAX_DEPTH: Final = 64

_NUMBER: Final = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")

_EXPECTED: Final = {
    "ATTRIBUTE": "an @attribute",
    "TAG": "a tag name",
    "STRING": "a string",
    "NUMBER": "a number",
    "COMPARE": "a comparison (=, !=, <, <=, >, >=)",
    "MATCH": "'~'",
    "_IN": "'in'",
    "_NOT": "'not'",
    "_AND": "'and'",
    "_OR": "'or'",
    "_LPAR": "'('",
    "_RPAR": "')'",
    "_LSQB": "'['",
    "_RSQB": "']'",
    "_COMMA": "','",
    "$END": "the end of the filter",
}

_ORDER: Final[dict[str, Callable[[Any, Any], bool]]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


@dataclass(frozen=True)
class JobFilter:
    """A parsed job filter: call it with a job's attributes and tags.

    Attributes:
        text: the expression it was parsed from.
    """

    text: str
    predicate: Predicate = field(repr=False, compare=False)

    def __call__(self, attributes: Mapping[str, object], tags: Mapping[str, object]) -> bool:
        """Return whether a job with these attributes and tags passes the filter."""
        return self.predicate(attributes, tags)


def parse_filter(text: str) -> JobFilter:
    """Return the job filter that `text` spells.

    Raises:
        FilterSyntaxError: `text` is not a filter; the message shows the column with a
            caret and says what was expected there.
    """
    import lark

    try:
        tree = _parser().parse(text)
    except lark.UnexpectedInput as error:
        raise _syntax_error(text, error) from None
    try:
        compiled = _Compiler(text).transform(tree)
    except lark.exceptions.VisitError as error:
        if isinstance(error.orig_exc, FilterSyntaxError):
            raise error.orig_exc from None
        raise
    return JobFilter(text, compiled.test)


@functools.cache
def _parser() -> lark.Lark:
    import lark

    grammar = importlib.resources.files(__package__).joinpath("filters.lark")
    # cache=True keeps the built parser in the temporary folder: it saves most of the
    # 50 ms that building the tables costs at each `xpm jobs list --filter`.
    return lark.Lark(grammar.read_text(encoding="utf-8"), parser="lalr", cache=True)


def _syntax_error(text: str, error: lark.UnexpectedInput) -> FilterSyntaxError:
    import lark

    position = error.pos_in_stream
    if not isinstance(position, int) or not 0 <= position <= len(text):
        position = len(text)
    got = repr(text[position]) if position < len(text) else "the end of the filter"
    if isinstance(error, lark.UnexpectedCharacters):
        expected = error.allowed
        if got in ("'\"'", '"\'"'):
            got = "a string with no closing quote"
    elif isinstance(error, lark.UnexpectedToken):
        expected = error.accepts or error.expected
        if error.token.type == "$END":
            got, position = "the end of the filter", len(text)
        else:
            got = repr(str(error.token))
    else:
        expected = set()
    order = list(_EXPECTED)
    ranked = sorted(expected, key=lambda n: order.index(n) if n in order else len(order))
    names = [_EXPECTED.get(name, name) for name in ranked]
    wanted = " or ".join(names) if len(names) < 3 else ", ".join(names[:-1]) + " or " + names[-1]
    problem = f"expected {wanted}, got {got}" if names else f"unexpected {got}"
    return FilterSyntaxError(text, position + 1, problem)


@dataclass(frozen=True)
class _Compiled:
    test: Predicate
    depth: int


def _number(value: object) -> int | float | None:
    if type(value) is str:  # the common case first: states and most tags are strings
        return _text_number(value)
    if isinstance(value, enum.Enum):
        return _number(value.value)
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        return _text_number(value)
    return None


@functools.lru_cache(maxsize=4096)
def _text_number(value: str) -> int | float | None:
    # Cached: a listing compares the same few state and tag strings thousands of times.
    text = value.strip()
    if not _NUMBER.fullmatch(text):
        return None
    if re.fullmatch(r"[+-]?\d{1,300}", text):
        return int(text)
    return float(text)


def _text(value: object) -> str:
    if isinstance(value, enum.Enum):
        return _text(value.value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else str(value)


def _equal(actual: object, literal: str | int | float) -> bool:
    if type(actual) is str and actual == literal:
        return True
    left, right = _number(actual), _number(literal)
    if left is not None and right is not None:
        return left == right
    return _text(actual) == _text(literal)


def _ordered(
    operation: Callable[[object, object], bool],
) -> Callable[[object, object], bool]:
    def compare(actual: object, literal: object) -> bool:
        left, right = _number(actual), _number(literal)
        if left is not None and right is not None:
            return operation(left, right)
        if left is None and right is None:
            return operation(_text(actual), _text(literal))
        return False

    return compare


def _unquote(token: str) -> str:
    # Only quotes and backslashes are escaped, so `~ "a\.b"` reaches `re` unchanged.
    return re.sub(r"""\\([\\"'])""", r"\1", token[1:-1])


def _literal(token: lark.Token) -> str | int | float:
    if token.type == "STRING":
        return _unquote(str(token))
    number = _number(str(token))
    assert number is not None, "the grammar's NUMBER only matches numbers"
    return number


def _lookup(
    reference: str,
) -> Callable[[Mapping[str, object], Mapping[str, object]], object]:
    missing = _Missing.MISSING
    if reference.startswith("@"):
        name = reference[1:]
        return lambda attributes, tags: attributes.get(name, missing)
    return lambda attributes, tags: tags.get(reference, missing)


class _Missing(enum.Enum):
    MISSING = "missing"


class _Compiler:
    """Turns a parse tree into nested closures, refusing trees too deep to evaluate."""

    def __init__(self, text: str) -> None:
        self.text = text

    def transform(self, tree: lark.Tree[lark.Token]) -> _Compiled:
        import lark

        compiler = self

        class Transformer(lark.visitors.Transformer_NonRecursive):  # type: ignore[type-arg]
            def or_test(self, children: list[_Compiled]) -> _Compiled:
                return compiler.combine(children, any)

            def and_test(self, children: list[_Compiled]) -> _Compiled:
                return compiler.combine(children, all)

            def negation(self, children: list[_Compiled]) -> _Compiled:
                (inner,) = children
                test = inner.test
                return compiler.nest(lambda a, t: not test(a, t), inner.depth + 1)

            def name(self, children: list[lark.Token]) -> str:
                return str(children[0])

            def values(self, children: list[lark.Token | None]) -> list[str | int | float]:
                return [_literal(token) for token in children if token is not None]

            def compare(self, children: list[object]) -> _Compiled:
                reference, operation, token = children
                assert isinstance(reference, str) and isinstance(token, lark.Token)
                return compiler.compare(reference, str(operation), _literal(token))

            def member(self, children: list[object]) -> _Compiled:
                reference, values = children
                assert isinstance(reference, str) and isinstance(values, list)
                return compiler.member(reference, values, negate=False)

            def not_member(self, children: list[object]) -> _Compiled:
                reference, values = children
                assert isinstance(reference, str) and isinstance(values, list)
                return compiler.member(reference, values, negate=True)

            def match(self, children: list[object]) -> _Compiled:
                reference, operation, token = children
                assert isinstance(reference, str) and isinstance(token, lark.Token)
                return compiler.match(reference, str(operation) == "!~", token)

        result = Transformer().transform(tree)
        assert isinstance(result, _Compiled)
        return result

    def nest(self, test: Predicate, depth: int) -> _Compiled:
        if depth > MAX_DEPTH:
            raise FilterSyntaxError(
                self.text, 1, f"the filter nests more than {MAX_DEPTH} levels deep"
            )
        return _Compiled(test, depth)

    def combine(self, children: list[_Compiled], how: Callable[..., bool]) -> _Compiled:
        tests = [child.test for child in children]
        depth = max(child.depth for child in children) + 1
        return self.nest(lambda a, t: how(test(a, t) for test in tests), depth)

    def compare(self, reference: str, operation: str, literal: str | int | float) -> _Compiled:
        get = _lookup(reference)
        if operation in ("=", "=="):
            return _Compiled(lambda a, t: _found(get(a, t), lambda v: _equal(v, literal)), 1)
        if operation == "!=":
            return _Compiled(lambda a, t: not _found(get(a, t), lambda v: _equal(v, literal)), 1)
        order = _ordered(_ORDER[operation])
        return _Compiled(lambda a, t: _found(get(a, t), lambda v: order(v, literal)), 1)

    def member(self, reference: str, values: list[str | int | float], *, negate: bool) -> _Compiled:
        get = _lookup(reference)

        def test(attributes: Mapping[str, object], tags: Mapping[str, object]) -> bool:
            found = _found(get(attributes, tags), lambda v: any(_equal(v, x) for x in values))
            return found != negate

        return _Compiled(test, 1)

    def match(self, reference: str, negate: bool, token: lark.Token) -> _Compiled:
        get = _lookup(reference)
        try:
            pattern = re.compile(_unquote(str(token)))
        except (re.error, OverflowError, RecursionError) as error:
            column = (token.start_pos or 0) + 1
            raise FilterSyntaxError(
                self.text, column, f"invalid regular expression: {error}"
            ) from None

        def test(attributes: Mapping[str, object], tags: Mapping[str, object]) -> bool:
            found = _found(get(attributes, tags), lambda v: bool(pattern.search(_text(v))))
            return found != negate

        return _Compiled(test, 1)


def _found(value: object, check: Callable[[object], bool]) -> bool:
    return value is not _Missing.MISSING and check(value)
