"""regression: least squares on features of very different scales (ill-conditioned)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from xpm.cli import configuration
from xpm.core import Param

from .. import REGRESSION_METRICS, Problem, TaskSettings, split

if TYPE_CHECKING:
    from ...models import Model
    from .. import Splits


@configuration
class RegressionSettings(TaskSettings):
    """The `task:` section of regression."""

    samples: int
    features: int
    condition: float
    """Ratio of the largest feature scale to the smallest."""
    noise: float


class Regression(Problem):
    """y = x.w + noise, where feature i has scale condition**(-i / (features - 1))."""

    samples: Param[int]
    features: Param[int]
    condition: Param[float]
    noise: Param[float]

    def metric_names(self) -> list[str]:
        return REGRESSION_METRICS

    def splits(self) -> Splits:
        import numpy as np

        rng = np.random.default_rng(4321)
        scales = self.condition ** -np.linspace(0.0, 1.0, self.features)
        x = rng.normal(0.0, 1.0, (self.samples, self.features)) * scales
        w = rng.normal(0.0, 1.0, self.features)
        y = x @ w + rng.normal(0.0, self.noise, self.samples)
        return split(x, y, (0.2, 0.2), seed=0)

    def model(self) -> Model:
        from ...models import LeastSquares

        return LeastSquares(self.features)


def problem(settings: RegressionSettings) -> Regression:
    """The configuration a training job receives."""
    return Regression.C(
        samples=settings.samples,
        features=settings.features,
        condition=settings.condition,
        noise=settings.noise,
    )
