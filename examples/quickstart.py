"""A first xpm experiment: a small hyper-parameter grid, trained and evaluated as jobs.

Run it with `python examples/quickstart.py` once xpm is installed (README.md, Install).
Jobs go to the workspace named by `XPM_WORKDIR`, by default `~/.local/share/xpm/workspace`.
Run it twice: the second run finds every job done and computes nothing.
"""

from __future__ import annotations

import json
import math
import os
import random
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

from xpm.core import Config, Meta, Param, Task, pathgenerator, progress, tag, tagspath
from xpm.scheduler import experiment


class Dataset(Config):
    """Points of two noisy, interleaved half-moons (a classic toy classification task)."""

    size: Param[int] = 200
    noise: Param[float] = 0.2
    seed: Param[int] = 0

    def points(self) -> list[tuple[float, float, int]]:
        rng = random.Random(self.seed)
        data = []
        for i in range(self.size):
            label = i % 2
            angle = rng.uniform(0, math.pi)
            x = math.cos(angle) + (1 if label else 0) + rng.gauss(0, self.noise)
            y = math.sin(angle) * (-1 if label else 1) + 0.5 * label + rng.gauss(0, self.noise)
            data.append((x, y, label))
        return data


class Features(Config):
    """Random Fourier features: enough to separate the moons with a linear model."""

    width: Param[int] = 16
    seed: Param[int] = 1

    def encode(self, x: float, y: float) -> list[float]:
        rng = random.Random(self.seed)
        return [
            math.cos(rng.gauss(0, 2) * x + rng.gauss(0, 2) * y + rng.uniform(0, 6.3))
            for _ in range(self.width)
        ] + [1.0]


class LearnedModel(Config):
    """Features with the weights a `Learn` job wrote."""

    features: Param[Features]
    weights: Param[Path]

    def predict(self, x: float, y: float) -> int:
        w = json.loads(self.weights.read_text())
        score = sum(a * b for a, b in zip(w, self.features.encode(x, y), strict=True))
        return int(score > 0)


class Learn(Task):
    """Logistic regression by stochastic gradient descent."""

    data: Param[Dataset]
    features: Param[Features]
    lr: Param[float] = 0.1
    epochs: Param[int] = 20
    weights: Annotated[Path, pathgenerator("weights.json")]
    workers: Meta[int] = 1
    """Does not change the result, so not part of the identifier."""

    def execute(self) -> None:
        rng = random.Random(0)
        points = self.data.points()
        w = [0.0] * (self.features.width + 1)
        for epoch in range(self.epochs):
            rng.shuffle(points)
            for x, y, label in points:
                f = self.features.encode(x, y)
                z = max(-30.0, min(30.0, sum(a * b for a, b in zip(w, f, strict=True))))
                g = 1 / (1 + math.exp(-z)) - label
                w = [wi - self.lr * g * fi for wi, fi in zip(w, f, strict=True)]
            progress((epoch + 1) / self.epochs, desc="learn")
        self.weights.write_text(json.dumps(w))

    def task_outputs(self, dep: Callable[[LearnedModel], LearnedModel]) -> LearnedModel:
        return dep(LearnedModel.C(features=self.features, weights=self.weights))


class Evaluate(Task):
    """Accuracy of a learned model on fresh data; written to metrics.json."""

    model: Param[LearnedModel]
    data: Param[Dataset]

    def execute(self) -> None:
        points = self.data.points()
        correct = sum(self.model.predict(x, y) == label for x, y, label in points)
        Path("metrics.json").write_text(json.dumps({"accuracy": correct / len(points)}))


def main() -> None:
    workdir = Path(os.environ.get("XPM_WORKDIR", "~/.local/share/xpm/workspace")).expanduser()
    train, test = Dataset.C(seed=0), Dataset.C(seed=1)
    evaluations = {}
    with experiment(workdir, "quickstart") as xp:
        for width in (4, 16, 64):
            for lr in (0.01, 0.1):
                learn = Learn.C(data=train, features=Features.C(width=tag(width)), lr=tag(lr))
                model = learn.submit()
                evaluations[tagspath(learn)] = Evaluate.C(model=model, data=test).submit()
    print(f"\n{'tags':<20} accuracy   job folder (in {workdir})")
    for tags, evaluation in evaluations.items():
        accuracy = json.loads((evaluation.jobpath / "metrics.json").read_text())["accuracy"]
        print(f"{tags:<20} {accuracy:8.1%}   {evaluation.jobpath.relative_to(workdir)}")
    print(f"\nExperiment runs are recorded in {xp.workdir / 'experiments' / xp.name}")
    print("See the jobs with `xpm jobs list --tags`, or in a browser with `xpm monitor`.")


if __name__ == "__main__":
    main()
