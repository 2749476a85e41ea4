"""How often xpm asks SLURM, on the local cluster, with the launcher's default settings.

A job that writes its marker ends without a single status call; a job killed without
writing one (`kill -9` of its process, `scancel`) is still reported with SLURM's reason,
by the next status round (at most 45 s later).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from xpm.launchers import CommandResult, SlurmLauncher, SlurmOptions
from xpm.launchers.slurm import run_slurm_command
from xpm.scheduler import Ending, JobLaunch

pytestmark = pytest.mark.slurm

STATUS = ("sacct", "squeue", "scontrol")


class Counting:
    """The real runner, counting the commands it runs."""

    def __init__(self) -> None:
        self.commands: list[list[str]] = []
        self.lock = threading.Lock()

    def __call__(self, command: Sequence[str]) -> CommandResult:
        with self.lock:
            self.commands.append(list(command))
        return run_slurm_command(command)

    def status_calls(self) -> list[list[str]]:
        with self.lock:
            return [c for c in self.commands if c[0] in STATUS and "config" not in c]


class Ended:
    def __init__(self) -> None:
        self.event = threading.Event()
        self.endings: list[tuple[float, Ending]] = []

    def __call__(self, ending: Ending) -> None:
        self.endings.append((time.time(), ending))
        self.event.set()

    def wait(self, timeout: float = 150) -> tuple[float, Ending]:
        assert self.event.wait(timeout), f"the job did not end in {timeout} s"
        return self.endings[0]


def _job(root: Path, name: str, code: str) -> JobLaunch:
    folder = root / name
    folder.mkdir(parents=True)
    return JobLaunch(folder, name, f"test.{name}/0", (sys.executable, "-c", code))


def _wait_for(path: Path, timeout: float = 150) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} did not appear in {timeout} s"
        time.sleep(0.1)


def test_jobs_that_write_their_marker_are_never_asked_about(tmp_path: Path) -> None:
    """Three jobs (one array) write `.done`: each ends within seconds, no status call."""
    runner = Counting()
    launcher = SlurmLauncher(SlurmOptions(mem="50M"), runner=runner)
    try:
        launches = [
            _job(tmp_path, f"ok{i}", f"import time; time.sleep(1); open('ok{i}.done', 'w')")
            for i in range(3)
        ]
        endeds = [Ended() for _ in launches]
        records = launcher.start_many(list(zip(launches, endeds, strict=True)))
        for launch, ended, record in zip(launches, endeds, records, strict=True):
            when, ending = ended.wait()
            done = launch.paths.done
            assert ending == Ending(0, message=f"{done.name} written (SLURM job {record['jobid']})")
            assert when - done.stat().st_mtime < 5
    finally:
        launcher.close()
    assert [c[0] for c in runner.commands if "config" not in c] == ["sbatch"]


def test_a_silently_killed_job_is_still_reported_with_its_reason(tmp_path: Path) -> None:
    """kill -9 of the job's process: FAILED by signal 9; scancel: CANCELLED (no markers)."""
    runner = Counting()
    launcher = SlurmLauncher(SlurmOptions(mem="50M"), runner=runner)
    code = "import os, time; open('pid', 'w').write(str(os.getpid())); time.sleep(300)"
    killed, cancelled = _job(tmp_path, "killed", code), _job(tmp_path, "cancelled", code)
    killed_end, cancelled_end = Ended(), Ended()
    try:
        record = launcher.start(killed, killed_end)
        other = launcher.start(cancelled, cancelled_end)
        _wait_for(killed.folder / "pid")
        _wait_for(cancelled.folder / "pid")
        os.kill(int((killed.folder / "pid").read_text()), signal.SIGKILL)
        subprocess.run(["scancel", str(other["jobid"])], check=True, timeout=60)
        stopped = time.time()
        when, ending = killed_end.wait()
        assert (ending.code, ending.signal, ending.reason) == (None, 9, "failed")
        assert ending.message == f"SLURM: FAILED, killed by signal 9 (job {record['jobid']})"
        assert when - stopped < 75
        when, ending = cancelled_end.wait()
        assert ending.reason == "cancelled"
        assert ending.message.startswith("SLURM: CANCELLED, cancelled by user")
        assert when - stopped < 75
    finally:
        launcher.close()
    assert not killed.paths.failed.exists() and not cancelled.paths.failed.exists()
    assert len(runner.status_calls()) <= 6
