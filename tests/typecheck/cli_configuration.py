"""Typing claims for `@configuration` classes and `forwardoption` (mypy only)."""

from __future__ import annotations

from typing import assert_type

import click
from xpm.cli import (
    GenericParams,
    GridSearch,
    arguments,
    configuration,
    forwardoption,
    generate_grid,
    parse_filter,
)
from xpm.core import Config, Param


@configuration
class Optimizer:
    name: str
    lr: float = 0.1


optimizer = Optimizer(name="adamw", lr=1.0)
assert_type(optimizer.lr, float)
assert_type(optimizer.name, str)

Optimizer(lr=1.0)  # type: ignore[call-arg]
Optimizer("adamw")  # type: ignore[call-arg]
Optimizer(name=3)  # type: ignore[arg-type]


class Learner(Config):
    epochs: Param[int] = 10


@click.command()
@forwardoption(arguments(Learner).epochs)
@forwardoption.epochs(Learner, "--n")
def train(epochs: int, n: int) -> None:
    """Train."""


assert_type(train, click.Command)
assert_type(parse_filter("a = 1")({}, {}), bool)


@configuration
class Sweep:
    lr: GridSearch[float] = 0.1


sweep = Sweep(lr=GenericParams((0.1, 0.01)))
assert_type(sweep.lr, float | GenericParams)
configs, tags = generate_grid(sweep)
assert_type(configs, list[Sweep])
Sweep(lr="fast")  # type: ignore[arg-type]
