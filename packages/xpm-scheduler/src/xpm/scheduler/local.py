"""The local launcher: each job is a detached process of this machine.

Ends are seen through pidfds (no polling), so a dependent job starts as soon as its
parent's process exits. The launcher takes the job lock before starting the process and
hands it over, so two experiments sharing a workspace never start the same job twice.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Mapping

from .jobprocess import EXIT_LOCKED, LOCK_FD_ENV
from .launcher import EndCallback, Ending, JobLaunch, Launcher
from .locks import acquire_job_lock
from .process import ExitStatus, ProcessIdentity, signal_process, spawn
from .watcher import ProcessWatcher


def _ending(status: ExitStatus) -> Ending:
    sig = status.signal
    return Ending(
        code=status.returncode if sig is None else None,
        signal=sig,
        reason="cancelled" if sig in (signal.SIGTERM, signal.SIGINT) else "failed",
        message=status.describe(),
    )


class LocalLauncher(Launcher):
    """Run jobs as processes of this machine, at most `max_jobs` at once.

    Args:
        max_jobs: The cap on running jobs; by default the number of CPUs this process
            may use.
    """

    def __init__(self, max_jobs: int | None = None) -> None:
        if max_jobs is not None and max_jobs < 1:
            raise ValueError(f"max_jobs must be at least 1, got {max_jobs}")
        self.max_running = max_jobs or len(os.sched_getaffinity(0))
        self._watcher: ProcessWatcher | None = None
        self._thread: threading.Thread | None = None
        self._guard = threading.Lock()
        self._closing = False

    def __repr__(self) -> str:
        return f"LocalLauncher(max_jobs={self.max_running})"

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
        watcher.add(handle, lambda status: on_end(_ending(status)))
        return handle.identity.to_json()

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
        if watcher is not None and thread is not None:
            watcher.wakeup()
            thread.join()
            watcher.close()
