"""A fork server: job processes forked from a Python that has already started.

Starting a job as a new interpreter costs Python's start and the import of xpm.core,
tens of milliseconds that dominate short jobs. The local launcher therefore starts one
small server per experiment (`python -m xpm.scheduler.forkserver`, in its own session)
that imports what every job needs once, then forks a child per job. The child becomes
the leader of a new session, points its output at the job's files, takes the job lock
handed over by the experiment, and runs the job exactly as `python -m
xpm.scheduler.run` would. The server reports each child's pid and exit status.

Before forking a job, the server also loads what that job will import: the modules of
its task's classes and, for classes defined in the experiment script, the script up to
its first `experiment(...)` (see `warm`). Children then start with those loaded, so a
short task costs about the same wherever its class is defined. The server loads them
once, with its output silenced and in the first job's folder, as a job process would.

Jobs outlive the server and the experiment: when the experiment's end of the socket
closes, the server exits at once and its children, re-parented, go on.

Protocol, over a Unix stream socket pair, one JSON object per message:
request `{"id", "folder", "stdout", "stderr", "env"}` with the lock descriptor attached
("env" only when it differs from the previous request's: it is the same for most jobs)
(SCM_RIGHTS); replies `{"id", "pid", "start_time"}` or `{"id", "error"}`, and later
`{"exit": pid, "status": code}` (minus the signal number when a signal killed it).
A job that succeeded also writes `<pid>\n` on the pipe of early ends (the second
argument) just before it exits: tearing a process down and reaping it takes a
millisecond or two, which the next job of a token or a chain need not wait for. A line
is shorter than PIPE_BUF, so lines of jobs ending together never mix.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import json
import os
import select
import signal
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .pids import process_start_time

_MAX_MESSAGE = 1 << 20


def send(sock: socket.socket, message: dict[str, Any], fds: list[int] | None = None) -> None:
    """Send one message (and descriptors) on `sock`."""
    data = json.dumps(message).encode() + b"\n"
    if fds:
        socket.send_fds(sock, [data], fds)
    else:
        sock.sendall(data)


class Reader:
    """Splits a stream socket into messages, collecting the descriptors sent along."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = b""
        self.fds: list[int] = []

    def read(self) -> list[dict[str, Any]] | None:
        """Read what is available; None once the other end has closed."""
        data, fds, _, _ = socket.recv_fds(self.sock, _MAX_MESSAGE, 16)
        if not data:
            return None
        self.fds.extend(fds)
        self.buffer += data
        *lines, self.buffer = self.buffer.split(b"\n")
        return [json.loads(line) for line in lines if line]


class Warmer:
    """Loads, in the server, the code the jobs it forks will import (once each)."""

    def __init__(self) -> None:
        self.seen: set[str] = set()

    def warm(self, folder: str) -> dict[str, Any] | None:
        """Read the job's `params.json` and import what it needs; return it (None if
        unreadable: the child then reads it and reports the problem)."""
        try:
            with open(os.path.join(folder, "params.json"), encoding="utf-8") as file:
                data: dict[str, Any] = json.load(file)
            modules = {str(o["class"]).partition(":")[0] for o in data["objects"]}
        except (OSError, ValueError, TypeError, KeyError):
            return None
        wanted = [*modules, str(data.get("main")), *data.get("pythonpath", ())]
        if all(name in self.seen for name in wanted):
            return data
        self.seen.update(wanted)
        with _quiet(folder):
            # Whatever fails here fails again in the job, which reports it.
            with contextlib.suppress(BaseException):
                from .jobprocess import import_task_code

                import_task_code(data, Path(folder))
            for module in sorted(modules - {"__main__"}):
                with contextlib.suppress(BaseException):
                    importlib.import_module(module)
            with contextlib.suppress(BaseException):
                from xpm.core.plumbing import from_dict

                from_dict(data)  # builds the classes' specs here, not in every child
        gc.freeze()  # children would copy every page a collection touches
        return data


@contextlib.contextmanager
def _quiet(folder: str) -> Iterator[None]:
    """Run code as a job process would (in `folder`), its output thrown away."""
    saved = [os.dup(1), os.dup(2)]
    argv, cwd = sys.argv, os.getcwd()
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 1)
        os.dup2(null, 2)
        sys.argv = ["xpm.scheduler.run", folder]
        os.chdir(folder)
        yield
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os.chdir(cwd)
        sys.argv = argv
        for target, fd in enumerate(saved, start=1):
            os.dup2(fd, target)
            os.close(fd)
        os.close(null)


def _child(
    request: dict[str, Any],
    env: dict[str, str],
    lock_fd: int,
    data: dict[str, Any] | None,
    ends_fd: int,
) -> None:
    """In the forked child: become the job's process, run the job, never return."""
    code = 1
    me = os.getpid()
    try:
        signal.set_wakeup_fd(-1)
        _close_all_but(lock_fd, ends_fd)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.setsid()
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW
        out = os.open(request["stdout"], flags, 0o666)
        err = (
            out
            if request["stderr"] == request["stdout"]
            else os.open(request["stderr"], flags, 0o666)
        )
        os.dup2(out, 1)
        os.dup2(err, 2)
        extra = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p and p not in sys.path]
        sys.path[1:1] = extra
        if env != os.environ:  # each variable set costs a putenv: most jobs need none
            os.environ.clear()
            os.environ.update(env)
        from .jobprocess import LOCK_FD_ENV, run_job

        os.environ[LOCK_FD_ENV] = str(lock_fd)
        folder = Path(request["folder"])
        os.chdir(folder)
        sys.argv = ["xpm.scheduler.run", str(folder)]
        code = run_job(folder, data)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
            # Before the process is torn down; not from a process the task forked.
            if code == 0 and ends_fd >= 0 and os.getpid() == me:
                with contextlib.suppress(OSError):
                    os.write(ends_fd, f"{os.getpid()}\n".encode())
        finally:
            os._exit(code)


def _close_all_but(*kept: int) -> None:
    """Close every descriptor above 2 but `kept` (-1 stands for none)."""
    start = 3
    for fd in sorted(k for k in kept if k >= start):
        os.closerange(start, fd)
        start = fd + 1
    os.closerange(start, os.sysconf("SC_OPEN_MAX"))


def serve(fd: int, ends_fd: int = -1) -> None:
    """Serve fork requests on the socket `fd` until the experiment closes it; jobs that
    succeed write their pid on the pipe `ends_fd` before they exit."""
    import xpm.core
    import xpm.core.plumbing

    from . import jobprocess  # noqa: F401

    for package in (xpm.core, xpm.core.plumbing):  # names load on first use: load them once
        for name in package.__all__:
            getattr(package, name)

    if ends_fd >= 0:
        os.set_inheritable(ends_fd, False)  # forked jobs keep it; what they run does not
    server = socket.socket(fileno=fd)
    wake_r, wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    reader = Reader(server)
    warmer = Warmer()
    env: dict[str, str] = dict(os.environ)
    gc.freeze()
    while True:
        ready, _, _ = select.select([server.fileno(), wake_r], [], [])
        if wake_r in ready:
            with contextlib.suppress(BlockingIOError):
                os.read(wake_r, 4096)
            _reap(server)
        if server.fileno() in ready:
            try:
                messages = reader.read()
            except OSError:
                messages = None
            if messages is None:
                return
            for request in messages:
                lock_fd = reader.fds.pop(0)
                env = request.get("env", env)
                data = warmer.warm(request["folder"])
                try:
                    pid = os.fork()
                except OSError as exc:
                    os.close(lock_fd)
                    _reply(server, {"id": request["id"], "error": f"fork failed: {exc}"})
                    continue
                if pid == 0:
                    _child(request, env, lock_fd, data, ends_fd)
                os.close(lock_fd)
                start = process_start_time(pid)  # an unreaped child always has one
                _reply(server, {"id": request["id"], "pid": pid, "start_time": start})
            _reap(server)


def _reply(server: socket.socket, message: dict[str, Any]) -> None:
    try:
        send(server, message)
    except OSError:
        os._exit(0)


def _reap(server: socket.socket) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        _reply(server, {"exit": pid, "status": os.waitstatus_to_exitcode(status)})


if __name__ == "__main__":
    serve(*(int(arg) for arg in sys.argv[1:3]))
