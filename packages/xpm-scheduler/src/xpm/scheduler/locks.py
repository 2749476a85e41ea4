"""The job lock: a job runs at most once at a time, across processes and experiments.

The process that runs a job holds an exclusive `flock` on `<name>.lock` for its whole
run. The kernel drops the lock when the last descriptor of the locked file closes,
which happens when the process ends in any way, SIGKILL included, so a crashed job
never leaves a stale lock behind.

Two ways to use it:

- The job's process calls `acquire_job_lock` first thing and exits if it gets `None`.
- The scheduler calls `acquire_job_lock` before launching, passes `lock.fd` to the child
  (`spawn(..., pass_fds=(lock.fd,))`), then calls `lock.close()`: the child inherits the
  lock, and a second scheduler learns at once that the job is taken. flock locks are
  inherited only on local file systems; on NFS, Linux emulates them with POSIX locks,
  which stay with the process that took them, so the job's process must lock for itself.

Lock files are never deleted: removing a lock file while another process waits on it
would let two processes lock two different files of the same name.
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path
from types import TracebackType
from typing import final

_PROBE_PATIENCE = 1.0


@final
class JobLock:
    """An exclusive lock held on a job's lock file; release it with `close()`.

    Attributes:
        path: The lock file.
        fd: The descriptor that holds the lock (-1 once closed); pass it to a child
            process to hand the lock over.
    """

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self.fd = fd

    @property
    def is_held(self) -> bool:
        """Whether this object still holds its descriptor (`close()` not yet called)."""
        return self.fd >= 0

    def close(self) -> None:
        """Close the descriptor; the lock ends unless a child process inherited it.

        Calling it twice does nothing.
        """
        if self.fd >= 0:
            fd, self.fd = self.fd, -1
            os.close(fd)

    def __enter__(self) -> JobLock:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"JobLock({str(self.path)!r}, fd={self.fd})"


def acquire_job_lock(path: str | os.PathLike[str]) -> JobLock | None:
    """Lock the job lock file at `path` without waiting; return `None` if it is taken.

    Creates the file (not its folder) if needed. The descriptor is not inherited by
    child processes unless passed explicitly (`pass_fds`). A concurrent
    `is_job_locked` probe does not count as a holder: the call then waits the few
    microseconds the probe lasts (at most one second in all).

    Raises:
        OSError: the folder does not exist or cannot be written.
    """
    lock_path = Path(path)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o666)
    try:
        if _lock_exclusive(fd):
            return JobLock(lock_path, fd)
    except BaseException:
        os.close(fd)
        raise
    os.close(fd)
    return None


def _lock_exclusive(fd: int) -> bool:
    # A refused exclusive lock may only mean that `is_job_locked` probes hold the
    # shared lock for a few microseconds. If a shared lock can be had, nobody holds the
    # exclusive one, so try again; a failed attempt drops our shared lock (flock
    # conversions are not atomic), and random pauses keep two competing lockers from
    # alternating forever.
    deadline = time.monotonic() + _PROBE_PATIENCE
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            pass
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        if time.monotonic() > deadline:
            fcntl.flock(fd, fcntl.LOCK_UN)
            return False
        time.sleep(0.0001 + os.urandom(1)[0] * 0.0009 / 255)


def wait_for_lock(path: str | os.PathLike[str]) -> int:
    """Lock the file at `path` exclusively, waiting while another process holds it.

    Used for partial folders (`<workspace>/partials/...`), which several jobs share but
    only one at a time may write in, and for token state files. Returns the descriptor
    holding the lock; closing it (or the process ending) releases the lock. Each call
    opens its own descriptor, so two threads of one process exclude each other too.

    Raises:
        OSError: the folder does not exist or cannot be written, or `path` is a
            symbolic link (never followed).
    """
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o666)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
    except BaseException:
        os.close(fd)
        raise
    return fd


def is_job_locked(path: str | os.PathLike[str]) -> bool:
    """Return whether some process holds the job lock at `path`, without keeping it.

    A missing lock file means unlocked. The answer can be out of date as soon as it is
    returned; to start a job, use `acquire_job_lock`, which decides atomically. Do not
    call it on NFS from a process that holds the lock itself: there, closing the probe's
    descriptor drops the process's POSIX lock.

    Raises:
        OSError: the lock file exists but cannot be opened.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False
