"""The 61 golden identifiers: the same configuration keeps its job folder name forever."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from xpm.core import Config, submitting_to

from .golden.stability import (
    ConfigBool,
    ConfigDict,
    ConfigEnum,
    ConfigFieldDefault,
    ConfigFieldDefaultIgnore,
    ConfigFieldFactory,
    ConfigFieldFactoryIgnore,
    ConfigFloat,
    ConfigInt,
    ConfigList,
    ConfigMultiNested,
    ConfigNested,
    ConfigNestedDict,
    ConfigNestedList,
    ConfigNestedSet,
    ConfigSet,
    ConfigStr,
    ConfigWithDefault,
    ConfigWithOption,
    CycleA,
    CycleB,
    DryRun,
    ModelContainer,
    MyEnum,
    MyLightweightTask,
    SimpleTask,
    SubModel,
    TaskWithConfig,
    TaskWithOutput,
)

GOLDEN: dict[str, str] = json.loads(
    (Path(__file__).parent / "golden" / "identifier-vectors.json").read_text()
)
CI = ConfigInt.C


def _submitted(build: Callable[[], Any]) -> Callable[[], Any]:
    def run() -> Any:
        with submitting_to(DryRun()):
            return build()

    return run


def _cycle() -> Config:
    a = CycleA.C()
    b = CycleB.C(a=a)
    a.b = b
    return a


def _shared() -> Config:
    sm = SubModel.C(value=100)
    return ModelContainer.C(m1=sm, m2=sm)


def _fields(cls: Any, prefix: str) -> dict[str, Callable[[], Any]]:
    return {
        f"{prefix}_at_default": lambda: cls.C(a=10, b=5),
        f"{prefix}_override": lambda: cls.C(a=20, b=5),
        f"{prefix}_implicit": lambda: cls.C(b=5),
    }


VECTORS: dict[str, Callable[[], Any]] = {
    "int_positive": lambda: CI(x=42),
    "int_negative": lambda: CI(x=-10),
    "int_zero": lambda: CI(x=0),
    "str_simple": lambda: ConfigStr.C(s="hello"),
    "str_empty": lambda: ConfigStr.C(s=""),
    "str_unicode": lambda: ConfigStr.C(s="héllo wörld 🌍"),
    "bool_true": lambda: ConfigBool.C(b=True),
    "bool_false": lambda: ConfigBool.C(b=False),
    "float_simple": lambda: ConfigFloat.C(f=3.14),
    "float_negative": lambda: ConfigFloat.C(f=-2.5),
    "float_zero": lambda: ConfigFloat.C(f=0.0),
    "enum_value_a": lambda: ConfigEnum.C(e=MyEnum.VALUE_A),
    "enum_value_b": lambda: ConfigEnum.C(e=MyEnum.VALUE_B),
    "enum_value_c": lambda: ConfigEnum.C(e=MyEnum.VALUE_C),
    "list_empty": lambda: ConfigList.C(items=[]),
    "list_single": lambda: ConfigList.C(items=[1]),
    "list_multiple": lambda: ConfigList.C(items=[1, 2, 3, 4, 5]),
    "list_nested_empty": lambda: ConfigNestedList.C(configs=[]),
    "list_nested_single": lambda: ConfigNestedList.C(configs=[CI(x=1)]),
    "list_nested_multiple": lambda: ConfigNestedList.C(configs=[CI(x=1), CI(x=2), CI(x=3)]),
    "dict_empty": lambda: ConfigDict.C(mapping={}),
    "dict_single": lambda: ConfigDict.C(mapping={"a": 1}),
    "dict_multiple": lambda: ConfigDict.C(mapping={"a": 1, "b": 2, "c": 3}),
    "dict_nested_empty": lambda: ConfigNestedDict.C(configs={}),
    "dict_nested_single": lambda: ConfigNestedDict.C(configs={"x": CI(x=1)}),
    "dict_nested_multiple": lambda: ConfigNestedDict.C(
        configs={"a": CI(x=1), "b": CI(x=2), "c": CI(x=3)}
    ),
    "set_empty": lambda: ConfigSet.C(items=set()),
    "set_single": lambda: ConfigSet.C(items={1}),
    "set_multiple": lambda: ConfigSet.C(items={1, 2, 3, 4, 5}),
    "set_nested_empty": lambda: ConfigNestedSet.C(configs=set()),
    "set_nested_single": lambda: ConfigNestedSet.C(configs={CI(x=1)}),
    "set_nested_multiple": lambda: ConfigNestedSet.C(configs={CI(x=1), CI(x=2), CI(x=3)}),
    "nested_simple": lambda: ConfigNested.C(inner=CI(x=100)),
    "nested_multi": lambda: ConfigMultiNested.C(
        a=CI(x=1), b=ConfigStr.C(s="test"), c=ConfigNested.C(inner=CI(x=2))
    ),
    "option_with_default": lambda: ConfigWithOption.C(required=5),
    "option_override": lambda: ConfigWithOption.C(required=5, optional=100),
    "default_with_default": lambda: ConfigWithDefault.C(y=20),
    "default_override": lambda: ConfigWithDefault.C(x=99, y=20),
    **_fields(ConfigFieldDefault, "field_default"),
    **_fields(ConfigFieldDefaultIgnore, "field_default_ignore"),
    **_fields(ConfigFieldFactory, "field_factory"),
    **_fields(ConfigFieldFactoryIgnore, "field_factory_ignore"),
    "task_simple": lambda: SimpleTask.C(x=10),
    "task_with_config": lambda: TaskWithConfig.C(config=CI(x=5)),
    "task_submitted": _submitted(lambda: SimpleTask.C(x=15).submit()),
    "task_with_output": _submitted(lambda: TaskWithOutput.C(value=25).submit()),
    "task_using_output": _submitted(
        lambda: TaskWithConfig.C(config=TaskWithOutput.C(value=30).submit())
    ),
    "task_with_init": _submitted(
        lambda: SimpleTask.C(x=20).submit(init_tasks=[MyLightweightTask.C(param=1)])
    ),
    "task_with_multiple_init": _submitted(
        lambda: SimpleTask.C(x=25).submit(
            init_tasks=[MyLightweightTask.C(param=1), MyLightweightTask.C(param=2)]
        )
    ),
    "cycle_simple": _cycle,
    "instance_shared": _shared,
    "instance_separate": lambda: ModelContainer.C(
        m1=SubModel.C(value=100), m2=SubModel.C(value=100)
    ),
    "instance_different_values": lambda: ModelContainer.C(
        m1=SubModel.C(value=200), m2=SubModel.C(value=300)
    ),
}


def test_every_golden_vector_is_built() -> None:
    """Each of the 61 published vectors has a construction here, and nothing more."""
    assert sorted(VECTORS) == sorted(GOLDEN)
    assert len(GOLDEN) == 61


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_golden_identifier(name: str) -> None:
    """The configuration of vector `name` has exactly its published identifier."""
    assert VECTORS[name]().__identifier__().hex() == GOLDEN[name]
