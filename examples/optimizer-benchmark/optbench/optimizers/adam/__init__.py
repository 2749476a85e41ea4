"""adam: Adam with decoupled weight decay (AdamW)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from xpm.cli import configuration
from xpm.core import Param

from .. import Optimizer, OptimizerSettings

if TYPE_CHECKING:
    from ...models import Params


@configuration
class AdamSettings(OptimizerSettings):
    """The `optimizer:` section of adam."""

    beta1: float
    beta2: float
    eps: float

    def __post_init__(self) -> None:
        for beta in (self.beta1, self.beta2):
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"beta1 and beta2 must be in [0, 1), got {beta}")


class Adam(Optimizer):
    """Moment estimates of the gradient and its square, corrected for their zero start."""

    beta1: Param[float]
    beta2: Param[float]
    eps: Param[float]

    def updater(self) -> AdamUpdater:
        return AdamUpdater(self)


class AdamUpdater:
    """First and second moments per parameter, and the step count."""

    def __init__(self, config: Adam) -> None:
        self.config = config
        self.m: Params = {}
        self.v: Params = {}
        self.t = 0

    def step(self, params: Params, grads: Params) -> None:
        c = self.config
        self.t += 1
        for name, grad in grads.items():
            m = self.m[name] = c.beta1 * self.m.get(name, 0.0) + (1 - c.beta1) * grad
            v = self.v[name] = c.beta2 * self.v.get(name, 0.0) + (1 - c.beta2) * grad**2
            m_hat = m / (1 - c.beta1**self.t)
            v_hat = v / (1 - c.beta2**self.t)
            params[name] -= c.learning_rate * (m_hat / (v_hat**0.5 + c.eps))
            params[name] -= c.learning_rate * c.weight_decay * params[name]


def optimizer(settings: AdamSettings) -> Adam:
    """The configuration a training job receives."""
    return Adam.C(
        learning_rate=settings.learning_rate,
        weight_decay=settings.weight_decay,
        beta1=settings.beta1,
        beta2=settings.beta2,
        eps=settings.eps,
    )
