"""Optimizers in numpy: one sub-package per optimizer, each with its `default.yaml`.

An optimizer package defines `Settings`, the `@configuration` class of its
`optimizer:` section (the common keys below plus its own), and `optimizer(settings)`,
which returns the `Optimizer` configuration a training job receives.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from xpm.cli import configuration
from xpm.core import Config, Param

if TYPE_CHECKING:
    from ..models import Params


@configuration
class OptimizerSettings:
    """The keys every optimizer's `optimizer:` section has."""

    name: str
    """The optimizer's folder name."""
    learning_rate: float
    weight_decay: float = 0.0


class Updater(Protocol):
    """An optimizer's state during one training."""

    def step(self, params: Params, grads: Params) -> None:
        """Update `params` in place from their gradients."""
        ...


class Optimizer(Config):
    """An optimizer, as a training job receives it."""

    learning_rate: Param[float]
    weight_decay: Param[float]

    def updater(self) -> Updater:
        """Return a fresh state for one training."""
        raise NotImplementedError
