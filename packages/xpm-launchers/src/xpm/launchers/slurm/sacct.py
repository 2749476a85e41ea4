"""Poll many SLURM jobs with one command, and read the answer as xpm-side states.

Each polling round runs one `sacct` for every job it watches (`sacct_command`); jobs
that accounting does not show yet (it lags the controller by seconds) are looked up
with `squeue` (`squeue_command`), which only knows recent jobs. A pending array task
cancelled on its own may vanish from both. The parsers are pure, so the tests feed
them output captured from a real cluster.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

from ..errors import SlurmCommandError

SACCT_FIELDS: Final = ("JobID", "State", "ExitCode", "Reason")
"""The columns `sacct_command` asks for, in order."""

SQUEUE_FORMAT: Final = "%i|%T|%r"
"""The `squeue -o` format `squeue_command` asks for: job id, state, reason."""


class SlurmProgress(enum.Enum):
    """Where a SLURM job stands, as the xpm scheduler sees it."""

    WAITING = "waiting"
    """Queued (or requeued): not started yet."""
    RUNNING = "running"
    """Started and not finished (also suspended or finishing)."""
    DONE = "done"
    """Finished successfully."""
    ERROR = "error"
    """Failed, cancelled, timed out, or will never start."""


@dataclass(frozen=True)
class SlurmJobStatus:
    """One job's state as SLURM reports it, and what it means for xpm.

    `slurm_state` is SLURM's word (`"CANCELLED"`); `progress` the xpm-side state;
    `reason` a human explanation ("failed with exit code 3"). `exit_code` and `signal`
    are None when the command did not report them (`squeue`). `is_final` tells whether
    SLURM considers the job over: a job whose dependency failed is an ERROR that SLURM
    keeps pending, so the launcher should cancel it. `slurm_reason` is SLURM's own
    reason column (`"DependencyNeverSatisfied"`), empty when not reported.
    """

    job_id: str
    slurm_state: str
    progress: SlurmProgress
    reason: str
    exit_code: int | None = None
    signal: int | None = None
    is_final: bool = False
    slurm_reason: str = field(default="", compare=False)


_WAITING: Final = frozenset({"PENDING", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED", "RESV_DEL_HOLD"})
_RUNNING: Final = {
    "RUNNING": "running",
    "COMPLETING": "finishing",
    "CONFIGURING": "starting (nodes are being configured)",
    "SUSPENDED": "suspended",
    "STOPPED": "stopped",
    "SIGNALING": "being signaled",
    "STAGE_OUT": "staging out its files",
    "RESIZING": "being resized",
}
_ERRORS: Final = {
    "TIMEOUT": "reached its time limit",
    "OUT_OF_MEMORY": "ran out of memory",
    "NODE_FAIL": "stopped because its node failed",
    "BOOT_FAIL": "stopped because its node failed to boot",
    "PREEMPTED": "was preempted",
    "DEADLINE": "missed its deadline",
    "REVOKED": "was revoked (started on another cluster)",
    "SPECIAL_EXIT": "failed (special exit, requeue held)",
}
_PENDING_REASONS: Final = {
    "": "waiting in the queue",
    "None": "waiting in the queue",
    "Resources": "waiting for resources",
    "Priority": "waiting for higher-priority jobs",
    "Dependency": "waiting for its dependencies",
    "JobHeldUser": "held by its user (scontrol release to start it)",
    "JobHeldAdmin": "held by an administrator",
    "BeginTime": "waiting for its begin time",
    "JobArrayTaskLimit": "waiting: the array's throttle is reached",
    "ReqNodeNotAvail": "waiting for nodes that are not available",
    "PartitionTimeLimit": "waiting: its time limit exceeds the partition's",
}
_MAX_TASKS: Final = 1_000_000
_NEVER_STARTS: Final = "DependencyNeverSatisfied"
DEPENDENCY_FAILED: Final = "cancelled: one of its dependencies failed"
"""The `reason` of a job that SLURM cancelled because one of its dependencies failed."""
_ARRAY_PENDING: Final = re.compile(r"([0-9]+)_\[([0-9,\-]+)(?:%[0-9]+)?\]")


def sacct_command(job_ids: Iterable[str], since: datetime) -> list[str]:
    """Return the one `sacct` call that reports every job in `job_ids`.

    `since` must be no later than the oldest submission: without `-S`, sacct only
    reports jobs that ran since midnight.
    """
    return [
        "sacct",
        "-X",
        "-P",
        "-n",
        "-j",
        ",".join(job_ids),
        "-S",
        since.strftime("%Y-%m-%dT%H:%M:%S"),
        "-o",
        ",".join(SACCT_FIELDS),
    ]


def squeue_command(job_ids: Iterable[str]) -> list[str]:
    """Return the `squeue` call that reports the jobs accounting does not show yet.

    `squeue` exits 1 ("Invalid job id specified") when it knows none of the ids.
    """
    return [
        "squeue",
        "-h",
        "-r",
        "-t",
        "all",
        "-j",
        ",".join(job_ids),
        "-o",
        SQUEUE_FORMAT,
    ]


def parse_sacct(output: str, command: Sequence[str] = ("sacct",)) -> dict[str, SlurmJobStatus]:
    """Return the status of each job in the output of `sacct_command`, by job id.

    Array tasks are keyed `"<array id>_<index>"`; a pending array row (`12_[0-3%2]`)
    gives one entry per index. Jobs absent from the output are absent from the result.

    Raises:
        SlurmCommandError: a line does not have the expected columns (`command` names
            the command in the message).
    """
    statuses: dict[str, SlurmJobStatus] = {}
    for job_id, state, exit_code, reason in _rows(output, len(SACCT_FIELDS), command):
        code, signal = _exit_code(exit_code, command)
        for task_id in _expand(job_id):
            statuses[task_id] = status_of(task_id, state, reason, code, signal)
    return statuses


def parse_squeue(output: str, command: Sequence[str] = ("squeue",)) -> dict[str, SlurmJobStatus]:
    """Return the status of each job in the output of `squeue_command`, by job id.

    Raises:
        SlurmCommandError: a line does not have the expected columns.
    """
    statuses: dict[str, SlurmJobStatus] = {}
    for job_id, state, reason in _rows(output, 3, command):
        for task_id in _expand(job_id):
            statuses[task_id] = status_of(task_id, state, reason)
    return statuses


def merge_statuses(
    accounting: Mapping[str, SlurmJobStatus], controller: Mapping[str, SlurmJobStatus]
) -> dict[str, SlurmJobStatus]:
    """Combine `sacct` (`accounting`) and `squeue` (`controller`) answers, by job id.

    The controller is more recent, so its state wins (its pending reasons too); when
    both agree that the job ended, the accounting record stays: it has the exit code
    and who cancelled the job.
    """
    merged = dict(accounting)
    for job_id, live in controller.items():
        known = accounting.get(job_id)
        if known is None or not known.is_final or known.slurm_state != live.slurm_state:
            merged[job_id] = live
    return merged


def status_of(
    job_id: str,
    state: str,
    reason: str = "",
    exit_code: int | None = None,
    signal: int | None = None,
) -> SlurmJobStatus:
    """Return what SLURM's `state` (`"CANCELLED by 0"`, `"FAILED"`) means for xpm.

    `reason` is SLURM's reason column; it matters only for pending jobs (accounting
    keeps a stale one after the end). An unknown state is reported as RUNNING, so the
    job keeps being polled, with the state named in `reason`.
    """
    word, _, rest = state.strip().rstrip("+").partition(" ")
    reason = reason.strip()

    def make(progress: SlurmProgress, text: str, final: bool) -> SlurmJobStatus:
        raw = "" if reason == "None" else reason
        return SlurmJobStatus(job_id, word, progress, text, exit_code, signal, final, raw)

    if word in _WAITING:
        if reason == _NEVER_STARTS:
            return make(
                SlurmProgress.ERROR,
                "will never start: one of its dependencies failed",
                False,
            )
        text = _PENDING_REASONS.get(reason, f"waiting ({reason})")
        if word != "PENDING":
            text = f"{word.lower().replace('_', ' ')}, {text}"
        return make(SlurmProgress.WAITING, text, False)
    if word in _RUNNING:
        return make(SlurmProgress.RUNNING, _RUNNING[word], False)
    if word == "COMPLETED":
        return make(SlurmProgress.DONE, "completed", True)
    if word == "CANCELLED":
        by = rest.removeprefix("by ").strip()
        # SLURM itself cancels (no "by <uid>") a job whose dependency failed when it was
        # submitted with --kill-on-invalid-dep=yes; sacct then keeps the reason Dependency.
        if reason == _NEVER_STARTS or (reason == "Dependency" and not by):
            return make(SlurmProgress.ERROR, DEPENDENCY_FAILED, True)
        return make(SlurmProgress.ERROR, f"cancelled by user {by}" if by else "cancelled", True)
    if word == "FAILED":
        return make(SlurmProgress.ERROR, _failure(exit_code, signal), True)
    if word in _ERRORS:
        return make(SlurmProgress.ERROR, _ERRORS[word], True)
    return make(SlurmProgress.RUNNING, f"unknown SLURM state {state.strip()!r}", False)


def _failure(exit_code: int | None, signal: int | None) -> str:
    if signal:
        return f"killed by signal {signal}"
    if exit_code:
        return f"failed with exit code {exit_code}"
    return "failed"


def _rows(output: str, width: int, command: Sequence[str]) -> Iterable[list[str]]:
    for line in output.splitlines():
        if not line.strip():
            continue
        cells = line.split("|")
        if len(cells) != width:
            raise SlurmCommandError(
                command,
                0,
                f"cannot read this line ({width} columns separated by | expected): {line!r}",
            )
        yield [cell.strip() for cell in cells]


def _exit_code(text: str, command: Sequence[str]) -> tuple[int | None, int | None]:
    if not text:
        return None, None
    code, _, signal = text.partition(":")
    if not code.isdigit() or not (signal or "0").isdigit():
        raise SlurmCommandError(command, 0, f"cannot read the exit code {text!r}")
    return int(code), int(signal or 0)


def _expand(job_id: str) -> list[str]:
    match = _ARRAY_PENDING.fullmatch(job_id)
    if match is None:
        return [job_id]
    array_id, ranges = match.groups()
    tasks: list[str] = []
    for part in ranges.split(","):
        first, _, last = part.partition("-")
        if not first.isdigit() or (last and not last.isdigit()):
            return [job_id]
        if int(last or first) - int(first) > _MAX_TASKS:
            return [job_id]
        tasks.extend(f"{array_id}_{index}" for index in range(int(first), int(last or first) + 1))
    return tasks
