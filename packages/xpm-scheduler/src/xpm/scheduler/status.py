"""What the experiment prints while it waits: one live line on a terminal, log lines else.

On a terminal the line is rewritten in place (`done 12 · running 2 · waiting 30 ·
failed 1 · learn 40%`); failures and notes are printed above it as they happen. When
the output is a file or a pipe, every job end is one plain line, so logs read well.
Either way, when the experiment starts waiting, one line says how many of its jobs
were found already done (`4 jobs already done`), so a re-run never ends in silence.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING, TextIO

from .records import Failure, JobState, read_job

if TYPE_CHECKING:
    from .job import Job

_ORDER = (JobState.DONE, JobState.RUNNING, JobState.WAITING, JobState.FAILED)


class StatusLine:
    """Shows the experiment's progress on `stream` (stderr)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        try:
            self.tty = stream.isatty()
        except (AttributeError, ValueError):
            self.tty = False
        self._width = 0
        self._lock = threading.Lock()
        self._last_progress = 0.0
        self._progress_text = ""
        self._ended: set[str] = set()
        self._told_already_done = False

    def _print(self, text: str) -> None:
        with self._lock:
            if self.tty and self._width:
                self.stream.write("\r" + " " * self._width + "\r")
                self._width = 0
            self.stream.write(text + "\n")
            self.stream.flush()

    def note(self, text: str) -> None:
        """Print one line (above the live line on a terminal)."""
        self._print(f"[xpm] {text}")

    def job_ended(self, job: Job, state: JobState, failure: Failure | None = None) -> None:
        """Report a job's end: failures always, successes only as plain log lines."""
        self._ended.add(job.job_id)
        if state is JobState.FAILED:
            self._print(f"[xpm] FAILED {job.job_id}: {(failure or Failure()).describe()}")
        elif not self.tty:
            self._print(f"[xpm] done {job.job_id}")

    def show(self, jobs: Iterable[Job], *, final: bool = False) -> None:
        """Rewrite the live line from the jobs' states (terminal only).

        The first call also says how many jobs were already done (terminal or not).
        """
        jobs = list(jobs)
        if not self._told_already_done:
            self._told_already_done = True
            self._tell_already_done(jobs)
        if not self.tty:
            return
        counts = Counter(j.state for j in jobs)
        parts = [f"{s.value} {counts.get(s, 0)}" for s in _ORDER]
        now = time.monotonic()
        if now - self._last_progress > 1.0 or final:
            self._last_progress = now
            self._progress_text = _progress_of(jobs)
        text = "[xpm] " + " · ".join(parts)
        if self._progress_text and not final:
            text += " · " + self._progress_text
        with self._lock:
            pad = max(0, self._width - len(text))
            self.stream.write("\r" + text + " " * pad + ("\n" if final else ""))
            self.stream.flush()
            self._width = 0 if final else len(text)

    def _tell_already_done(self, jobs: list[Job]) -> None:
        """Say how many jobs were found done in the workspace rather than run now."""
        already = _already_done(jobs, self._ended)
        if already:
            self.note(f"{already} job{'s' if already > 1 else ''} already done")

    def interrupted(self, jobs: Iterable[Job]) -> None:
        """Say that running jobs go on without the experiment, and how to follow them."""
        running = [j for j in jobs if j.state is JobState.RUNNING]
        if running:
            self._print(
                f"[xpm] interrupted: {len(running)} job(s) keep running in the background; "
                "run the experiment again to follow them (finished ones are not re-run)"
            )


def _already_done(jobs: Iterable[Job], ended: set[str]) -> int:
    """Count the done jobs whose end was not seen in this run (found done when submitted)."""
    return sum(1 for job in jobs if job.state is JobState.DONE and job.job_id not in ended)


def _progress_of(jobs: list[Job]) -> str:
    shown = []
    for job in jobs:
        if job.state is JobState.RUNNING:
            progress = read_job(job.paths).progress
            if progress is not None:
                name = job.type_id.rsplit(".", 1)[-1]
                label = progress.desc or name
                shown.append(f"{label} {progress.fraction:.0%}")
        if len(shown) >= 3:
            break
    return " · ".join(shown)
