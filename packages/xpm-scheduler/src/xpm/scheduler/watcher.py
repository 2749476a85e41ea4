"""Wait on many processes at once and run a callback as soon as each one ends.

One `pidfd` per process in one `epoll` set: the kernel reports each end immediately, for
children and for processes started by an earlier experiment alike, with no thread per
process and no polling. The watcher runs its callbacks in whichever thread calls `wait`,
so it can drive the scheduler's event loop directly, or run in one dedicated thread.
"""

from __future__ import annotations

import collections
import contextlib
import os
import resource
import select
import threading
from collections.abc import Callable
from types import TracebackType
from typing import final

from .pids import ProcessIdentity, is_same_process
from .process import ExitStatus, ProcessHandle

ExitCallback = Callable[[ExitStatus], None]
"""Called with how a watched process ended."""


@final
class ProcessWatcher:
    """Run a callback when each watched process ends.

    Each watched process costs one file descriptor until it ends, so the watcher raises
    the soft limit on open files to the hard limit when it is created.

    `add` and `wakeup` may be called from any thread; callbacks run in the thread that
    calls `wait`, one at a time.
    """

    def __init__(self) -> None:
        _raise_open_file_limit()
        self._epoll = select.epoll()
        self._wake_r, self._wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        self._epoll.register(self._wake_r, select.EPOLLIN)
        self._lock = threading.Lock()
        self._watched: dict[int, tuple[ProcessHandle | ProcessIdentity, ExitCallback]] = {}
        self._ready: collections.deque[tuple[ExitCallback, ExitStatus]] = collections.deque()

    def add(self, process: ProcessHandle | ProcessIdentity, callback: ExitCallback) -> None:
        """Call `callback` from `wait` once `process` has ended.

        A `ProcessHandle` (a child started by `spawn`) is reaped and its exit code
        reported. A `ProcessIdentity` (typically read back from the pid file of a job
        started by an earlier experiment) is reported with an unknown exit code; a
        process that has already ended, or whose pid now names another process, is
        reported at the next `wait`.

        Raises:
            ValueError: `process` runs on another machine.
            RuntimeError: the watcher is closed.
        """
        if isinstance(process, ProcessHandle):
            if process.poll() is not None:
                self._push(callback, ExitStatus(process.returncode))
                return
            identity = process.identity
        else:
            identity = process
            if not identity.is_local:
                raise ValueError(f"process {identity.pid} runs on {identity.host}, not here")
        try:
            pidfd = os.pidfd_open(identity.pid)
        except ProcessLookupError:
            self._push(callback, ExitStatus(None))
            return
        # Checked after pinning the pid, so the pidfd surely names this very process.
        if process is identity and not is_same_process(identity.pid, identity.start_time):
            os.close(pidfd)
            self._push(callback, ExitStatus(None))
            return
        with self._lock:
            if self._epoll.closed:
                os.close(pidfd)
                raise RuntimeError("the process watcher is closed")
            self._watched[pidfd] = (process, callback)
            self._epoll.register(pidfd, select.EPOLLIN)

    def wait(self, timeout: float | None = None) -> int:
        """Run the callbacks of ended processes, waiting up to `timeout` s for one.

        Returns at once when a callback is due, otherwise when a process ends, when
        `wakeup` is called, or when `timeout` (None: forever) expires.

        Returns:
            How many callbacks ran.

        Raises:
            Exception: whatever a callback raised; the callbacks still due run at the
                next `wait`.
        """
        self._collect(0 if self._ready else timeout)
        count = 0
        while True:
            with self._lock:
                if not self._ready:
                    return count
                callback, status = self._ready.popleft()
            callback(status)
            count += 1

    def wakeup(self) -> None:
        """Make a `wait` blocked in another thread return now (e.g. on new jobs).

        Does nothing once the watcher is closed.
        """
        with self._lock:
            if not self._epoll.closed:
                with contextlib.suppress(BlockingIOError):
                    os.write(self._wake_w, b"\0")

    def fileno(self) -> int:
        """The epoll descriptor, readable when `wait` has work (for another loop)."""
        return self._epoll.fileno()

    def __len__(self) -> int:
        """The number of processes watched and not yet seen to end."""
        with self._lock:
            return len(self._watched)

    def close(self) -> None:
        """Stop watching and drop pending callbacks. Calling it twice does nothing."""
        with self._lock:
            if self._epoll.closed:
                return
            for pidfd in self._watched:
                os.close(pidfd)
            self._watched.clear()
            self._ready.clear()
            self._epoll.close()
            os.close(self._wake_r)
            os.close(self._wake_w)

    def __enter__(self) -> ProcessWatcher:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _push(self, callback: ExitCallback, status: ExitStatus) -> None:
        with self._lock:
            if self._epoll.closed:
                raise RuntimeError("the process watcher is closed")
            self._ready.append((callback, status))
        self.wakeup()

    def _collect(self, timeout: float | None) -> None:
        events = self._epoll.poll(-1 if timeout is None else timeout)
        with self._lock:
            for fd, _ in events:
                if fd == self._wake_r:
                    self._drain_wakeups()
                    continue
                entry = self._watched.pop(fd, None)
                if entry is None:
                    continue
                self._epoll.unregister(fd)
                os.close(fd)
                process, callback = entry
                if isinstance(process, ProcessHandle):
                    process.poll()
                    self._ready.append((callback, ExitStatus(process.returncode)))
                else:
                    self._ready.append((callback, ExitStatus(None)))

    def _drain_wakeups(self) -> None:
        try:
            while os.read(self._wake_r, 4096):
                pass
        except BlockingIOError:
            pass


def _raise_open_file_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        target = 1 << 20 if hard == resource.RLIM_INFINITY else hard
        if soft != resource.RLIM_INFINITY and soft < target:
            with contextlib.suppress(ValueError, OSError):
                resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
