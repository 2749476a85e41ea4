"""The benchmark's layered settings: for each (task, optimizer) pair, the task's
`default.yaml`, then the optimizer's, then the user's file and `-c` options, each
winning over the ones before.

Every value keeps the file and line that wrote it (xpm.cli's `Located`), so a wrong
value is reported there, whichever layer it comes from.
"""

from __future__ import annotations

import difflib
import importlib
import typing
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from xpm.cli import (
    ConfigurationError,
    Located,
    Source,
    configuration,
    load_configuration,
    merge_layers,
)

from .optimizers import Optimizer, OptimizerSettings
from .tasks import Problem, TaskSettings

HERE = Path(__file__).parent
USER_SECTIONS = ("task", "optimizer", "evaluation")


@configuration
class Plot:
    """How the heatmap shows a task's results."""

    metric: str
    """The metric shown, at the epoch the task's target metric picks (`test_acc`)."""
    format: str = ".3f"
    """A Python format specification for the values."""
    limits: list[float] | None = None
    """The values at the two ends of the colour scale; by default, the values' range."""

    def __post_init__(self) -> None:
        try:
            format(0.5, self.format)
        except ValueError:
            raise ValueError(f"format {self.format!r} cannot format a number") from None
        if self.limits is not None and (len(self.limits) != 2 or self.limits[0] >= self.limits[1]):
            raise ValueError(f"limits must be [low, high] with low < high, got {self.limits}")


@configuration
class Evaluation:
    """The `evaluation:` section."""

    plot: Plot


@configuration
class Settings:
    """Everything a (task, optimizer) pair runs with, once its layers are merged."""

    task: TaskSettings
    optimizer: OptimizerSettings
    evaluation: Evaluation


@dataclass(frozen=True)
class Pair:
    """A (task, optimizer) pair: its merged settings and the configurations they give."""

    task: str
    optimizer: str
    settings: Settings
    problem: Problem
    optimizer_config: Optimizer


def available(kind: str) -> list[str]:
    """The names of the tasks (`kind` "tasks") or optimizers: folders with a default.yaml."""
    return sorted(p.parent.name for p in (HERE / kind).glob("*/default.yaml"))


def pairs(user: Located, tasks: Sequence[str], optimizers: Sequence[str]) -> list[Pair]:
    """Return the settings of every (task, optimizer) pair, tasks first.

    `user` is the user's configuration tree (`helper.configuration`): its `tasks` and
    `optimizers` lists locate unknown names, and its `task`, `optimizer` and
    `evaluation` sections are the top layer.

    Raises:
        ConfigurationError: an unknown task or optimizer, or a value that does not fit,
            named at the file and line (or `-c` option) that wrote it.
    """
    assert isinstance(user.value, dict)
    top = Located({k: v for k, v in user.value.items() if k in USER_SECTIONS}, user.source)
    task_modules = [_package("tasks", name, user, i) for i, name in enumerate(tasks)]
    optimizer_modules = [_package("optimizers", name, user, i) for i, name in enumerate(optimizers)]
    return [
        _pair(task, task_module, optimizer, optimizer_module, top)
        for task, task_module in zip(tasks, task_modules, strict=True)
        for optimizer, optimizer_module in zip(optimizers, optimizer_modules, strict=True)
    ]


def _package(kind: str, name: str, user: Located, index: int) -> ModuleType:
    known = available(kind)
    if name not in known:
        key = "tasks" if kind == "tasks" else "optimizers"
        entry = _at(user, key, index)
        raise ConfigurationError(
            f"no {kind[:-1]} {name!r} in {HERE.name}/{kind} (known: {', '.join(known)})",
            source=entry.source if entry else user.source,
            path=f"{key}[{index}]",
            suggestions=difflib.get_close_matches(name, known, n=3),
        )
    return importlib.import_module(f"{__package__}.{kind}.{name}")


def _at(tree: Located | None, *keys: str | int) -> Located | None:
    """The node at `keys` in `tree`, if there is one."""
    for key in keys:
        if tree is None:
            return None
        value = tree.value
        if isinstance(key, int) and isinstance(value, list) and key < len(value):
            tree = value[key]
        elif isinstance(key, str) and isinstance(value, dict):
            tree = value.get(key)
        else:
            return None
    return tree


def _pair(
    task: str, task_module: ModuleType, optimizer: str, optimizer_module: ModuleType, top: Located
) -> Pair:
    tree = merge_layers(
        HERE / "tasks" / task / "default.yaml",
        HERE / "optimizers" / optimizer / "default.yaml",
        top,
    )
    cls = _settings_class(_section(task_module.problem), _section(optimizer_module.optimizer))
    settings: Settings = load_configuration(cls, tree)
    problem: Problem = task_module.problem(settings.task)
    _check(tree, ("task", "name"), settings.task.name, [task], "its folder's name")
    _check(tree, ("optimizer", "name"), settings.optimizer.name, [optimizer], "its folder's name")
    metrics = problem.metric_names()
    _check(tree, ("task", "target_metric"), settings.task.target_metric, metrics, "a metric")
    _check(tree, ("evaluation", "plot", "metric"), settings.evaluation.plot.metric, metrics,
           "a metric")  # fmt: skip
    return Pair(task, optimizer, settings, problem, optimizer_module.optimizer(settings.optimizer))


def _section(factory: Any) -> type:
    """The `@configuration` class of a section: the type of its factory's parameter."""
    hints = typing.get_type_hints(factory)
    return next(value for key, value in hints.items() if key != "return")  # type: ignore[no-any-return]


def _settings_class(task: type, optimizer: type) -> type[Settings]:
    """`Settings`, with the task's and the optimizer's own section classes."""
    namespace = {
        "__annotations__": {"task": task, "optimizer": optimizer},
        "__module__": __name__,
        "__doc__": Settings.__doc__,
    }
    return configuration(type("Settings", (Settings,), namespace))


def _check(tree: Located, keys: tuple[str, ...], value: str, allowed: list[str], what: str) -> None:
    if value in allowed:
        return
    node = _at(tree, *keys)
    raise ConfigurationError(
        f"{value!r} is not {what} ({', '.join(allowed)})",
        source=node.source if node else Source(str(HERE)),
        path=".".join(keys),
        suggestions=difflib.get_close_matches(value, allowed, n=3),
    )
