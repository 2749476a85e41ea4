"""The dataset: scikit-learn's handwritten digits, shipped inside its wheel."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from xpm.core import Config, Param

if TYPE_CHECKING:
    import numpy as np


class Digits(Config):
    """8x8 images of handwritten digits (1,797 of them), split once into train and test."""

    split: Param[Literal["train", "test"]]
    test_fraction: Param[float] = 0.25
    seed: Param[int] = 0
    """Seeds the shuffle that makes the split: both splits must use the same."""

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """Pixels scaled to [0, 1] (one row per image) and the digit of each image."""
        import numpy as np
        from sklearn.datasets import load_digits  # type: ignore[import-untyped]

        images, digits = load_digits(return_X_y=True)
        order = np.random.default_rng(self.seed).permutation(len(digits))
        n_test = int(len(digits) * self.test_fraction)
        rows = order[:n_test] if self.split == "test" else order[n_test:]
        return images[rows] / 16.0, digits[rows]
