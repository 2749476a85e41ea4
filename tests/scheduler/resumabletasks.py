"""Resumable tasks for the scheduler tests (issue 15)."""

from __future__ import annotations

import json
import time
from pathlib import Path

from xpm.core import GracefulTimeout, Meta, Param, ResumableTask, Task, current_job

from .xpmtasks import record


class Checkpointed(ResumableTask):
    """Stops gracefully on its first attempt, succeeds on the second."""

    x: Param[int]
    log: Meta[Path]

    def execute(self) -> None:
        job = current_job()
        assert job is not None
        attempt = job.attempt
        record(self.log, attempt=attempt)
        print(f"attempt {attempt}")
        if attempt == 1:
            raise GracefulTimeout("checkpoint written, stopping before the time limit")


class Trainer(ResumableTask):
    """Counts `steps` steps of `step` seconds, checkpointing each in `state.json`.

    When the launcher warns that the time limit is near it exits with `exit_code`
    (checkpoint written), unless `ignore_warning`: then the limit's SIGTERM ends it.
    With `finish_on_resume`, an attempt that finds a checkpoint ends at once.
    """

    steps: Param[int]
    step: Meta[float] = 0.2
    log: Meta[Path]
    ignore_warning: Meta[bool] = False
    exit_code: Meta[int] = 3
    finish_on_resume: Meta[bool] = False

    def execute(self) -> None:
        job = current_job()
        assert job is not None
        state = self.__taskdir__ / "state.json"
        done = json.loads(state.read_text())["done"] if state.exists() else 0
        record(self.log, attempt=job.attempt, resumed_at=done, remaining=self.remaining_time())
        print(f"attempt {job.attempt} from step {done}", flush=True)
        if done and self.finish_on_resume:
            done = self.steps
        while done < self.steps:
            if self.stop_requested() and not self.ignore_warning:
                record(self.log, attempt=job.attempt, stopped_at=done)
                raise SystemExit(self.exit_code)
            time.sleep(self.step)
            done += 1
            state.write_text(json.dumps({"done": done}))
        record(self.log, attempt=job.attempt, finished=True)


class Flaky(Task):
    """Fails on its first `failures` attempts (a plain task, not resumable)."""

    failures: Param[int]
    log: Meta[Path]
    sleep: Meta[float] = 0.0

    def execute(self) -> None:
        job = current_job()
        assert job is not None
        record(self.log, attempt=job.attempt)
        time.sleep(self.sleep)
        if job.attempt <= self.failures:
            raise ValueError(f"attempt {job.attempt} fails")
