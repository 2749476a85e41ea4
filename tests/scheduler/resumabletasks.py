"""Resumable tasks for the scheduler tests (issue 15)."""

from __future__ import annotations

from pathlib import Path

from xpm.core import GracefulTimeout, Meta, Param, ResumableTask, current_job

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
