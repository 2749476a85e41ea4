"""The local launcher: each job is a detached process of this machine.

Jobs are forked from a fork server (see `forkserver`) rather than started as new
interpreters, which saves Python's start and imports for every job. Ends are reported at
once (by the fork server, or through pidfds), so a dependent job starts as soon as its
parent's process exits. The launcher takes the job lock before starting the process and
hands it over, so two experiments sharing a workspace never start the same job twice.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import select
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Mapping
from typing import Any

from .forkserver import Reader, send
from .jobprocess import EXIT_LOCKED, LOCK_FD_ENV, TIME_LIMIT_ENV
from .launcher import EndCallback, Ending, JobLaunch, Launcher, job_command
from .locks import acquire_job_lock
from .pids import ProcessIdentity
from .process import ExitStatus, signal_process, spawn
from .timelimit import TimeLimit
from .watcher import ProcessWatcher


def _ending(status: ExitStatus) -> Ending:
    sig = status.signal
    return Ending(
        code=status.returncode if sig is None else None,
        signal=sig,
        reason="cancelled" if sig in (signal.SIGTERM, signal.SIGINT) else "failed",
        message=status.describe(),
    )


class _ForkClient:
    """The experiment's end of a fork server (see `forkserver`).

    Besides the server's socket it reads the pipe of early ends: a job that succeeded
    writes its pid there before its process is torn down, a millisecond or two before
    the server can reap it. The server's later report of that exit is then ignored.
    """

    def __init__(self, lost: Any) -> None:
        mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock = mine
        self.ends, ends = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        try:
            command = [sys.executable, "-m", "xpm.scheduler.forkserver"]
            self.process = subprocess.Popen(
                [*command, str(theirs.fileno()), str(ends)],
                pass_fds=(theirs.fileno(), ends),
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        finally:
            theirs.close()
            os.close(ends)
        self.early: set[int] = set()  # successes heard before the pid was
        self.reaped: set[int] = set()  # exits heard before the early end
        self.lost = lost
        self.closing = False
        self.alive = True
        self.guard = threading.Lock()
        self.next_id = 0
        self.env: dict[str, str] | None = None
        self.pending: dict[int, tuple[threading.Event, list[Any], EndCallback]] = {}
        self.running: dict[int, tuple[int, EndCallback]] = {}
        self.thread = threading.Thread(target=self._read, name="xpm-forkserver", daemon=True)
        self.thread.start()

    def start(self, launch: JobLaunch, lock_fd: int, on_end: EndCallback) -> tuple[int, int]:
        event = threading.Event()
        answer: list[Any] = []
        with self.guard:
            if not self.alive:
                raise OSError("the fork server has stopped")
            self.next_id += 1
            ident = self.next_id
            self.pending[ident] = (event, answer, on_end)
            request: dict[str, Any] = {
                "id": ident,
                "folder": str(launch.folder),
                "stdout": str(launch.stdout),
                "stderr": str(launch.stderr),
            }
            env = {**os.environ, **launch.environ}
            if env != self.env:
                request["env"] = self.env = env
            send(self.sock, request, [lock_fd])
        # No timeout: loading a script's preamble before the first fork may take long;
        # the reader sets the event when the server's end closes.
        while not event.wait(1.0) and self.thread.is_alive():
            pass
        if not answer:
            raise OSError("the fork server did not answer")
        if "error" in answer[0]:
            raise OSError(answer[0]["error"])
        return int(answer[0]["pid"]), int(answer[0]["start_time"])

    def _read(self) -> None:
        reader = Reader(self.sock)
        watched = [self.sock.fileno(), self.ends]
        unfinished = b""
        while True:
            ready, _, _ = select.select(watched, [], [])
            if self.ends in ready:
                unfinished = self._read_ends(unfinished, watched)
            if self.sock.fileno() not in ready:
                continue
            try:
                messages = reader.read()
            except OSError:
                messages = None
            if messages is None:
                break
            for message in messages:
                if "exit" in message:
                    self._exited(int(message["exit"]), int(message["status"]))
                else:
                    self._answered(message)
        os.close(self.ends)
        with self.guard:
            self.alive = False
            orphans, self.running = self.running, {}
            pending, self.pending = self.pending, {}
        for event, _, _ in pending.values():
            event.set()
        if not self.closing:
            for pid, (start_time, on_end) in orphans.items():
                self.lost(ProcessIdentity(pid, start_time), on_end)

    def _answered(self, message: dict[str, Any]) -> None:
        """The server answered a request: the job's pid, or why it has none."""
        with self.guard:
            event, answer, on_end = self.pending.pop(int(message["id"]))
            early = False
            if "pid" in message:
                pid = int(message["pid"])
                self.reaped.discard(pid)
                early = pid in self.early
                if early:
                    self.early.discard(pid)
                else:
                    self.running[pid] = (int(message["start_time"]), on_end)
        answer.append(message)
        event.set()
        if early:
            on_end(_ending(ExitStatus(0)))

    def _exited(self, pid: int, status: int) -> None:
        """The server reaped `pid`: its end, unless the job told it already."""
        with self.guard:
            entry = self.running.pop(pid, None)
            if entry is not None and status == 0:
                self.reaped.add(pid)  # its early end may still be in the pipe
        if entry is not None:
            entry[1](_ending(ExitStatus(status)))

    def _read_ends(self, unfinished: bytes, watched: list[int]) -> bytes:
        """Read `<pid>\\n` lines of jobs that succeeded; call their ends."""
        try:
            data = os.read(self.ends, 1 << 16)
        except BlockingIOError:
            return unfinished
        if not data:  # every writer is gone: the server and its children
            watched.remove(self.ends)
            return b""
        *lines, unfinished = (unfinished + data).split(b"\n")
        for line in lines:
            with contextlib.suppress(ValueError):
                self._succeeded(int(line))
        return unfinished

    def _succeeded(self, pid: int) -> None:
        """The job of `pid` wrote its early end: it succeeded and is exiting."""
        with self.guard:
            if pid in self.reaped:  # the server's report came first
                self.reaped.discard(pid)
                return
            entry = self.running.pop(pid, None)
            if entry is None:  # before the server's answer: the answer ends it
                self.early.add(pid)
        if entry is not None:
            entry[1](_ending(ExitStatus(0)))

    def close(self) -> None:
        self.closing = True
        self.sock.shutdown(socket.SHUT_RDWR)
        self.thread.join()
        self.sock.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:  # stuck loading a script: jobs it forked go on
            self.process.kill()
            self.process.wait()


class _Armed:
    """An end callback whose job is watched against a time limit once it has a pid."""

    def __init__(self, limit: TimeLimit, on_end: EndCallback) -> None:
        self._limit = limit
        self._on_end = on_end
        self._call: EndCallback | None = None
        self._early: list[Ending] = []
        self._guard = threading.Lock()

    def arm(self, process: ProcessIdentity) -> None:
        with self._guard:
            self._call = self._limit.arm(process, self._on_end)
            early, self._early = self._early, []
        for ending in early:
            self._call(ending)

    def __call__(self, ending: Ending) -> None:
        with self._guard:
            call = self._call
            if call is None:  # it ended before its pid was known
                self._early.append(ending)
                return
        call(ending)


class LocalLauncher(Launcher):
    """Run jobs as processes of this machine, at most `max_jobs` at once.

    Jobs are forked from a fork server that has imported xpm once (see `forkserver`),
    which saves a Python start per job; `fork=False` starts each job as a new
    interpreter (`python -m xpm.scheduler.run`) instead.

    Args:
        max_jobs: The cap on running jobs; by default the number of CPUs this process
            may use.
        fork: Whether to fork jobs from a fork server.
        time_limit: Seconds each job may run (None: no limit). A job over it gets
            SIGTERM, then SIGKILL, and fails as `timeout` (see `TimeLimit`). The clock
            is this launcher's: a job a later experiment re-attaches to is not limited.
        time_warning: Seconds before the limit when the job gets SIGUSR1 (a
            `ResumableTask` then checkpoints and stops); by default 120, at most half
            the limit; 0: no warning.
    """

    def __init__(
        self,
        max_jobs: int | None = None,
        *,
        fork: bool = True,
        time_limit: float | None = None,
        time_warning: float | None = None,
    ) -> None:
        if max_jobs is not None and max_jobs < 1:
            raise ValueError(f"max_jobs must be at least 1, got {max_jobs}")
        self.max_running = max_jobs or len(os.sched_getaffinity(0))
        self.fork = fork
        self.time_limit = TimeLimit(time_limit, time_warning) if time_limit else None
        self._forks: _ForkClient | None = None
        self._watcher: ProcessWatcher | None = None
        self._thread: threading.Thread | None = None
        self._guard = threading.Lock()
        self._closing = False

    def __repr__(self) -> str:
        limit = f", time_limit={self.time_limit.seconds:g}" if self.time_limit else ""
        return f"LocalLauncher(max_jobs={self.max_running}{limit})"

    def _watch(self) -> ProcessWatcher:
        with self._guard:
            if self._watcher is None:
                self._watcher = ProcessWatcher()
                self._closing = False
                self._thread = threading.Thread(
                    target=self._loop, args=(self._watcher,), name="xpm-local", daemon=True
                )
                self._thread.start()
            return self._watcher

    def _loop(self, watcher: ProcessWatcher) -> None:
        while not self._closing:
            watcher.wait(1.0)

    def start(self, launch: JobLaunch, on_end: EndCallback) -> Mapping[str, object]:
        """Take the job lock, start the job process detached, call `on_end` when it exits.

        When another process holds the lock, `on_end` gets exit code 75 at once.
        """
        watcher = self._watch()
        lock = acquire_job_lock(launch.folder / f"{launch.name}.lock")
        if lock is None:
            on_end(Ending(EXIT_LOCKED, message="another process runs this job"))
            return {"type": "local", "taken": True}
        limit = self.time_limit
        if limit is not None:
            environ = {**launch.environ, TIME_LIMIT_ENV: f"{limit.seconds:g}"}
            launch = dataclasses.replace(launch, environ=environ)
            on_end = _Armed(limit, on_end)
        if self.fork and launch.command == job_command(launch.folder):
            try:
                forks = self._fork_client()
                pid, start_time = forks.start(launch, lock.fd, on_end)
            except OSError:
                self.fork = False
            else:
                lock.close()
                identity = ProcessIdentity(pid, start_time)
                if isinstance(on_end, _Armed):
                    on_end.arm(identity)
                return identity.to_json()
        env = {**os.environ, **launch.environ, LOCK_FD_ENV: str(lock.fd)}
        try:
            handle = spawn(
                launch.command,
                cwd=launch.folder,
                stdout_path=launch.stdout,
                stderr_path=launch.stderr,
                env=env,
                pass_fds=(lock.fd,),
            )
        finally:
            lock.close()
        if isinstance(on_end, _Armed):
            on_end.arm(handle.identity)
        watcher.add(handle, lambda status: on_end(_ending(status)))
        return handle.identity.to_json()

    def warm_up(self) -> None:
        """Start the fork server now, so that it is ready when the first job is."""
        if self.fork:
            try:
                self._fork_client()
            except OSError:
                self.fork = False

    def _fork_client(self) -> _ForkClient:
        with self._guard:
            if self._forks is None or not self._forks.alive:
                self._forks = _ForkClient(self._lost)
            return self._forks

    def _lost(self, identity: ProcessIdentity, on_end: EndCallback) -> None:
        self._watch().add(identity, lambda status: on_end(_ending(status)))

    def reattach(
        self, launch: JobLaunch, record: Mapping[str, object], on_end: EndCallback
    ) -> bool:
        """Follow a job process of this machine started earlier; False if it is gone."""
        try:
            identity = ProcessIdentity.from_json(record)
        except ValueError:
            return False
        if not identity.is_running():
            return False
        self._watch().add(identity, lambda status: on_end(_ending(status)))
        return True

    def kill(self, record: Mapping[str, object]) -> bool:
        """Send SIGTERM to the job's process group; the job records `cancelled`."""
        try:
            identity = ProcessIdentity.from_json(record)
        except ValueError:
            return False
        return identity.is_local and signal_process(identity, signal.SIGTERM)

    def close(self) -> None:
        """Stop following processes; they keep running."""
        with self._guard:
            watcher, thread = self._watcher, self._thread
            self._watcher = self._thread = None
            self._closing = True
            forks, self._forks = self._forks, None
        if forks is not None:
            forks.close()
        if watcher is not None and thread is not None:
            watcher.wakeup()
            thread.join()
            watcher.close()
