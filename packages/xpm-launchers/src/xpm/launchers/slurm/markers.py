"""Read a SLURM job's end from its folder, so that SLURM is asked only when it must be.

xpm's job process writes `<name>.done` or `<name>.failed` as its last act. Looking for
those two files costs two `stat` calls and nothing on the cluster's controller, so the
poller looks often (every half second) and keeps its questions to SLURM for jobs that
ended without writing either: killed, out of memory, a failed node, `scancel`.
"""

from __future__ import annotations

import enum

from xpm.scheduler import JobPaths


class Marker(enum.Enum):
    """Which end marker a job folder holds."""

    DONE = "done"
    """`<name>.done`: the job succeeded; SLURM need not be asked."""
    FAILED = "failed"
    """`<name>.failed`: the job process saw itself fail; SLURM's verdict (TIMEOUT,
    PREEMPTED, CANCELLED, ...) is still asked for, as it knows why better."""


def marker_of(paths: JobPaths) -> Marker | None:
    """Return the end marker in `paths`' folder, or None while the job has not ended.

    `.done` wins when both exist: the folder says the job succeeded.
    """
    if paths.done.exists():
        return Marker.DONE
    if paths.failed.exists():
        return Marker.FAILED
    return None


Stamp = tuple[int, int]
"""What tells one `<name>.failed` from the next: its inode and modification time (the
job process writes it by renaming a new file over it)."""


def failed_stamp(paths: JobPaths) -> Stamp | None:
    """Return the stamp of `paths`' `<name>.failed`, None when there is none.

    A job SLURM requeues leaves the `.failed` of its stopped attempt until the next
    attempt starts and removes it: the poller keeps its stamp to ignore that one file.
    """
    try:
        stat = paths.failed.stat()
    except OSError:
        return None
    return stat.st_ino, stat.st_mtime_ns
