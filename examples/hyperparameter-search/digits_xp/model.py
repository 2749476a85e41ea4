"""The model: a multi-layer perceptron with one hidden layer, in numpy."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from xpm.core import Config, Param

if TYPE_CHECKING:
    import numpy as np

Weights = dict[str, "np.ndarray"]


class MLP(Config):
    """64 pixels -> `hidden` ReLU units -> 10 digit scores."""

    hidden: Param[int] = 32
    """Width of the hidden layer."""

    seed: Param[int] = 0
    """Seeds the initial weights."""

    def initial_weights(self) -> Weights:
        import numpy as np

        rng = np.random.default_rng(self.seed)
        return {
            "w1": rng.normal(0, (2 / 64) ** 0.5, (64, self.hidden)),
            "b1": np.zeros(self.hidden),
            "w2": rng.normal(0, (1 / self.hidden) ** 0.5, (self.hidden, 10)),
            "b2": np.zeros(10),
        }

    def scores(self, weights: Weights, images: np.ndarray) -> np.ndarray:
        hidden = (images @ weights["w1"] + weights["b1"]).clip(min=0)
        return hidden @ weights["w2"] + weights["b2"]

    def step(self, weights: Weights, images: np.ndarray, digits: np.ndarray, lr: float) -> float:
        """One gradient step on the cross-entropy of a batch; returns the batch's mean loss."""
        import numpy as np

        pre = images @ weights["w1"] + weights["b1"]
        hidden = pre.clip(min=0)
        scores = hidden @ weights["w2"] + weights["b2"]
        probabilities = np.exp(scores - scores.max(axis=1, keepdims=True))
        probabilities /= probabilities.sum(axis=1, keepdims=True)
        rows = np.arange(len(digits))
        loss = float(-np.log(probabilities[rows, digits] + 1e-12).mean())
        d_scores = probabilities
        d_scores[rows, digits] -= 1
        d_scores /= len(digits)
        d_hidden = (d_scores @ weights["w2"].T) * (pre > 0)
        weights["w2"] -= lr * hidden.T @ d_scores
        weights["b2"] -= lr * d_scores.sum(axis=0)
        weights["w1"] -= lr * images.T @ d_hidden
        weights["b1"] -= lr * d_hidden.sum(axis=0)
        return loss


class LearnedModel(Config):
    """A model and the weights a `Learn` job wrote: what evaluations depend on."""

    model: Param[MLP]
    weights: Param[Path]

    def predict(self, images: np.ndarray) -> np.ndarray:
        """The most likely digit of each image."""
        import numpy as np

        with np.load(self.weights) as stored:
            weights = dict(stored)
        return self.model.scores(weights, images).argmax(axis=1)  # type: ignore[no-any-return]
