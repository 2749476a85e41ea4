"""The reference documentation's experiment, runnable: learn a model per layer count.

Run it from this folder with `xpm run-experiment --run-mode dry-run debug.yaml` (or
`generate`, or `normal`). The tasks are tiny stand-ins for real training code.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

from xpm.cli import ExperimentHelper, configuration
from xpm.core import Config, Meta, Param, Task, pathgenerator, tag, tagspath


@configuration
class Configuration:
    """The keys of debug.yaml."""

    epochs: int
    n_layers: list[int]
    lr: float = 1e-4


class Adam(Config):
    """The optimizer."""

    lr: Param[float] = 1e-3


class AwesomeModel(Config):
    """A model with some layers."""

    layers: Param[int] = 2


class LearnedModel(Config):
    """A model and the parameters a `Learner` job learned for it."""

    model: Param[AwesomeModel]
    parameters: Param[Path]


class Learner(Task):
    """Learn the model; save its parameters in the job folder."""

    model: Param[AwesomeModel]
    optimizer: Param[Adam]
    epochs: Param[int] = 10
    parameters: Annotated[Path, pathgenerator("parameters.json")]
    gpus: Meta[int] = 0

    def execute(self) -> None:
        weights = [self.optimizer.lr * self.epochs * i for i in range(self.model.layers)]
        self.parameters.write_text(json.dumps({"weights": weights}))
        print(f"learned {self.model.layers} layers for {self.epochs} epochs")

    def task_outputs(self, dep: Callable[[Any], Any]) -> LearnedModel:
        return dep(LearnedModel.C(model=self.model, parameters=self.parameters))  # type: ignore[no-any-return]


class Evaluate(Task):
    """Score a learned model; write metrics.json in the job folder."""

    model: Param[LearnedModel]

    def execute(self) -> None:
        weights = json.loads(self.model.parameters.read_text())["weights"]
        Path("metrics.json").write_text(json.dumps({"score": sum(weights)}))


def run(helper: ExperimentHelper, cfg: Configuration) -> None:
    """Learn one model per layer count, then evaluate each."""
    optimizer = Adam.C(lr=cfg.lr)
    learned = {}
    for n_layers in cfg.n_layers:
        model = AwesomeModel.C(layers=tag(n_layers))
        learner = Learner.C(model=model, optimizer=optimizer, epochs=cfg.epochs)
        learned_model = learner.submit()
        learned[tagspath(learner)] = learned_model
        Evaluate.C(model=learned_model).submit()
    print(f"{len(learned)} models in {helper.xp.name} ({helper.run_mode}): {', '.join(learned)}")
