"""Stop a job from the monitor, as `xpm jobs kill` would: SIGTERM, or `scancel` on SLURM.

The job itself records the end (`<name>.failed` with reason `cancelled`), so the page
sees the kill through the usual change feed.
"""

from __future__ import annotations

import signal
import subprocess
from typing import Any

from ..jobpaths import JobPaths
from ..process import ProcessIdentity, signal_process
from ..records import JobState, read_job


class KillRefused(Exception):
    """The job cannot be killed from here; the message says why (shown on the page)."""


def kill_job(paths: JobPaths) -> dict[str, Any]:
    """Send SIGTERM to a running local job's process group, or `scancel` a SLURM job.

    Returns:
        `{"sent": True, "how": "SIGTERM"|"scancel"}` once the request is made.

    Raises:
        KillRefused: the job does not run, runs on another machine, or `scancel` failed.
    """
    record = read_job(paths, light=True)
    if record.state not in (JobState.RUNNING, JobState.WAITING) or record.process is None:
        raise KillRefused(f"the job is {record.state}, not running")
    process = dict(record.process)
    if process.get("type") == "slurm":
        jobid = process.get("jobid")
        if not isinstance(jobid, str) or not jobid.replace("_", "").isdigit():
            raise KillRefused(f"unreadable SLURM job id in {paths.pid.name}")
        try:
            done = subprocess.run(
                ["scancel", jobid], capture_output=True, text=True, timeout=30, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as e:
            raise KillRefused(f"scancel {jobid}: {e}") from e
        if done.returncode != 0:
            raise KillRefused(f"scancel {jobid}: {done.stderr.strip() or done.returncode}")
        return {"sent": True, "how": "scancel"}
    try:
        identity = ProcessIdentity.from_json(process)
        sent = signal_process(identity, signal.SIGTERM)
    except ValueError as e:
        raise KillRefused(str(e)) from e
    if not sent:
        raise KillRefused("the process has already ended")
    return {"sent": True, "how": "SIGTERM"}
