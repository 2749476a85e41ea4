"""The job a process is running, if any: set by the job runner, read by `progress`/`cache`.

xpm.core does not start jobs; the scheduler's runner (`python -m xpm.scheduler.run`)
calls `enter_job` before executing a task so that code inside the task can report
progress and find the workspace.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import NamedTuple


class JobContext(NamedTuple):
    """The running job: its folder, file stem and workspace.

    `attempt` counts the runs of this job in its folder since it was last submitted
    (1 on the first; a `ResumableTask` resubmitted after a time-out sees 2, ...);
    `deadline` is when the launcher's time limit ends (Unix seconds), if it has one.
    """

    folder: Path
    name: str
    workspace: Path
    attempt: int = 1
    deadline: float | None = None


_CURRENT: list[JobContext] = []
_WARNED: list[bool] = [False]
_LAST_WRITE: list[float] = [0.0]
_MIN_INTERVAL = 0.2


def enter_job(context: JobContext) -> None:
    """Declare that this process now runs the job `context` (called by the runner)."""
    _CURRENT[:] = [context]


def current_job() -> JobContext | None:
    """Return the job this process runs, or None outside a job process."""
    return _CURRENT[0] if _CURRENT else None


def note_time_warning() -> None:
    """Record that the launcher warned that the time limit is near (the job runner)."""
    _WARNED[0] = True


def time_warning_received() -> bool:
    """Whether the launcher warned this job process that its time limit is near."""
    return _WARNED[0]


def progress(fraction: float, *, desc: str | None = None) -> None:
    """Report how far the running task has got (0 to 1); the experiment shows it.

    Written to `<name>.progress` in the job folder, at most five times a second (the
    first and the last report always). Outside a job process it does nothing, so a task
    can be debugged by calling `execute()` directly.
    """
    context = current_job()
    if context is None:
        return
    fraction = min(1.0, max(0.0, float(fraction)))
    now = time.monotonic()
    if fraction < 1.0 and now - _LAST_WRITE[0] < _MIN_INTERVAL:
        return
    _LAST_WRITE[0] = now
    import json
    import tempfile

    data = json.dumps({"fraction": fraction, "desc": desc, "time": time.time()})
    target = context.folder / f"{context.name}.progress"
    fd, tmp = tempfile.mkstemp(dir=context.folder, prefix=".progress-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
