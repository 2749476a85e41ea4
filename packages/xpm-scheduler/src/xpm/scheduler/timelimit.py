"""A time limit on local jobs, enforced as SLURM does it: a warning, then the end.

Some time before the limit the job process gets `SIGUSR1` (a `ResumableTask` then
checkpoints and stops); at the limit its process group gets `SIGTERM`, and `SIGKILL`
`kill_wait` seconds later. The launcher then reports the end with reason `timeout`,
whatever the dying process recorded.
"""

from __future__ import annotations

import dataclasses
import signal
import threading
from contextlib import suppress
from typing import final

from .launcher import EndCallback, Ending
from .pids import ProcessIdentity
from .process import signal_process

DEFAULT_WARNING = 120.0
"""Seconds between the warning and the time limit, unless the launcher says otherwise
(at most half the limit)."""


def warning_delay(limit: float, warning: float | None) -> float:
    """Return how long before `limit` the warning comes (0: no warning)."""
    if warning is None:
        warning = DEFAULT_WARNING
    return max(0.0, min(warning, limit / 2))


@final
class TimeLimit:
    """Watches one job process against `seconds`, from when `arm` is called."""

    def __init__(self, seconds: float, warning: float | None = None, kill_wait: float = 5.0):
        if seconds <= 0:
            raise ValueError(f"a time limit must be positive, got {seconds}")
        self.seconds = seconds
        self.warning = warning_delay(seconds, warning)
        self.kill_wait = kill_wait

    def arm(self, process: ProcessIdentity, on_end: EndCallback) -> EndCallback:
        """Start the clock for `process`; return the end callback to give its watcher."""
        expired = threading.Event()
        timers: list[threading.Timer] = []

        def send(sig: int, group: bool) -> None:
            with suppress(OSError, ValueError):
                signal_process(process, sig, group=group)

        def expire() -> None:
            expired.set()
            send(signal.SIGTERM, True)
            kill = threading.Timer(self.kill_wait, send, args=(signal.SIGKILL, True))
            kill.daemon = True
            timers.append(kill)
            kill.start()

        if self.warning > 0:
            timers.append(
                threading.Timer(self.seconds - self.warning, send, args=(signal.SIGUSR1, False))
            )
        timers.append(threading.Timer(self.seconds, expire))
        for timer in timers:
            timer.daemon = True
            timer.start()

        def ended(ending: Ending) -> None:
            for timer in list(timers):
                timer.cancel()
            if expired.is_set():
                what = ending.message or "ended"
                message = f"reached its time limit of {self.seconds:g} s ({what})"
                ending = dataclasses.replace(ending, reason="timeout", message=message)
            on_end(ending)

        return ended
