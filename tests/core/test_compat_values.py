"""Values as experimaestro 2.7.0 stores and hashes them (issue 12 items 7, 9, 10).

Facts: docs/dev/experimaestro-compat.md, sections 7.7, 7.9, 7.10; identifiers:
golden/compat-vectors.json.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Generic, TypeVar

import pytest

import xpm.core
from xpm.core import (
    Config,
    ConfigError,
    Meta,
    Param,
    Task,
    dumps,
    execute_task,
    field,
    loads,
    submitting_to,
    tag,
)

from .golden.compat import expected
from .test_compat_tasks import Recorder

# --- item 7: sets of configurations ----------------------------------------------------


class Leaf(Config):
    __xpmid__ = "compat.Leaf"
    x: Param[int]
    note: Meta[str] = field(default="")


class LeafSet(Config):
    __xpmid__ = "compat.LeafSet"
    items: Param[set[Leaf]]


def test_equal_configurations_in_a_set_are_hashed_once() -> None:
    """experimaestro's sealed configurations are equal by identifier, so a set keeps one."""
    duplicated = LeafSet.C(items={Leaf.C(x=1), Leaf.C(x=1), Leaf.C(x=2)})
    assert duplicated.__identifier__().hex() == expected("set_duplicate_configs")
    assert (
        duplicated.__identifier__() == LeafSet.C(items={Leaf.C(x=1), Leaf.C(x=2)}).__identifier__()
    )


def test_sealed_set_builds_a_set_of_distinct_configurations() -> None:
    sealed_set: Any = xpm.core.sealed_set  # type: ignore[attr-defined]
    items = sealed_set(Leaf.C(x=1), Leaf.C(x=1), Leaf.C(x=2))
    assert len(items) == 2
    assert LeafSet.C(items=items).__identifier__().hex() == expected("set_distinct_configs")


# --- item 9: generics, overrides, __post_init__, tags ------------------------------------

T = TypeVar("T")


class Model(Config, Generic[T]):
    __xpmid__ = "compat.Model"
    p: Param[T]


def test_a_generic_config_hashes_like_a_plain_one() -> None:
    assert Model.C(p=1).__identifier__().hex() == expected("generic_int")
    assert Model[int].C(p=1).__identifier__() == Model.C(p=1).__identifier__()
    assert Model.C(p="a").__identifier__().hex() == expected("generic_str")


def test_a_type_variable_converts_nothing() -> None:
    model = Model.C(p=1.0)
    assert type(model.p) is float
    assert model.__identifier__().hex() == expected("generic_float_kept")


def test_overrides_replaces_a_parent_parameter() -> None:
    class Base(Config):
        __xpmid__ = "compat.Base"
        x: Param[int] = field(default=1)
        y: Param[Config]

    class Derived(Base):
        __xpmid__ = "compat.Derived"
        x: Param[int] = field(default=2, overrides=True)  # type: ignore[call-overload]
        y: Param[Leaf] = field(overrides=True)  # type: ignore[call-overload]

    derived = Derived.C(y=Leaf.C(x=1))
    assert derived.x == 2
    assert derived.__identifier__().hex() == expected("overrides_implicit")
    with pytest.raises(ConfigError, match=r"Derived\.y"):
        Derived.C(y=Model.C(p=1))


def test_overrides_refuses_an_incompatible_type() -> None:
    class Base(Config):
        x: Param[int] = field(default=1)

    with pytest.raises(ConfigError, match=r"Wrong\.x.*str.*int"):

        class Wrong(Base):
            x: Param[str] = field(default="a", overrides=True)  # type: ignore[call-overload]


class SubLeaf(Leaf):
    __xpmid__ = "compat.SubLeaf"


def test_a_parent_default_is_checked_against_the_parents_own_type() -> None:
    """A subclass narrowing `Param[Leaf]` to `Param[SubLeaf]` does not make the parent's
    `Leaf` default a wrong one: each default is checked as its own class declares it."""

    class Holder(Config):
        leaf: Param[Leaf] = field(default=Leaf.C(x=1))

    class Narrow(Holder):
        leaf: Param[SubLeaf] = field(default=SubLeaf.C(x=2), overrides=True)

    assert type(Holder.C().leaf) is Leaf and type(Narrow.C().leaf) is SubLeaf
    with pytest.raises(ConfigError, match=r"Narrow\.leaf"):
        Narrow.C(leaf=Leaf.C(x=1))  # type: ignore[arg-type]


def test_post_init_does_not_change_the_configuration() -> None:
    """experimaestro calls __post_init__ on instances only, never on configurations."""

    class Doubler(Config):
        __xpmid__ = "compat.Doubler"
        x: Param[int]
        y: Param[int] = field(default=0)

        def __post_init__(self) -> None:
            self.y = self.x * 2

    doubler = Doubler.C(x=2)
    assert doubler.y == 0
    assert doubler.__identifier__().hex() == expected("post_init_not_hashed")


class Tagged(Config):
    __xpmid__ = "compat.Tagged"
    a: Param[int]
    leaf: Param[Leaf]


def test_tags_never_change_the_identifier() -> None:
    tagged = Tagged.C(a=tag(3), leaf=Leaf.C(x=1).tag("size", "small"))
    assert tagged.tags() == {"a": 3, "size": "small"}
    assert tagged.__identifier__().hex() == expected("tags_on_values") == expected("tags_none")


# --- item 10: coercion ------------------------------------------------------------------


class Int(Config):
    __xpmid__ = "compat.Int"
    x: Param[int]


class Float(Config):
    __xpmid__ = "compat.Float"
    x: Param[float]


class Bool(Config):
    __xpmid__ = "compat.Bool"
    x: Param[bool]


class Str(Config):
    __xpmid__ = "compat.Str"
    x: Param[str]


class Ints(Config):
    __xpmid__ = "compat.Ints"
    x: Param[list[int]]


class IntSet(Config):
    __xpmid__ = "compat.IntSet"
    x: Param[set[int]]


class Floats(Config):
    __xpmid__ = "compat.Floats"
    x: Param[dict[str, float]]


class IntOrFloat(Config):
    __xpmid__ = "compat.IntOrFloat"
    x: Param[int | float]


# (vector, class, given, stored): experimaestro stores `stored` and hashes it.
COERCED: list[Any] = [
    ("int_from_int", Int, 1, 1),
    ("int_from_float", Int, 1.0, 1),
    ("int_from_bool", Int, True, 1),
    ("int_from_str", Int, "1", 1),
    ("int_from_padded_str", Int, " 2 ", 2),
    ("int_from_float_str", Int, "1.0", 1),
    ("float_from_float", Float, 1.0, 1.0),
    ("float_from_int", Float, 1, 1.0),
    ("float_from_bool", Float, True, 1.0),
    ("float_from_str", Float, "1.5", 1.5),
    ("bool_from_bool", Bool, True, True),
    ("bool_from_one", Bool, 1, True),
    ("bool_from_zero", Bool, 0, False),
    ("bool_from_float", Bool, 1.0, True),
    ("bool_from_true_str", Bool, "true", True),
    ("bool_from_yes_str", Bool, "yes", True),
    ("bool_from_off_str", Bool, "off", False),
    ("list_of_int_coerced", Ints, [1.0, "2", True], [1, 2, 1]),
    ("set_of_int_from_floats", IntSet, {1.0, 2.0}, {1, 2}),
    ("dict_of_float_from_int", Floats, {"a": 1}, {"a": 1.0}),
    ("dict_of_float_from_str", Floats, {"a": "1.5"}, {"a": 1.5}),
    ("union_int_float_from_int", IntOrFloat, 1, 1),
    ("union_int_float_from_float", IntOrFloat, 1.0, 1),
    ("union_int_float_from_str", IntOrFloat, "1.5", 1.5),
]


def _types(value: Any) -> Any:
    if isinstance(value, list):
        return [_types(v) for v in value]
    if isinstance(value, set):
        return sorted(type(v).__name__ for v in value)
    if isinstance(value, dict):
        return {k: _types(v) for k, v in value.items()}
    return type(value).__name__


@pytest.mark.parametrize(("vector", "cls", "given", "stored"), COERCED)
def test_values_are_converted_as_experimaestro_converts_them(
    vector: str, cls: type[Config], given: Any, stored: Any
) -> None:
    """The stored value, its type and the identifier are experimaestro's."""
    config = cls.C(x=given)  # type: ignore[call-arg]
    value = config.x  # type: ignore[attr-defined]
    assert value == stored
    assert _types(value) == _types(stored)
    assert config.__identifier__().hex() == expected(vector)


@pytest.mark.parametrize(
    ("cls", "given"),
    [(Int, 1.5), (Int, "a"), (Bool, 2), (Bool, "a"), (Str, 1), (Str, b"a"), (Float, "a")],
)
def test_values_experimaestro_refuses_are_refused_naming_the_parameter(
    cls: type[Config], given: Any
) -> None:
    with pytest.raises(ConfigError, match=rf"^{cls.__name__}\.x: "):
        cls.C(x=given)  # type: ignore[call-arg]


class Halver(Config):
    __xpmid__ = "compat.Halver"
    x: Param[int]
    half: Param[int] = field(default=0)

    def __post_init__(self) -> None:
        self.half = self.x // 2
        self.ready = True


class UsesHalver(Task):
    __xpmid__ = "compat.UsesHalver"
    halver: Param[Halver]
    seen: Meta[int] = field(default=0)

    def __post_init__(self) -> None:
        self.seen = self.halver.half  # the sub-configuration's hook ran first

    def execute(self) -> None:
        assert self.halver.ready
        (self.__taskdir__ / "out").write_text(f"{self.halver.half} {self.seen}")


def test_post_init_runs_in_the_job_process_sub_configurations_first(tmp_path: Path) -> None:
    task = UsesHalver.C(halver=Halver.C(x=8))
    with submitting_to(Recorder(tmp_path)):
        task.submit()
    before = task.__identifier__()
    loaded = loads(dumps(task, tmp_path), tmp_path)
    execute_task(loaded, tmp_path)  # type: ignore[arg-type]
    assert (tmp_path / "out").read_text() == "4 4"
    assert task.halver.half == 0 and task.__identifier__() == before


def test_a_class_using_overrides_still_takes_an_xpmid_set_by_a_decorator() -> None:
    """The class statement checks the redeclaration; the class is read again when used."""

    def named(cls: type[Config]) -> type[Config]:
        cls.__xpmid__ = "compat.Named"  # type: ignore[attr-defined]
        return cls

    class Parent(Config):
        x: Param[int] = 1

    @named
    class Child(Parent):
        x: Param[int] = field(default=2, overrides=True)  # type: ignore[call-overload]

    assert xpm.core.type_id(Child) == "compat.named"
    assert Child.C().x == 2
