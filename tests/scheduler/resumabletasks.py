"""A resumable task for the scheduler tests (a module of its own: it needs xpm.core's
ResumableTask, issue 15, which other task modules must not depend on yet)."""

from __future__ import annotations

from pathlib import Path

from xpm.core import GracefulTimeout, Meta, Param, ResumableTask, current_job  # type: ignore[attr-defined]

from .xpmtasks import record


class Checkpointed(ResumableTask):  # type: ignore[misc]
    """Stops gracefully on its first attempt, succeeds on the second."""

    x: Param[int]
    log: Meta[Path]

    def execute(self) -> None:
        job = current_job()
        assert job is not None
        attempt = job.attempt  # type: ignore[attr-defined]
        record(self.log, attempt=attempt)
        print(f"attempt {attempt}")
        if attempt == 1:
            raise GracefulTimeout("checkpoint written, stopping before the time limit")
