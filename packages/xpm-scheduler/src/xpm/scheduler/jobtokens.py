"""The tokens of one job, as the scheduler takes, hands over and gives them back.

A job needing tokens (`CounterToken`) takes them before it starts, in the experiment's
name; a job run by a local process is then recorded as their holder, so that the
tokens stay taken if the experiment dies while the job runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from .job import Job
from .pids import ProcessIdentity
from .tokens import acquire_all, release_all


def take_tokens(job: Job, me: ProcessIdentity, full: set[Path]) -> bool:
    """Take every token `job` needs, or none; return whether it holds them now.

    `full` holds the tokens found exhausted in this scheduling pass (see `acquire_all`).
    """
    if not job.tokens or job.held_tokens:
        return True
    job.held_tokens = acquire_all(job.tokens, job.job_id, me.pid, me.start_time, full)
    return job.held_tokens


def release_tokens(job: Job) -> None:
    """Give back the tokens `job` holds (it ended, or could not start)."""
    if job.held_tokens:
        release_all(job.tokens, job.job_id)
        job.held_tokens = False


def hand_over_tokens(job: Job, record: Mapping[str, object]) -> None:
    """Make the local process of `record` the holder of the tokens of `job`."""
    pid, start_time = record.get("pid"), record.get("start_time")
    if not job.tokens or not isinstance(pid, int) or not isinstance(start_time, int):
        return
    for counter, _ in job.tokens:
        counter.transfer(job.job_id, pid, start_time)
