"""Stopping a job from outside its experiment: `xpm jobs kill` and the monitor's button.

A local job gets SIGTERM (its whole process group) and records `cancelled` itself; a
SLURM job is cancelled with `scancel`. Either way the job folder tells the end.

A pid record is only a claim: anyone who can write the job folder can write one naming
any process. So a local process is signalled only when it is the job's process: it has
the pid and start time of the record *and* holds the job's lock file open, as every job
process does for its whole run (see `locks`). Any other process is left alone.
"""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Mapping

from .errors import KillRefused as KillRefused
from .jobpaths import JobPaths
from .pids import ProcessIdentity
from .process import signal_process
from .records import JobState, read_job


def kill_process(process: Mapping[str, object], paths: JobPaths) -> str:
    """Stop the process of the `<name>.pid` record of the job at `paths`; return how.

    How is `SIGTERM` or `scancel`.

    Raises:
        KillRefused: the record is unreadable, the process runs on another machine or
            belongs to another user, it has already ended, it does not hold the job's
            lock (the record names some other process), or `scancel` failed.
    """
    if process.get("type") == "slurm":
        jobid = process.get("jobid")
        if not isinstance(jobid, str) or not jobid.replace("_", "").isdigit():
            raise KillRefused(f"unreadable SLURM job id {jobid!r} in the pid record")
        try:
            done = subprocess.run(
                ["scancel", jobid], capture_output=True, text=True, timeout=60, check=False
            )
        except FileNotFoundError:
            raise KillRefused(
                "scancel is not on PATH; run this on a machine of the SLURM cluster"
            ) from None
        except subprocess.TimeoutExpired:
            raise KillRefused("scancel did not answer within 60 s") from None
        if done.returncode != 0:
            raise KillRefused(f"scancel {jobid} failed: {done.stderr.strip() or done.returncode}")
        return "scancel"
    try:
        identity = ProcessIdentity.from_json(process)
    except ValueError:
        raise KillRefused(f"unreadable process record {dict(process)!r}") from None
    if not identity.is_local:
        raise KillRefused(f"it runs on {identity.host}; stop it from there")
    try:
        if identity.is_running() and not holds_file(identity.pid, paths.lock):
            raise KillRefused(
                f"process {identity.pid} does not hold the job's lock {paths.lock}, so it is"
                " not this job's process (the pid record is stale or forged); nothing was"
                " signalled"
            )
        sent = signal_process(identity, signal.SIGTERM)
    except PermissionError:
        raise KillRefused("permission denied (the job belongs to another user)") from None
    if not sent:
        raise KillRefused("the process has already ended")
    return "SIGTERM"


def kill_job(paths: JobPaths) -> str:
    """Stop the job of `paths` if it runs or waits; return how (`SIGTERM` or `scancel`).

    Raises:
        KillRefused: the job is not running, or `kill_process` refused.
    """
    record = read_job(paths, light=True)
    if record.state not in (JobState.RUNNING, JobState.WAITING) or record.process is None:
        raise KillRefused(f"the job is {record.state}, not running")
    return kill_process(record.process, paths)


def holds_file(pid: int, path: os.PathLike[str] | str) -> bool:
    """Whether process `pid` of this machine has the file at `path` open.

    Read from `/proc/<pid>/fd`; False when the file or the process is gone.

    Raises:
        PermissionError: the process belongs to another user.
    """
    try:
        wanted = os.stat(path)
    except OSError:
        return False
    folder = f"/proc/{pid}/fd"
    try:
        names = os.listdir(folder)
    except FileNotFoundError:
        return False
    for name in names:
        try:
            opened = os.stat(f"{folder}/{name}")
        except OSError:
            continue
        if (opened.st_dev, opened.st_ino) == (wanted.st_dev, wanted.st_ino):
            return True
    return False
