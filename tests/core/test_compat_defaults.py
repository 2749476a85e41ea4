"""Defaults as experimaestro 2.7.0 treats them (issue 12 items 2, 3, 4, 6).

Facts: docs/dev/experimaestro-compat.md, sections 7.2 to 7.6; identifiers:
golden/compat-vectors.json.
"""

from __future__ import annotations

import hashlib
import json
import struct
import sys
from pathlib import Path
from typing import Any, Optional

import pytest

import xpm.core.jobcontext as jobcontext
from xpm.core import (
    Config,
    ConfigError,
    JobContext,
    Meta,
    Param,
    SerializationError,
    Task,
    dumps,
    enter_job,
    field,
    from_dict,
    loads,
    submitting_to,
    type_id,
)

from .golden.compat import expected

# --- item 2: params.json written before a parameter was added or removed -------------


class Learn(Config):
    __xpmid__ = "compat.Learn2"
    x: Param[int]
    added: Param[int] = field(default=5, ignore_default=True)
    made: Param[list[int]] = field(default_factory=lambda: [1, 2])
    maybe: Param[int | None] = None


def _stored_without(*names: str, extra: dict[str, object] | None = None) -> str:
    """params.json text of `Learn.C(x=1)` as an older version of the class wrote it."""
    data = json.loads(dumps(Learn.C(x=1)))
    values = data["objects"][0]["values"]
    for name in names:
        values.pop(name, None)
    values.update(extra or {})
    return json.dumps(data)


def test_a_parameter_added_later_loads_with_its_default() -> None:
    loaded = loads(_stored_without("added", "made", "maybe"))
    assert loaded.added == 5
    assert loaded.made == [1, 2]
    assert loaded.maybe is None
    assert loaded.__identifier__() == Learn.C(x=1).__identifier__()


def test_a_default_factory_is_called_for_each_loaded_object() -> None:
    first = loads(_stored_without("made"))
    second = loads(_stored_without("made"))
    assert first.made == second.made == [1, 2]
    assert first.made is not second.made


def test_a_removed_parameter_is_refused_naming_it() -> None:
    """experimaestro fails with a bare KeyError; xpm says which parameter and why."""
    with pytest.raises(
        SerializationError, match=r"Learn\.gone: .*Learn has no parameter 'gone'.*@deprecate"
    ):
        loads(_stored_without(extra={"gone": 3}))


# --- item 3: Param[Optional[X]] without default ---------------------------------------


class OptionalInt(Config):
    __xpmid__ = "compat.OptionalInt"
    y: Param[Optional[int]]  # noqa: UP045 - the spelling experimaestro users write


class OptionalPipe(Config):
    __xpmid__ = "compat.OptionalPipe"
    y: Param[int | None]


class OptionalDefault(Config):
    __xpmid__ = "compat.OptionalDefault"
    y: Param[int | None] = field(default=3)


@pytest.mark.parametrize("cls", [OptionalInt, OptionalPipe])
def test_an_optional_parameter_without_default_is_none(cls: type[Config]) -> None:
    assert cls.C().y is None  # type: ignore[attr-defined]


def test_optional_none_given_or_not_has_one_identifier() -> None:
    """`None` with a `None` default is skipped: only `00` and the type id are hashed."""
    bare = hashlib.sha256(b"\x00compat.optionalint").hexdigest()
    assert OptionalInt.C().__identifier__().hex() == bare
    assert (
        OptionalInt.C(y=None).__identifier__().hex() == bare == expected("optional_none_implicit")
    )


def test_none_is_hashed_when_the_default_is_not_none() -> None:
    encoding = b"\x00compat.optionaldefault\x03y\x05\x06"
    assert OptionalDefault.C(y=None).__identifier__().hex() == hashlib.sha256(encoding).hexdigest()
    assert OptionalDefault.C(y=None).__identifier__().hex() == expected(
        "optional_default_given_none"
    )


# --- item 4: a default of the wrong type -----------------------------------------------


def test_a_default_of_the_wrong_type_is_refused_at_class_definition() -> None:
    """experimaestro fails at the first `.C()`; xpm refuses the class statement itself."""
    with pytest.raises(ConfigError, match=r"Bad\.x: .*0\.2.*int"):

        class Bad(Config):
            x: Param[int] = field(default=0.2)


def test_a_bare_default_of_the_wrong_type_is_refused_at_class_definition() -> None:
    with pytest.raises(ConfigError, match=r"BadBare\.x: .*'a'.*int"):

        class BadBare(Config):
            x: Param[int] = "a"  # type: ignore[assignment]


def test_a_default_is_converted_like_a_given_value() -> None:
    """`field(default=1)` on a float holds 1.0 and hashes `02` + 1.0, as in experimaestro."""

    class Rate(Config):
        __xpmid__ = "compat.Rate"
        r: Param[float] = field(default=1)

    assert type(Rate.C().r) is float
    encoding = b"\x00compat.rate\x03r\x05\x02" + struct.pack("!d", 1.0)
    assert Rate.C().__identifier__().hex() == hashlib.sha256(encoding).hexdigest()


# --- item 6: configuration-valued defaults compared by value ----------------------------


def test_a_default_is_converted_by_the_table_of_item_10() -> None:
    """Defaults go through experimaestro's conversions as given values do: text for an
    int or a bool is converted, and the identifier is that of the converted value."""

    class Text(Config):
        __xpmid__ = "compat.Text"
        n: Param[int] = field(default="3")
        on: Param[bool] = "yes"  # type: ignore[assignment]

    assert (Text.C().n, Text.C().on) == (3, True)
    assert Text.C().__identifier__() == Text.C(n=3, on=True).__identifier__()


class Leaf(Config):
    __xpmid__ = "compat.Leaf"
    x: Param[int]
    note: Meta[str] = field(default="")


class DefaultIgnored(Config):
    __xpmid__ = "compat.DefaultIgnored"
    leaf: Param[Leaf] = field(default=Leaf.C(x=3), ignore_default=True)


class FactoryIgnored(Config):
    __xpmid__ = "compat.FactoryIgnored"
    leaf: Param[Leaf] = field(default_factory=lambda: Leaf.C(x=1), ignore_default=True)


class DefaultHashed(Config):
    __xpmid__ = "compat.DefaultHashed"
    leaf: Param[Leaf] = field(default=Leaf.C(x=3))


def test_a_config_default_left_alone_is_skipped() -> None:
    skipped = hashlib.sha256(b"\x00compat.defaultignored").hexdigest()
    assert DefaultIgnored.C().__identifier__().hex() == skipped
    assert skipped == expected("config_default_ignored_implicit")


def test_an_equal_copy_of_a_config_default_is_skipped_too() -> None:
    given = DefaultIgnored.C(leaf=Leaf.C(x=3))
    assert given.__identifier__() == DefaultIgnored.C().__identifier__()
    assert given.__identifier__().hex() == expected("config_default_ignored_equal_copy")


def test_a_config_default_factory_is_compared_by_value() -> None:
    implicit = FactoryIgnored.C()
    given = FactoryIgnored.C(leaf=Leaf.C(x=1))
    assert implicit.__identifier__() == given.__identifier__()
    assert implicit.__identifier__().hex() == expected("config_factory_ignored_implicit")


def test_a_different_config_is_hashed() -> None:
    other = DefaultIgnored.C(leaf=Leaf.C(x=4))
    assert other.__identifier__() != DefaultIgnored.C().__identifier__()
    assert other.__identifier__().hex() == expected("config_default_ignored_other")


def test_a_meta_difference_makes_the_default_hashed_as_in_experimaestro() -> None:
    """experimaestro compares defaults over every declared value, Meta included."""
    noted = DefaultIgnored.C(leaf=Leaf.C(x=3, note="n"))
    assert noted.__identifier__() != DefaultIgnored.C().__identifier__()
    assert noted.__identifier__().hex() == expected("config_default_ignored_meta_differs")


def test_a_hashed_config_default_is_hashed_equal_or_not() -> None:
    assert DefaultHashed.C().__identifier__().hex() == expected("config_default_hashed_implicit")
    assert DefaultHashed.C(leaf=Leaf.C(x=3)).__identifier__().hex() == expected(
        "config_default_hashed_equal_copy"
    )


def test_each_object_gets_its_own_copy_of_a_config_default() -> None:
    """Assigning into one object's default never changes another's."""
    first, second = DefaultIgnored.C(), DefaultIgnored.C()
    assert first.leaf is not second.leaf
    assert first.leaf.x == second.leaf.x == 3


class _Recorder:
    def __init__(self, root: Path) -> None:
        self.workdir = root

    def job_folder(self, task: Any) -> Path:
        return self.workdir / "jobs" / type_id(task) / str(task.__identifier__())

    def submit(self, task: Any, *, launcher: Any, outputs: Any) -> Any:
        return self


class Train2(Task):
    __xpmid__ = "compat.Train2"
    x: Param[int]


def test_a_loaded_task_keeps_the_identifier_stored_with_its_job(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A job process must not move to another folder when the code now hashes otherwise."""
    train = Train2.C(x=1)
    with submitting_to(_Recorder(tmp_path)):
        train.submit()
    stored = json.loads(dumps(train))
    assert stored["objects"][0]["identifier"] == train.__identifier__().hex()

    class Later(Task):  # a later version of Train2: a hashed default was added
        __xpmid__ = "compat.Train2"
        x: Param[int]
        epochs: Param[int] = field(default=10)

    monkeypatch.setattr(sys.modules[__name__], "Train2", Later)
    loaded = loads(json.dumps(stored))
    assert type(loaded) is Later
    assert loaded.epochs == 10  # type: ignore[attr-defined]
    assert loaded.__identifier__() == train.__identifier__()
    recomputed = from_dict(stored, keep_identifiers=False)
    assert recomputed.__identifier__() == Later.C(x=1).__identifier__() != train.__identifier__()
    monkeypatch.setattr(jobcontext, "_CURRENT", [])
    enter_job(JobContext(tmp_path / "elsewhere", "train2", tmp_path))
    folder = tmp_path / "jobs" / "compat.train2" / train.__identifier__().hex()
    assert loaded.jobpath == folder  # type: ignore[attr-defined]
