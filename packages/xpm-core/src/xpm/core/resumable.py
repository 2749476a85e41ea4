"""Tasks that continue from their own checkpoints: `ResumableTask`, `GracefulTimeout`.

A resumable task's job folder is kept between attempts; when an attempt ends by the
time limit (or the launcher's warning before it), by preemption or by a node failure,
the scheduler submits the job again and the task picks up where its checkpoint left it.
`current_job().attempt` tells which attempt runs (1, 2, ...).
"""

from __future__ import annotations

import time

from .jobcontext import current_job, time_warning_received
from .task import Task


class GracefulTimeout(Exception):
    """Raise it in a `ResumableTask` to end this attempt on purpose, checkpoint written.

    The job records a `timeout` failure and the scheduler submits it again (up to its
    retries); the message goes to the job's `.failed` record.
    """


class ResumableTask(Task):
    """A task that can continue from its own checkpoints when it is run again.

    Save checkpoints in the job folder (`self.__taskdir__` or a `Meta[Path]` generated
    there) and, at the start of `execute()`, load the latest one. When the launcher
    warns that the time limit is near (SLURM's `--signal`, or the local launcher's own
    limit), `stop_requested()` becomes True and `on_time_warning()` is called: write a
    checkpoint and return, or raise `GracefulTimeout`; the job is then submitted again.
    """

    def remaining_time(self) -> float | None:
        """Seconds left before the launcher's time limit; None if there is none or it
        is unknown (outside a job process, or no `time` was asked for)."""
        context = current_job()
        if context is None or context.deadline is None:
            return None
        return max(0.0, context.deadline - time.time())

    def stop_requested(self) -> bool:
        """Whether the launcher warned that the time limit is near: checkpoint and stop."""
        return time_warning_received()

    def on_time_warning(self) -> None:
        """Called (in the main thread, between two Python instructions) when the
        launcher warns that the time limit is near; by default it does nothing, and
        the task is expected to poll `stop_requested()`."""
