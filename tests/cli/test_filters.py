"""Job filters for `xpm jobs list --filter EXPR`: parsing, evaluation and errors."""

from __future__ import annotations

import enum

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xpm.cli import FilterSyntaxError, JobFilter, parse_filter
from xpm.core import XpmError


class State(enum.Enum):
    DONE = "done"
    RUNNING = "running"


def passes(text: str, attributes: dict[str, object], tags: dict[str, object]) -> bool:
    return parse_filter(text)(attributes, tags)


def test_attributes_and_tags_combine_with_and() -> None:
    """`@state` reads an attribute, `model` a tag."""
    text = '@state = "done" and model = "bm25"'
    assert passes(text, {"state": "done"}, {"model": "bm25"})
    assert not passes(text, {"state": "done"}, {"model": "splade"})
    assert not passes(text, {"state": "error"}, {"model": "bm25"})
    assert not passes(text, {}, {"state": "done", "model": "bm25"})


def test_enum_attribute_compares_by_value() -> None:
    """A JobState-like enum matches its value."""
    assert passes('@state = "done"', {"state": State.DONE}, {})
    assert not passes('@state = "done"', {"state": State.RUNNING}, {})


@pytest.mark.parametrize("epochs", [10, "10", 20.0, "2e1", " 20 "])
def test_numbers_match_tags_stored_as_numbers_or_strings(epochs: object) -> None:
    """epochs=10 as a number or as the string "10" both pass `epochs in [10, 20]`."""
    assert passes("epochs in [10, 20]", {}, {"epochs": epochs})


@pytest.mark.parametrize("epochs", [30, "30", "ten", True, None])
def test_in_fails_for_other_values(epochs: object) -> None:
    """Values outside the list do not pass."""
    assert not passes("epochs in [10, 20]", {}, {"epochs": epochs})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("n = 3", True),
        ("n == 3.0", True),
        ('n = "3"', True),
        ("n != 3", False),
        ("n < 4", True),
        ("n <= 3", True),
        ("n > 3", False),
        ("n >= -1", True),
        ('name < "b"', True),
        ("name < 3", False),
        ("n not in [1, 2]", True),
        ("n in []", False),
        ("flag = 'true'", True),
    ],
)
def test_comparisons(text: str, expected: bool) -> None:
    """Numbers compare as numbers, strings as strings, mixed orderings fail."""
    tags: dict[str, object] = {"n": "3", "name": "alpha", "flag": True}
    assert passes(text, {}, tags) is expected


def test_regex_searches_the_value() -> None:
    """`~` searches (like grep); `!~` negates."""
    assert passes('name ~ "re.*gex"', {}, {"name": "my-regex-run"})
    assert not passes('name ~ "^re.*gex$"', {}, {"name": "my-regex-run"})
    assert passes("name !~ 'bert'", {}, {"name": "t5"})
    assert passes(r'name ~ "a\.b"', {}, {"name": "a.b"})
    assert not passes(r'name ~ "a\.b"', {}, {"name": "axb"})


def test_not_or_and_parentheses_follow_usual_precedence() -> None:
    """`not` binds tighter than `and`, which binds tighter than `or`."""
    tags = {"a": 1, "b": 2}
    assert passes("a = 1 or a = 5 and b = 5", {}, tags)
    assert not passes("(a = 1 or a = 5) and b = 5", {}, tags)
    assert not passes("not a = 1 and b = 2", {}, tags)
    assert passes("not (a = 1 and b = 3)", {}, tags)
    assert passes("not not a = 1", {}, tags)


def test_missing_names_fail_comparisons_and_pass_negations() -> None:
    """A job without the tag fails `=` and `in`, and passes `!=` and `not in`."""
    assert not passes("x = 1", {}, {})
    assert not passes("x < 1", {}, {})
    assert not passes("x ~ ''", {}, {})
    assert passes("x != 1", {}, {})
    assert passes("x not in [1]", {}, {})
    assert passes("x !~ 'a'", {}, {})


def test_keywords_can_start_tag_names() -> None:
    """`order` and `android` are tag names, not `or` and `and`."""
    assert passes("order = 1 and android = 2", {}, {"order": 1, "android": 2})


def test_filter_remembers_its_text() -> None:
    """JobFilter keeps the expression for display."""
    assert parse_filter("a = 1") == JobFilter("a = 1", lambda a, t: True)
    assert repr(parse_filter("a = 1")) == "JobFilter(text='a = 1')"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '@state = "done" and',
            "invalid job filter at column 20: expected an @attribute, a tag name,"
            " 'not' or '(', got the end of the filter\n"
            '  @state = "done" and\n'
            "                     ^",
        ),
        (
            "@state = ",
            "invalid job filter at column 10: expected a string or a number, got the"
            " end of the filter\n  @state = \n           ^",
        ),
        (
            "epochs $ 3",
            "invalid job filter at column 8: expected a comparison (=, !=, <, <=, >,"
            " >=), '~', 'in' or 'not', got '$'\n  epochs $ 3\n         ^",
        ),
        (
            "a = 1 b = 2",
            "invalid job filter at column 7: expected 'and', 'or' or the end of the"
            " filter, got 'b'\n  a = 1 b = 2\n        ^",
        ),
        (
            "a in [1 2]",
            "invalid job filter at column 9: expected ']' or ',', got '2'\n"
            "  a in [1 2]\n          ^",
        ),
        (
            'name = "open',
            "invalid job filter at column 8: expected a string or a number, got a"
            ' string with no closing quote\n  name = "open\n         ^',
        ),
        (
            'name ~ "(x"',
            "invalid job filter at column 8: invalid regular expression: missing ),"
            ' unterminated subpattern at position 0\n  name ~ "(x"\n         ^',
        ),
        (
            "",
            "invalid job filter at column 1: expected an @attribute, a tag name, 'not'"
            " or '(', got the end of the filter\n  \n  ^",
        ),
    ],
)
def test_syntax_errors_show_column_caret_and_expectation(text: str, message: str) -> None:
    """Errors are XpmError and ValueError, with the column, a caret and what was
    expected."""
    with pytest.raises(FilterSyntaxError) as info:
        parse_filter(text)
    assert isinstance(info.value, XpmError)
    assert isinstance(info.value, ValueError)
    assert str(info.value) == message


def test_too_deep_nesting_is_a_syntax_error() -> None:
    """Evaluation is recursive, so absurd nesting is refused up front."""
    with pytest.raises(FilterSyntaxError, match="nests more than 64 levels"):
        parse_filter("not " * 100 + "a = 1")
    assert passes("(" * 500 + "a = 1" + ")" * 500, {}, {"a": 1})


FILTER_PIECES = st.sampled_from(
    [
        "@state", "model", "epochs", "=", "==", "!=", "<", ">=", "~", "!~", "in",
        "not", "and", "or", "(", ")", "[", "]", ",", '"done"', "'x'", "10", "-2.5e3",
        '"(', '"\\', "@", "$", " ",
    ]
)  # fmt: skip
VALUES = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text())


@given(st.one_of(st.text(), st.lists(FILTER_PIECES).map(" ".join)))
def test_any_text_gives_a_filter_or_a_syntax_error(text: str) -> None:
    """No input makes the parser raise anything but FilterSyntaxError."""
    try:
        parse_filter(text)
    except FilterSyntaxError as error:
        assert 1 <= error.column <= len(text) + 1
        assert str(error).startswith("invalid job filter at column ")


@given(
    st.lists(FILTER_PIECES).map(" ".join),
    st.dictionaries(st.sampled_from(["state", "id"]), VALUES),
    st.dictionaries(st.sampled_from(["model", "epochs"]), VALUES),
)
def test_filters_evaluate_to_a_bool_on_any_values(
    text: str, attributes: dict[str, object], tags: dict[str, object]
) -> None:
    """A parsed filter returns a bool for any attribute and tag values."""
    try:
        job_filter = parse_filter(text)
    except FilterSyntaxError:
        return
    assert isinstance(job_filter(attributes, tags), bool)
