"""The benchmark's job: train one task's model with one optimizer and one seed."""

from __future__ import annotations

import json
import math
from pathlib import Path

from xpm.core import Meta, Param, Task, pathgenerator, progress

from .optimizers import Optimizer
from .tasks import Problem


class Train(Task):
    """Mini-batch training; `metrics.json` gets every metric of every epoch.

    A training whose loss stops being finite ends there, `"diverged": true`; choosing
    the best epoch is left to the report, so changing the target metric runs nothing
    again.
    """

    problem: Param[Problem]
    optimizer: Param[Optimizer]
    batch_size: Param[int]
    max_epochs: Param[int]
    seed: Param[int]
    metrics: Meta[Path] = pathgenerator("metrics.json")

    def execute(self) -> None:
        import numpy as np

        splits = self.problem.splits()
        model = self.problem.model()
        rng = np.random.default_rng(self.seed)
        params = model.init(rng)
        updater = self.optimizer.updater()
        x, y = splits["train"]
        history: list[dict[str, float]] = []
        diverged = False
        with np.errstate(all="ignore"):
            for epoch in range(1, self.max_epochs + 1):
                losses = []
                order = rng.permutation(len(x))
                for start in range(0, len(x), self.batch_size):
                    rows = order[start : start + self.batch_size]
                    loss, grads = model.loss_and_grads(params, x[rows], y[rows])
                    updater.step(params, grads)
                    losses.append(loss)
                row = {"epoch": epoch, "train_loss": float(np.mean(losses))}
                for name in ("val", "test"):
                    for metric, value in model.metrics(params, *splits[name]).items():
                        row[f"{name}_{metric}"] = value
                if not all(math.isfinite(v) for v in row.values()):
                    diverged = True
                    break
                history.append(row)
                progress(epoch / self.max_epochs, desc=f"epoch {epoch}")
        self.metrics.write_text(json.dumps({"diverged": diverged, "history": history}, indent=1))
        last = history[-1] if history else {}
        print(f"{len(history)} epochs, diverged: {diverged}, last: {last}")
