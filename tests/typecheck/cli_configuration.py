"""Typing claims for `@configuration` classes and `forwardoption` (mypy only)."""

from __future__ import annotations

from typing import assert_type

import click
from xpm.cli import arguments, configuration, forwardoption, parse_filter
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
