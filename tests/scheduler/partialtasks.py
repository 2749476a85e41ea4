"""Tasks sharing a partial folder, for tests/scheduler/test_partials.py (job processes
import them from here)."""

from __future__ import annotations

import time
from pathlib import Path

from xpm.core import Meta, Param, PathGenerator, Task, field, param_group, partial

from .xpmtasks import record

ITERATIONS = param_group("iterations")


class Resume(Task):
    """Writes in its partial folder for `seconds`, logging when it starts and ends."""

    __xpmid__ = "tests.partials.resume"
    checkpoints = partial(exclude_groups=[ITERATIONS])
    epochs: Param[int] = field(groups=[ITERATIONS])
    lr: Param[float] = 0.1
    log: Meta[Path]
    seconds: Meta[float] = 0.5
    folder: Meta[Path] = field(default_factory=PathGenerator("ckpt", partial=checkpoints))

    def execute(self) -> None:
        record(self.log, event="start", epochs=self.epochs)
        self.folder.mkdir(exist_ok=True)
        (self.folder / f"{self.epochs}.txt").write_text("saved")
        time.sleep(self.seconds)
        record(self.log, event="end", epochs=self.epochs)
