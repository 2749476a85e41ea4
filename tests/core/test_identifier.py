"""Identifier properties users rely on beyond the golden vectors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xpm.core import Config, Meta, Param, ValidationError, field, setmeta, tag


class Leaf(Config):
    __xpmid__ = "tests.identifier.leaf"
    value: Param[int]


class Bag(Config):
    __xpmid__ = "tests.identifier.bag"
    numbers: Param[list[int]] = field(default_factory=list)
    table: Param[dict[str, int]] = field(default_factory=dict)
    leaf: Param[Leaf | None] = None
    note: Meta[str] = ""
    where: Param[Path] = Path("/")


class BagReordered(Config):
    __xpmid__ = "tests.identifier.bag"
    where: Param[Path] = Path("/")
    note: Meta[str] = ""
    leaf: Param[Leaf | None] = None
    table: Param[dict[str, int]] = field(default_factory=dict)
    numbers: Param[list[int]] = field(default_factory=list)


ints = st.integers(min_value=-(2**63), max_value=2**63 - 1)
tables = st.dictionaries(st.text(max_size=5), ints, max_size=6)


@given(st.lists(ints, max_size=6), tables)
def test_declaration_order_does_not_matter(numbers: list[int], table: dict[str, int]) -> None:
    a = Bag.C(numbers=numbers, table=table)
    b = BagReordered.C(numbers=numbers, table=table)
    assert a.__identifier__() == b.__identifier__()


@given(tables)
def test_dict_insertion_order_does_not_matter(table: dict[str, int]) -> None:
    reversed_table = dict(reversed(list(table.items())))
    assert Bag.C(table=table).__identifier__() == Bag.C(table=reversed_table).__identifier__()


@given(st.lists(ints, min_size=1, max_size=6), st.integers(0, 5), ints)
def test_changing_any_hashed_value_changes_the_identifier(
    numbers: list[int], index: int, new: int
) -> None:
    index %= len(numbers)
    changed = list(numbers)
    changed[index] = new
    same = changed == numbers
    a, b = Bag.C(numbers=numbers), Bag.C(numbers=changed)
    assert (a.__identifier__() == b.__identifier__()) == same


@given(ints, ints)
def test_nested_value_changes_the_identifier(x: int, y: int) -> None:
    a = Bag.C(leaf=Leaf.C(value=x)).__identifier__()
    b = Bag.C(leaf=Leaf.C(value=y)).__identifier__()
    assert (a == b) == (x == y)


def test_meta_paths_and_tags_never_change_the_identifier() -> None:
    base = Bag.C(numbers=[1]).__identifier__()
    assert Bag.C(numbers=[1], note="hello").__identifier__() == base
    assert Bag.C(numbers=[1], where=Path("/elsewhere")).__identifier__() == base
    assert Bag.C(numbers=tag([1]) if False else [1]).tag("run", 3).__identifier__() == base


def test_shared_and_equal_copies_hash_the_same() -> None:
    class Pair(Config):
        a: Param[Leaf]
        b: Param[Leaf]

    leaf = Leaf.C(value=1)
    assert (
        Pair.C(a=leaf, b=leaf).__identifier__()
        == Pair.C(a=Leaf.C(value=1), b=Leaf.C(value=1)).__identifier__()
    )


def test_meta_configs_are_left_out() -> None:
    class Holder(Config):
        leaves: Param[list[Leaf]]

    plain = Holder.C(leaves=[Leaf.C(value=1)]).__identifier__()
    with_meta = Holder.C(leaves=[Leaf.C(value=1), setmeta(Leaf.C(value=2), True)])
    assert with_meta.__identifier__() == plain


def test_added_parameter_with_ignored_default_keeps_identifiers() -> None:
    class V1(Config):
        __xpmid__ = "tests.identifier.versioned"
        x: Param[int]

    class V2(Config):
        __xpmid__ = "tests.identifier.versioned"
        x: Param[int]
        y: Param[int] = 0

    assert V1.C(x=1).__identifier__() == V2.C(x=1).__identifier__()
    assert V1.C(x=1).__identifier__() != V2.C(x=1, y=1).__identifier__()


def test_unhashable_value_names_the_parameter() -> None:
    class Loose(Config):
        thing: Param[object]

    with pytest.raises(ValidationError, match=r"^Loose.thing: cannot be hashed: object"):
        Loose.C(thing=object()).__identifier__()


def test_identifier_does_not_depend_on_the_process() -> None:
    """Same identifier under different PYTHONHASHSEED values, in fresh processes."""
    folder = str(Path(__file__).parent)
    code = (
        f"import sys; sys.path.insert(0, {folder!r})\n"
        "from golden.stability import ConfigNestedSet, ConfigInt as CI\n"
        "print(ConfigNestedSet.C(configs={CI(x=i) for i in range(20)}).__identifier__())"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("0", "1", "12345")
    }
    assert len(outputs) == 1
