"""What the SLURM launcher adds for long jobs (issue 15): the warning signal before the
time limit, more memory for a retry, and dependents re-pointed to a new attempt.

Pure functions over `SlurmOptions`; `SlurmLauncher` calls them.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

from .sbatch import SlurmOptions, slurm_megabytes, slurm_seconds

TIME_LIMIT_ENV = "XPM_TIME_LIMIT"
"""Read by xpm.scheduler's job process: the seconds of the time limit (remaining_time())."""

WARNING_SIGNAL = "USR1"
"""What the job process handles as the warning (`xpm.scheduler`'s `WARNING_SIGNAL`)."""

DEFAULT_WARNING = 120
"""Seconds between the warning and the time limit, unless the launcher says otherwise."""


def time_limit(options: SlurmOptions) -> int | None:
    """The seconds SLURM gives the job: `options.time` in whole minutes (None: none)."""
    seconds = slurm_seconds(options.time) if options.time else None
    return None if seconds is None else max(60, math.ceil(seconds / 60) * 60)


def with_warning(
    options: SlurmOptions, warning: int | None
) -> tuple[SlurmOptions, tuple[str, ...]]:
    """Return the options with `--signal=B:USR1@N` added, and the signals the job
    script must then ignore (`(WARNING_SIGNAL,)`, or none when nothing was added).

    Added when there is a time limit and the user did not ask for a signal of their own;
    N is `warning` (default 120 s), at most half the limit; 0 means no warning.
    """
    limit = time_limit(options)
    if limit is None or any(arg.startswith("--signal") for arg in options.extra):
        return options, ()
    seconds = min(DEFAULT_WARNING if warning is None else warning, limit // 2)
    if seconds < 1:
        return options, ()
    signal = f"--signal=B:{WARNING_SIGNAL}@{int(seconds)}"
    return dataclasses.replace(options, extra=(*options.extra, signal)), (WARNING_SIGNAL,)


def more_memory(options: SlurmOptions, factor: float, cap: str | None) -> str | None:
    """Return the `mem` of a retry after running out of memory (`"6144M"`), or None
    without `mem`, or when the cap leaves no more."""
    current = slurm_megabytes(options.mem) if options.mem else None
    if current is None:
        return None
    wanted = math.ceil(current * factor)
    limit = slurm_megabytes(cap) if cap else None
    if limit is not None:
        wanted = min(wanted, limit)
    return f"{wanted}M" if wanted > current else None


def dependency_update(job_id: str, after: Sequence[str]) -> list[str]:
    """The command that makes queued `job_id` wait for the jobs `after` instead."""
    dependency = "afterok:" + ":".join(after) if after else ""
    return ["scontrol", "update", f"JobId={job_id}", f"Dependency={dependency}"]
