"""Benchmark tasks: one sub-package per task, each with its `default.yaml` and README.

A task package defines `Settings`, the `@configuration` class of its `task:` section
(the common keys below plus its own), and `problem(settings)`, which returns the
`Problem` configuration a training job receives. "Problem" keeps the benchmark's tasks
apart from xpm's `Task`, the job.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from xpm.cli import configuration
from xpm.core import Config

if TYPE_CHECKING:
    from ..models import Array, Model

    Splits = dict[str, tuple[Array, Array]]


@configuration
class TaskSettings:
    """The keys every task's `task:` section has."""

    name: str
    """The task's folder name."""
    batch_size: int
    max_epochs: int
    target_metric: str
    """The validation metric that picks the best epoch, such as `val_acc`."""
    target_metric_mode: Literal["min", "max"]


class Problem(Config):
    """A task's data and model, as a training job receives them."""

    def metric_names(self) -> list[str]:
        """The metrics each epoch reports, such as `val_acc` or `test_loss`."""
        raise NotImplementedError

    def splits(self) -> Splits:
        """Return the `train`, `val` and `test` inputs and targets (numpy arrays)."""
        raise NotImplementedError

    def model(self) -> Model:
        """Return the model to train."""
        raise NotImplementedError


CLASSIFICATION_METRICS = ["train_loss", "val_loss", "val_acc", "test_loss", "test_acc"]
REGRESSION_METRICS = ["train_loss", "val_loss", "val_r2", "test_loss", "test_r2"]


def split(x: Array, y: Array, fractions: tuple[float, float], seed: int) -> Splits:
    """Shuffle the examples with `seed`; give `fractions` to val and test, the rest to train."""
    import numpy as np

    order = np.random.default_rng(seed).permutation(len(x))
    n_val, n_test = (round(f * len(x)) for f in fractions)
    parts = {
        "val": order[:n_val],
        "test": order[n_val : n_val + n_test],
        "train": order[n_val + n_test :],
    }
    return {name: (x[rows], y[rows]) for name, rows in parts.items()}
