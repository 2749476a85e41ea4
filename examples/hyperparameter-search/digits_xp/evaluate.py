"""The evaluation task: accuracy of a learned model on the test split."""

from __future__ import annotations

import json
from pathlib import Path

from xpm.core import Meta, Param, Task, pathgenerator

from .data import Digits
from .model import LearnedModel


class Evaluate(Task):
    """Score a learned model; write metrics.json in the job folder."""

    model: Param[LearnedModel]
    data: Param[Digits]
    metrics: Meta[Path] = pathgenerator("metrics.json")

    def execute(self) -> None:
        images, digits = self.data.arrays()
        accuracy = float((self.model.predict(images) == digits).mean())
        self.metrics.write_text(json.dumps({"accuracy": accuracy, "images": len(digits)}))
        print(f"accuracy {accuracy:.4f} on {len(digits)} test images")

    def accuracy(self) -> float:
        """The accuracy the job wrote (once it is done)."""
        return float(json.loads(self.metrics.read_text())["accuracy"])
