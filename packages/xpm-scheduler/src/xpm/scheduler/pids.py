"""Who a process is: its pid and its start time, so that a reused pid is never mistaken.

Kept apart from `process` (which starts processes and imports `subprocess`) because the
job process itself needs it, and a job must start fast.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import final

HOST = os.uname().nodename
"""This machine's name, as `socket.gethostname()` gives it."""


def _read_stat(pid: int) -> tuple[str, int] | None:
    try:
        fd = os.open(f"/proc/{pid}/stat", os.O_RDONLY | os.O_CLOEXEC)
    except (FileNotFoundError, ProcessLookupError):
        return None
    try:
        stat = os.read(fd, 4096)  # about 300 bytes; the command name is at most 64
    except ProcessLookupError:
        return None
    finally:
        os.close(fd)
    # The command name (field 2) may hold spaces and parentheses: split after the last )
    fields = stat[stat.rindex(b")") + 2 :].split()
    return fields[0].decode(), int(fields[19])


def process_start_time(pid: int) -> int | None:
    """Return when process `pid` started, in clock ticks since boot (None: no such pid).

    This is field 22 of `/proc/<pid>/stat`. A pid is reused once its process is gone,
    but the pair (pid, start time) names one process for as long as the machine runs.
    """
    stat = _read_stat(pid)
    return None if stat is None else stat[1]


def is_same_process(pid: int, start_time: int) -> bool:
    """Return whether process `pid` runs and is the one that started at `start_time`.

    False when no process has that pid, when the pid now names a process started at
    another time (pid reuse), or when the process has ended and waits to be reaped
    (a zombie).
    """
    stat = _read_stat(pid)
    return stat is not None and stat[0] not in ("Z", "X") and stat[1] == start_time


@final
@dataclass(frozen=True)
class ProcessIdentity:
    """One process of one machine, named by pid and start time so pid reuse is seen.

    Store it next to a job (in `<name>.pid`, via `to_json`) to re-attach to the process
    from a later experiment.

    Attributes:
        pid: The process id.
        start_time: Its start time in clock ticks since boot (`process_start_time`).
        host: The machine's host name; liveness can only be checked on that machine.
    """

    pid: int
    start_time: int
    host: str = field(default=HOST)

    @classmethod
    def of(cls, pid: int) -> ProcessIdentity | None:
        """Return the identity of the running process `pid` of this machine, or None."""
        start_time = process_start_time(pid)
        return None if start_time is None else cls(pid, start_time)

    @classmethod
    def current(cls) -> ProcessIdentity:
        """Return the identity of the calling process."""
        identity = cls.of(os.getpid())
        assert identity is not None
        return identity

    @property
    def is_local(self) -> bool:
        """Whether the process belongs to this machine."""
        return self.host == HOST

    def is_running(self) -> bool | None:
        """Return whether the process still runs; None if it runs on another machine."""
        return is_same_process(self.pid, self.start_time) if self.is_local else None

    def to_json(self) -> dict[str, object]:
        """Return the JSON object of a pid file (`"type": "local"` as experimaestro)."""
        return {
            "type": "local",
            "pid": self.pid,
            "start_time": self.start_time,
            "host": self.host,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> ProcessIdentity:
        """Read back what `to_json` wrote.

        Raises:
            ValueError: `data` is not a local process record; the caller decides whether
                to treat the job as lost.
        """
        pid, start_time, host = (
            data.get("pid"),
            data.get("start_time"),
            data.get("host"),
        )
        if (
            data.get("type") != "local"
            or not isinstance(pid, int)
            or not isinstance(start_time, int)
            or not isinstance(host, str)
        ):
            raise ValueError(f"not a local process record: {dict(data)!r}")
        return cls(pid, start_time, host)
