"""The configuration classes of the golden identifier vectors (see docs/identifiers.md)."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Any

from xpm.core import (
    Config,
    InstanceConfig,
    LightweightTask,
    Option,
    Param,
    Task,
    field,
)


class MyEnum(Enum):
    VALUE_A = 1
    VALUE_B = 2
    VALUE_C = 3


MyEnum.__module__ = "test_identifier_stability"


def _xpmid(cls: type) -> type:
    cls.__xpmid__ = f"test.stability.{cls.__name__}"  # type: ignore[attr-defined]
    return cls


@_xpmid
class ConfigInt(Config):
    x: Param[int]


@_xpmid
class ConfigStr(Config):
    s: Param[str]


@_xpmid
class ConfigBool(Config):
    b: Param[bool]


@_xpmid
class ConfigFloat(Config):
    f: Param[float]


@_xpmid
class ConfigEnum(Config):
    e: Param[MyEnum]


@_xpmid
class ConfigList(Config):
    items: Param[list[int]]


@_xpmid
class ConfigDict(Config):
    mapping: Param[dict[str, int]]


@_xpmid
class ConfigSet(Config):
    items: Param[set[int]]


@_xpmid
class ConfigNestedList(Config):
    configs: Param[list[ConfigInt]]


@_xpmid
class ConfigNestedDict(Config):
    configs: Param[dict[str, ConfigInt]]


@_xpmid
class ConfigNestedSet(Config):
    configs: Param[set[ConfigInt]]


@_xpmid
class ConfigNested(Config):
    inner: Param[ConfigInt]


@_xpmid
class ConfigMultiNested(Config):
    a: Param[ConfigInt]
    b: Param[ConfigStr]
    c: Param[ConfigNested]


@_xpmid
class ConfigWithOption(Config):
    required: Param[int]
    optional: Option[int] = field(default=42, ignore_default=True)


@_xpmid
class ConfigWithDefault(Config):
    x: Param[int] = field(default=10, ignore_default=True)
    y: Param[int]


@_xpmid
class ConfigFieldDefault(Config):
    a: Param[int] = field(default=10)
    b: Param[int]


@_xpmid
class ConfigFieldDefaultIgnore(Config):
    a: Param[int] = field(default=10, ignore_default=True)
    b: Param[int]


@_xpmid
class ConfigFieldFactory(Config):
    a: Param[int] = field(default_factory=lambda: 10)
    b: Param[int]


@_xpmid
class ConfigFieldFactoryIgnore(Config):
    a: Param[int] = field(default_factory=lambda: 10, ignore_default=True)
    b: Param[int]


@_xpmid
class SimpleTask(Task):
    x: Param[int]


@_xpmid
class TaskWithConfig(Task):
    config: Param[ConfigInt]


@_xpmid
class TaskWithOutput(Task):
    value: Param[int]

    def task_outputs(self, dep: Any) -> ConfigInt:
        return ConfigInt.C(x=self.value)


@_xpmid
class MyLightweightTask(LightweightTask):
    param: Param[int]


@_xpmid
class CycleA(Config):
    b: Param[CycleB]


@_xpmid
class CycleB(Config):
    a: Param[CycleA]


@_xpmid
class SubModel(InstanceConfig):
    value: Param[int] = field(default=100, ignore_default=True)


@_xpmid
class ModelContainer(Config):
    m1: Param[SubModel]
    m2: Param[SubModel]


class DryRun:
    """A submitter that accepts every task and runs nothing (as in dry-run mode)."""

    def job_folder(self, task: Task) -> Path:
        return Path("/nonexistent/jobs") / str(task.__identifier__())

    def submit(self, task: Task, *, launcher: Any, outputs: Any) -> Any:
        return self
