"""moons: two interleaved, noisy half circles in the plane; two classes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from xpm.cli import configuration
from xpm.core import Param

from .. import CLASSIFICATION_METRICS, Problem, TaskSettings, split

if TYPE_CHECKING:
    from ...models import Model
    from .. import Splits


@configuration
class MoonsSettings(TaskSettings):
    """The `task:` section of moons."""

    samples: int
    noise: float
    """Standard deviation of the Gaussian noise added to each point."""
    hidden: int


class Moons(Problem):
    """Points drawn with a fixed seed, so every job sees the same data, split 60/20/20."""

    samples: Param[int]
    noise: Param[float]
    hidden: Param[int]

    def metric_names(self) -> list[str]:
        return CLASSIFICATION_METRICS

    def splits(self) -> Splits:
        import numpy as np

        rng = np.random.default_rng(1234)
        labels = np.arange(self.samples) % 2
        angles = rng.uniform(0.0, np.pi, self.samples)
        x = np.stack(
            [np.cos(angles) + labels, np.sin(angles) * (1 - 2 * labels) + 0.5 * labels], axis=1
        )
        x = x + rng.normal(0.0, self.noise, x.shape)
        return split(x, labels.astype(float), (0.2, 0.2), seed=0)

    def model(self) -> Model:
        from ...models import Classifier

        return Classifier(2, self.hidden, 2)


def problem(settings: MoonsSettings) -> Moons:
    """The configuration a training job receives."""
    return Moons.C(samples=settings.samples, noise=settings.noise, hidden=settings.hidden)
