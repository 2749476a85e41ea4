"""sgd: plain stochastic gradient descent, with L2 weight decay."""

from __future__ import annotations

from typing import TYPE_CHECKING

from xpm.cli import configuration

from .. import Optimizer, OptimizerSettings

if TYPE_CHECKING:
    from ...models import Params


@configuration
class SGDSettings(OptimizerSettings):
    """The `optimizer:` section of sgd."""


class SGD(Optimizer):
    """p <- p - lr * (g + wd * p)."""

    def updater(self) -> SGDUpdater:
        return SGDUpdater(self.learning_rate, self.weight_decay)


class SGDUpdater:
    """SGD has no state."""

    def __init__(self, lr: float, wd: float) -> None:
        self.lr, self.wd = lr, wd

    def step(self, params: Params, grads: Params) -> None:
        for name, grad in grads.items():
            params[name] -= self.lr * (grad + self.wd * params[name])


def optimizer(settings: SGDSettings) -> SGD:
    """The configuration a training job receives."""
    return SGD.C(learning_rate=settings.learning_rate, weight_decay=settings.weight_decay)
