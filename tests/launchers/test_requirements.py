"""The requirement grammar: parsing, canonical rendering and syntax errors."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xpm.core import ValidationError, XpmError
from xpm.launchers import (
    AcceleratorKind,
    AcceleratorRequirement,
    CpuRequirement,
    HostRequirement,
    Requirement,
    RequirementSyntaxError,
    format_duration,
    format_memory,
    parse,
    parse_duration,
    parse_memory,
)

GiB = 1024**3
MiB = 1024**2

EXPERIMAESTRO_EXAMPLE = (
    "duration=2 days & cuda(mem=16G)*4 & cpu(mem=400M, cores=4)"
    " | duration=4 days & cuda(mem=16G)*2 & cpu(mem=400M, cores=4)"
)


def host(
    duration: int = 0,
    memory: int = 0,
    cores: int = 1,
    *accelerators: AcceleratorRequirement,
) -> HostRequirement:
    return HostRequirement(duration, CpuRequirement(memory, cores), accelerators)


def cuda(memory: int = 0, count: int = 1) -> AcceleratorRequirement:
    return AcceleratorRequirement(AcceleratorKind.CUDA, memory, count)


# --- exact examples -------------------------------------------------------------------


def test_experimaestro_example_gives_two_alternatives_in_order() -> None:
    """The documented experimaestro requirement parses to its two alternatives."""
    assert parse(EXPERIMAESTRO_EXAMPLE) == Requirement(
        (
            host(2 * 86400, 400 * MiB, 4, cuda(16 * GiB, 4)),
            host(4 * 86400, 400 * MiB, 4, cuda(16 * GiB, 2)),
        )
    )


def test_canonical_text_of_the_experimaestro_example() -> None:
    """str() spells units canonically and orders duration, cpu, accelerators."""
    assert str(parse(EXPERIMAESTRO_EXAMPLE)) == (
        "duration=2d & cpu(mem=400MiB, cores=4) & cuda(mem=16GiB)*4"
        " | duration=4d & cpu(mem=400MiB, cores=4) & cuda(mem=16GiB)*2"
    )


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("duration=3s", 3),
        ("duration=3 sec", 3),
        ("duration=3 seconds", 3),
        ("duration=5m", 300),
        ("duration=5min", 300),
        ("duration=5 mins", 300),
        ("duration=5 minutes", 300),
        ("duration=2h", 7200),
        ("duration=2 hour", 7200),
        ("duration=2hours", 7200),
        ("duration=1d", 86400),
        ("duration=1 day", 86400),
        ("duration=2 days", 172800),
        ("duration=2 DAYS", 172800),
    ],
)
def test_duration_units(text: str, seconds: int) -> None:
    """Every spelling of a time unit gives the same number of seconds."""
    assert parse(text) == Requirement((HostRequirement(duration=seconds),))


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("16G", 16 * GiB),
        ("16GiB", 16 * GiB),
        ("16GB", 16 * GiB),
        ("16 g", 16 * GiB),
        ("400M", 400 * MiB),
        ("400MiB", 400 * MiB),
        ("400MB", 400 * MiB),
        ("2K", 2048),
        ("2KiB", 2048),
        ("1T", 1024**4),
        ("1TB", 1024**4),
        ("1P", 1024**5),
        ("10B", 10),
        ("10 bytes", 10),
    ],
)
def test_memory_units_are_binary(text: str, size: int) -> None:
    """G, GB and GiB all mean 1024**3 bytes (SLURM's reading of --mem=16G)."""
    assert parse_memory(text) == size
    assert parse(f"cpu(mem={text})").alternatives[0].cpu.memory == size


def test_accelerator_kinds_and_counts() -> None:
    """cuda, mps and gpu are distinct kinds; `* N` repeats; no mem means any memory."""
    req = parse("cuda(mem=8G)*2 & mps(mem=4G) & gpu() * 3").alternatives[0]
    assert req.accelerators == (
        cuda(8 * GiB, 2),
        AcceleratorRequirement(AcceleratorKind.MPS, 4 * GiB, 1),
        AcceleratorRequirement(AcceleratorKind.GPU, 0, 3),
    )
    assert req.accelerator_count == 6


def test_and_merges_items_of_one_alternative() -> None:
    """Within an alternative, the largest duration, memory and cores win; GPUs sum."""
    req = parse("duration=1h & cpu(mem=1G) & duration=2h & cpu(cores=3) & cuda()*2 & cuda()")
    assert req == Requirement((host(7200, GiB, 3, cuda(0, 3)),))


def test_and_binds_tighter_than_or() -> None:
    """`a & b | c` is `(a & b) | c`."""
    assert parse("duration=1h & cuda() | cpu(cores=2)") == Requirement(
        (host(3600, 0, 1, cuda()), host(0, 0, 2))
    )


def test_parentheses_distribute_in_order() -> None:
    """`a & (b | c)` gives `a & b | a & c`, left alternatives first."""
    assert str(parse("duration=1h & (cuda(mem=8G) | mps(mem=8G)) & (cpu() | cpu(cores=2))")) == (
        "duration=1h & cuda(mem=8GiB)"
        " | duration=1h & cpu(cores=2) & cuda(mem=8GiB)"
        " | duration=1h & mps(mem=8GiB)"
        " | duration=1h & cpu(cores=2) & mps(mem=8GiB)"
    )


def test_repeated_alternatives_are_kept_once() -> None:
    """An alternative equal to an earlier one adds nothing."""
    assert parse("cuda() | cpu() | cuda()") == Requirement((host(0, 0, 1, cuda()), host()))


def test_whitespace_and_newlines_are_ignored() -> None:
    """Requirements may span lines (e.g. in YAML) and space their tokens freely."""
    assert parse("\n  duration = 2 h\n  & cuda ( mem = 8 G ) * 2\n") == parse(
        "duration=2h&cuda(mem=8G)*2"
    )


def test_multiply_duration_rounds_up_every_alternative() -> None:
    """multiply_duration scales each alternative and rounds to whole seconds."""
    req = parse("duration=10s & cuda() | duration=1h")
    assert str(req.multiply_duration(1.25)) == "duration=13s & cuda() | duration=75min"
    assert req.multiply_duration(1.25).alternatives[0].accelerators == (cuda(),)


def test_multiply_duration_refuses_a_negative_coefficient() -> None:
    """A negative or NaN coefficient is a ValidationError naming the coefficient."""
    with pytest.raises(ValidationError, match="coefficient"):
        parse("duration=1h").multiply_duration(-1)
    with pytest.raises(ValidationError):
        parse("duration=1h").multiply_duration(float("nan"))


def test_format_helpers_pick_the_largest_exact_unit() -> None:
    """format_memory and format_duration never lose precision."""
    assert [format_memory(n) for n in (16 * GiB, 1536 * MiB, 1000, 0)] == [
        "16GiB",
        "1536MiB",
        "1000B",
        "0B",
    ]
    assert [format_duration(s) for s in (172800, 5400, 61, 0)] == [
        "2d",
        "90min",
        "61s",
        "0s",
    ]
    assert parse_duration("90 minutes") == 5400


def test_dataclasses_refuse_impossible_values() -> None:
    """Built by hand, a requirement still refuses zero counts and negative sizes."""
    with pytest.raises(ValidationError, match="count"):
        cuda(count=0)
    with pytest.raises(ValidationError, match="cores"):
        CpuRequirement(cores=0)
    with pytest.raises(ValidationError):
        Requirement(())
    with pytest.raises(ValidationError, match="duration"):
        HostRequirement(duration=10**18)


# --- exact error messages -------------------------------------------------------------


def error_of(text: str) -> RequirementSyntaxError:
    with pytest.raises(RequirementSyntaxError) as info:
        parse(text)
    return info.value


def test_error_for_memory_without_unit() -> None:
    """A bare memory number names the offending token and lists the units."""
    error = error_of("cuda(mem=16)*4")
    assert (error.line, error.column) == (1, 12)
    assert error.expected == ("a memory unit (B, K, M, G, T, KiB, MiB, GiB, TiB)",)
    assert str(error) == (
        'invalid requirement at line 1, column 12: unexpected ")"\n'
        "  cuda(mem=16)*4\n"
        "             ^\n"
        "expected a memory unit (B, K, M, G, T, KiB, MiB, GiB, TiB)"
    )


def test_error_for_unknown_word_lists_the_items() -> None:
    """An unknown item lists every item the grammar knows, in words."""
    assert str(error_of("duration=2h & tpu()")) == (
        'invalid requirement at line 1, column 15: unexpected character "t"\n'
        "  duration=2h & tpu()\n"
        "                ^\n"
        'expected one of: "(", "cpu", "cuda", "duration", "gpu", "mps"'
    )


def test_error_at_end_of_text_points_after_the_last_character() -> None:
    """A truncated requirement puts the caret just after its last character."""
    assert str(error_of("cpu(mem=1G) | ")) == (
        "invalid requirement at line 1, column 14: unexpected end of the requirement\n"
        "  cpu(mem=1G) | \n"
        "               ^\n"
        'expected one of: "(", "cpu", "cuda", "duration", "gpu", "mps"'
    )


def test_error_on_a_later_line_shows_that_line() -> None:
    """In a multi-line requirement, the message shows the faulty line only."""
    error = error_of("duration=2h\n  & cuda(mem=8X)")
    assert (error.line, error.column) == (2, 15)
    assert str(error).splitlines()[1:3] == ["    & cuda(mem=8X)", "                ^"]


def test_error_for_a_zero_count() -> None:
    """`* 0` is refused where the count is written."""
    assert str(error_of("cuda(mem=16G)*0")) == (
        "invalid requirement at line 1, column 15: "
        "an accelerator count of 0 is too small: use at least 1\n"
        "  cuda(mem=16G)*0\n"
        "                ^"
    )


def test_error_for_an_option_given_twice() -> None:
    """cpu(cores=2, cores=3) names the repeated option."""
    error = error_of("cpu(cores=2, cores=3)")
    assert (error.problem, error.column, error.expected) == (
        '"cores" is given twice',
        14,
        (),
    )


def test_error_for_missing_operator_between_items() -> None:
    """Two items without & or | between them ask for an operator."""
    error = error_of("cuda() cpu()")
    assert error.problem == 'unexpected "cpu"'
    assert error.expected == ('"&"', '"*"', '"|"', "the end of the requirement")


def test_error_for_a_huge_number() -> None:
    """Numbers longer than 18 digits are refused, not converted."""
    assert error_of("cuda()*" + "9" * 40).problem.endswith("is too large (at most 18 digits)")
    assert parse("cuda()*" + "9" * 18).alternatives[0].accelerator_count == 10**18 - 1


def test_error_for_too_many_alternatives() -> None:
    """Parenthesised alternatives may not multiply past MAX_ALTERNATIVES."""
    text = " & ".join(["(cpu(cores=1) | cpu(cores=2) | cpu(cores=3) | cpu(cores=4))"] * 6)
    assert "more than 1000 alternatives" in error_of(text).problem


def test_syntax_error_is_a_value_error_and_an_xpm_error() -> None:
    """Callers catching ValueError or XpmError both see it."""
    error = error_of("")
    assert isinstance(error, ValueError)
    assert isinstance(error, XpmError)
    assert error.text == ""


def test_deep_parentheses_do_not_recurse() -> None:
    """Thousands of nested parentheses parse without a RecursionError."""
    assert parse("(" * 5000 + "cuda()" + ")" * 5000) == parse("cuda()")


# --- properties -----------------------------------------------------------------------

sizes = st.one_of(
    st.integers(min_value=0, max_value=2**50),
    st.integers(min_value=0, max_value=4096).map(lambda n: n * GiB),
)
accelerators = st.builds(
    AcceleratorRequirement,
    kind=st.sampled_from(AcceleratorKind),
    memory=sizes,
    count=st.integers(min_value=1, max_value=64),
)
host_requirements = st.builds(
    HostRequirement,
    duration=st.integers(min_value=0, max_value=10**9),
    cpu=st.builds(CpuRequirement, memory=sizes, cores=st.integers(min_value=1, max_value=1024)),
    accelerators=st.lists(accelerators, max_size=4).map(tuple),
)
requirements = st.lists(host_requirements, min_size=1, max_size=4, unique=True).map(
    lambda alternatives: Requirement(tuple(alternatives))
)

ALPHABET = st.sampled_from(
    [
        *"()&|*=,. \n\t0123456789",
        *("cuda", "mps", "gpu", "cpu", "mem", "cores", "duration"),
        *("G", "GiB", "M", "h", "days", "min", "x", "é", "\x00"),
    ]
)


@settings(deadline=None)
@given(requirements)
def test_str_parses_back_to_an_equal_requirement(req: Requirement) -> None:
    """Any requirement round-trips through its canonical text."""
    assert parse(str(req)) == req


@settings(deadline=None)
@given(requirements)
def test_canonical_text_is_a_fixed_point(req: Requirement) -> None:
    """Rendering the parsed canonical text gives the same text."""
    assert str(parse(str(req))) == str(req)


@settings(deadline=None)
@given(st.text())
def test_any_text_parses_or_raises_a_syntax_error(text: str) -> None:
    """Arbitrary text gives a Requirement or a RequirementSyntaxError, nothing else."""
    try:
        parse(text)
    except RequirementSyntaxError as e:
        assert e.line >= 1 and e.column >= 1
        assert "^" in str(e)


@settings(deadline=None)
@given(st.lists(ALPHABET, max_size=30).map("".join))
def test_grammar_like_text_parses_or_raises_a_syntax_error(text: str) -> None:
    """Text made of grammar tokens gives a Requirement or a RequirementSyntaxError."""
    try:
        req = parse(text)
    except RequirementSyntaxError as e:
        assert 1 <= e.line <= text.count("\n") + 1
    else:
        assert parse(str(req)) == req
