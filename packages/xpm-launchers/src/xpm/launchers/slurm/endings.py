"""What the poller reports when a SLURM job is over: the `Ending` the scheduler reads.

SLURM's final state names the cause (TIMEOUT, PREEMPTED, OUT_OF_MEMORY...), which the
scheduler's retry rules go by; a job SLURM does not know, or that wrote `.failed` while
SLURM kept saying it runs, ends without a cause.
"""

from __future__ import annotations

from xpm.scheduler import Ending, JobPaths, Reason

from .sacct import DEPENDENCY_FAILED, SlurmJobStatus, SlurmProgress

_REASONS: dict[str, Reason] = {
    "TIMEOUT": "timeout",
    "OUT_OF_MEMORY": "memory",
    "CANCELLED": "cancelled",
    "PREEMPTED": "preempted",
    "NODE_FAIL": "node_failure",
    "BOOT_FAIL": "node_failure",
}


def ending_of(status: SlurmJobStatus) -> Ending:
    """Return the `Ending` that a job in `status` reports to the scheduler.

    COMPLETED gives its exit code (0); FAILED its exit code, or the signal that killed
    it. The reason is `"timeout"` for TIMEOUT, `"memory"` for OUT_OF_MEMORY,
    `"cancelled"` for CANCELLED, `"preempted"` for PREEMPTED, `"node_failure"` for
    NODE_FAIL and BOOT_FAIL, `"dependency"` when SLURM cancelled the job (or would
    keep it pending forever) because a dependency failed, and `"failed"` otherwise.
    The message reads `SLURM: TIMEOUT, reached its time limit (job 42)`.
    """
    where = f"job {status.job_id}"
    if status.progress is SlurmProgress.DONE:
        return Ending(status.exit_code or 0, message=f"SLURM: {status.slurm_state} ({where})")
    reason = _REASONS.get(status.slurm_state, "failed")
    if status.reason == DEPENDENCY_FAILED or not status.is_final:
        reason = "dependency"
    code = status.exit_code if status.slurm_state == "FAILED" and not status.signal else None
    return Ending(
        code,
        signal=status.signal or None,
        reason=reason,
        message=f"SLURM: {status.slurm_state}, {status.reason} ({where})",
    )


def unknown_ending(job_id: str, grace: float) -> Ending:
    """The end of a job neither `sacct` nor `squeue` listed for `grace` seconds."""
    return Ending(
        None,
        message=(
            f"SLURM: job {job_id} is unknown to SLURM (neither sacct nor squeue lists it "
            f"after {grace:g} s)"
        ),
    )


def unconfirmed_ending(paths: JobPaths | None, status: SlurmJobStatus, grace: float) -> Ending:
    """The end of a job that wrote `.failed` while SLURM said it runs, `grace` s on."""
    name = paths.failed.name if paths is not None else "its failed marker"
    return Ending(
        None,
        message=(
            f"SLURM: job {status.job_id} wrote {name}, but SLURM still says "
            f"{status.slurm_state} {grace:g} s later"
        ),
    )
