"""digits: 8x8 images of handwritten digits (scikit-learn's bundled copy), ten classes."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from xpm.cli import configuration
from xpm.core import Param, cache

from .. import CLASSIFICATION_METRICS, Problem, TaskSettings, split

if TYPE_CHECKING:
    from ...models import Array, Model
    from .. import Splits


@configuration
class DigitsSettings(TaskSettings):
    """The `task:` section of digits."""

    hidden: int
    """Units of the hidden layer."""


class Digits(Problem):
    """1797 images, 64 grey levels each, split 70/15/15 (the same split for every job)."""

    hidden: Param[int]

    def metric_names(self) -> list[str]:
        return CLASSIFICATION_METRICS

    @cache("digits.npz")
    def _arrays(self, path: Path) -> tuple[Array, Array]:
        # scikit-learn takes seconds to import: the first job saves the arrays for the others.
        import numpy as np

        if not path.exists():
            from sklearn.datasets import load_digits  # type: ignore[import-untyped]

            digits = load_digits()
            temporary = path.with_name(f".{path.name}.tmp.npz")
            np.savez(temporary, x=digits.data / 16.0, y=digits.target.astype(float))
            temporary.replace(path)
        with np.load(path) as arrays:
            return arrays["x"], arrays["y"]

    def splits(self) -> Splits:
        x, y = self._arrays()
        return split(x, y, (0.15, 0.15), seed=0)

    def model(self) -> Model:
        from ...models import Classifier

        return Classifier(64, self.hidden, 10)


def problem(settings: DigitsSettings) -> Digits:
    """The configuration a training job receives."""
    return Digits.C(hidden=settings.hidden)
