"""The training task: mini-batch gradient descent on the cross-entropy."""

from __future__ import annotations

from pathlib import Path

from xpm.core import DependentMarker, Meta, Param, Task, pathgenerator, progress

from .data import Digits
from .model import MLP, LearnedModel


class Learn(Task):
    """Learn the weights of `model` on `data`; save them in the job folder."""

    model: Param[MLP]
    data: Param[Digits]
    lr: Param[float] = 0.1
    epochs: Param[int] = 20
    batch_size: Param[int] = 32
    weights: Meta[Path] = pathgenerator("weights.npz")
    """Where the weights go: a file of the job folder, not part of the identifier."""
    gpus: Meta[int] = 0
    """How the job runs, not what it computes: not part of the identifier either."""

    def execute(self) -> None:
        import numpy as np

        images, digits = self.data.arrays()
        weights = self.model.initial_weights()
        rng = np.random.default_rng(self.model.seed)
        for epoch in range(self.epochs):
            loss = 0.0
            batches = np.array_split(rng.permutation(len(digits)), len(digits) // self.batch_size)
            for batch in batches:
                loss += self.model.step(weights, images[batch], digits[batch], self.lr) * len(batch)
            print(f"epoch {epoch + 1}/{self.epochs}: loss {loss / len(digits):.4f}", flush=True)
            progress((epoch + 1) / self.epochs, desc="epochs")
        np.savez(self.weights, **weights)  # type: ignore[arg-type]

    def task_outputs(self, dep: DependentMarker) -> LearnedModel:
        return dep(LearnedModel.C(model=self.model, weights=self.weights))
