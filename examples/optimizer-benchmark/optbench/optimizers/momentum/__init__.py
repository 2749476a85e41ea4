"""momentum: SGD with heavy-ball or Nesterov momentum, with L2 weight decay."""

from __future__ import annotations

from typing import TYPE_CHECKING

from xpm.cli import configuration
from xpm.core import Param

from .. import Optimizer, OptimizerSettings

if TYPE_CHECKING:
    from ...models import Params


@configuration
class MomentumSettings(OptimizerSettings):
    """The `optimizer:` section of momentum."""

    momentum: float
    nesterov: bool = False


class Momentum(Optimizer):
    """v <- mu * v + g + wd * p; p <- p - lr * v (or lr * (g + mu * v) with Nesterov)."""

    momentum: Param[float]
    nesterov: Param[bool]

    def updater(self) -> MomentumUpdater:
        return MomentumUpdater(self)


class MomentumUpdater:
    """One velocity per parameter."""

    def __init__(self, config: Momentum) -> None:
        self.config = config
        self.velocity: Params = {}

    def step(self, params: Params, grads: Params) -> None:
        c = self.config
        for name, grad in grads.items():
            grad = grad + c.weight_decay * params[name]
            v = self.velocity[name] = c.momentum * self.velocity.get(name, 0.0) + grad
            params[name] -= c.learning_rate * (grad + c.momentum * v if c.nesterov else v)


def optimizer(settings: MomentumSettings) -> Momentum:
    """The configuration a training job receives."""
    return Momentum.C(
        learning_rate=settings.learning_rate,
        weight_decay=settings.weight_decay,
        momentum=settings.momentum,
        nesterov=settings.nesterov,
    )
