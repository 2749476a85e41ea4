"""Start job processes on this machine and learn at once when they end.

`spawn` starts a job in its own session (Ctrl-C in the experiment does not reach it).
`ProcessWatcher` waits on many processes at once, children or not, with one `pidfd` per
process in one `epoll` set: no thread per job, no polling, and the end of a process is
seen as soon as the kernel reports it. `ProcessIdentity` (pid plus start time) lets a
later experiment re-attach to a job without being fooled by a reused pid.

This is the experiment's side of a local process (used by `LocalLauncher`); what runs
inside a job process is `jobprocess`.
"""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import final

from .errors import SpawnError
from .pids import HOST, ProcessIdentity, is_same_process, process_start_time


@final
@dataclass(frozen=True)
class ExitStatus:
    """How a watched process ended.

    Attributes:
        returncode: The exit code, or minus the signal number when a signal killed it
            (SIGKILL gives -9), as `subprocess` does. `None` when the process was not
            our child: only its parent learns the code; read the job's marker files.
    """

    returncode: int | None

    @property
    def signal(self) -> int | None:
        """The number of the signal that killed the process, if a signal did."""
        code = self.returncode
        return -code if code is not None and code < 0 else None

    @property
    def is_success(self) -> bool:
        """Whether the process exited with code 0."""
        return self.returncode == 0

    def describe(self) -> str:
        """Say in words how the process ended, for messages shown to users."""
        code = self.returncode
        if code is None:
            return "ended (exit code unknown: not a child of this process)"
        if code >= 0:
            return f"exited with code {code}"
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = "an unknown signal"
        text = f"killed by {name} (signal {-code})"
        if -code == signal.SIGKILL:
            text += (
                "; SIGKILL comes from a user, a scheduler enforcing limits, or the"
                " kernel's out-of-memory killer when the machine ran out of memory"
            )
        return text


class _DetachedPopen(subprocess.Popen[bytes]):
    # Jobs outlive the experiment by design: dropping the handle of a running job is not
    # a leak to warn about, and must not queue the child for reaping by `subprocess`,
    # which would take its exit status from the watcher.
    def __del__(self) -> None:
        pass


@final
class ProcessHandle:
    """A process started by `spawn`: a child of this process, leader of its own session.

    Attributes:
        identity: Its pid and start time; write it to the job's pid file.
    """

    def __init__(self, popen: subprocess.Popen[bytes], identity: ProcessIdentity) -> None:
        self._popen = popen
        self.identity = identity

    @property
    def pid(self) -> int:
        """The process id."""
        return self.identity.pid

    @property
    def returncode(self) -> int | None:
        """The exit code once reaped (negative: killed by that signal), else `None`."""
        return self._popen.returncode

    def poll(self) -> int | None:
        """Reap the process if it has ended and return its exit code; never blocks."""
        return self._popen.poll()

    def wait(self, timeout: float | None = None) -> int:
        """Wait for the process to end and return its exit code.

        Raises:
            subprocess.TimeoutExpired: it still runs after `timeout` seconds.
        """
        return self._popen.wait(timeout)

    def send_signal(self, sig: int, *, group: bool = True) -> None:
        """Send `sig` to the process, and with `group` to every process of its group.

        Does nothing once the process has been reaped.
        """
        if self._popen.returncode is not None:
            return
        signal_process(self.identity, sig, group=group)

    def __repr__(self) -> str:
        return f"ProcessHandle(pid={self.pid}, returncode={self.returncode})"


def spawn(
    argv: Sequence[str],
    cwd: str | os.PathLike[str],
    stdout_path: str | os.PathLike[str],
    stderr_path: str | os.PathLike[str],
    env: Mapping[str, str] | None = None,
    *,
    pass_fds: Sequence[int] = (),
) -> ProcessHandle:
    """Start `argv` in `cwd` as a detached job process and return its handle.

    The process gets its own session and process group (so Ctrl-C or the end of the
    experiment does not reach it), reads `/dev/null`, and appends its output to
    `stdout_path` and `stderr_path` (created if needed; they may be the same file).
    `env` replaces the environment when given. Descriptors in `pass_fds` stay open in
    the process (to hand it a `JobLock`); no other descriptor is inherited.

    Add the handle to a `ProcessWatcher` to be told when it ends; the watcher reaps it.

    Raises:
        SpawnError: the program cannot be run, `cwd` does not exist, or a log file
            cannot be opened.
    """
    args = [os.fspath(a) for a in argv]
    where = os.fspath(cwd)
    flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC | os.O_NOFOLLOW
    fds: list[int] = []
    try:
        try:
            fds.append(os.open(stdout_path, flags, 0o666))
            same = os.path.abspath(stdout_path) == os.path.abspath(stderr_path)
            fds.append(fds[0] if same else os.open(stderr_path, flags, 0o666))
            popen = _DetachedPopen(
                args,
                cwd=where,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=fds[0],
                stderr=fds[1],
                start_new_session=True,
                close_fds=True,
                pass_fds=tuple(pass_fds),
            )
        except OSError as e:
            raise SpawnError(args, where, f"{e.strerror or e} ({e.filename or args[0]})") from e
    finally:
        for fd in set(fds):
            os.close(fd)
    start_time = process_start_time(popen.pid)
    assert start_time is not None, "an unreaped child always has a /proc entry"
    return ProcessHandle(popen, ProcessIdentity(popen.pid, start_time))


def signal_process(process: ProcessIdentity, sig: int, *, group: bool = True) -> bool:
    """Send `sig` to `process` of this machine, and with `group` to its process group.

    The process is first pinned with a pidfd and checked against its start time, so a
    process that reused the pid is never signalled. The group is signalled only when
    the process leads it (as every process from `spawn` does).

    Returns:
        False when the process no longer runs, True when the signal was sent.

    Raises:
        ValueError: `process` belongs to another machine.
    """
    if not process.is_local:
        raise ValueError(f"process {process.pid} runs on {process.host}, not on {HOST}")
    try:
        pidfd = os.pidfd_open(process.pid)
    except ProcessLookupError:
        return False
    try:
        if not is_same_process(process.pid, process.start_time):
            return False
        if group and os.getpgid(process.pid) == process.pid:
            os.killpg(process.pid, sig)
        else:
            signal.pidfd_send_signal(pidfd, sig)
    except ProcessLookupError:
        return False
    finally:
        os.close(pidfd)
    return True
