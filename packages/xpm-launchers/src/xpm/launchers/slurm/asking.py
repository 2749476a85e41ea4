"""Ask SLURM where some jobs stand: `sacct` first, `squeue` and `scontrol` when needed.

`sacct` reads the accounting database and spares the controller, so it is asked first,
about every job in one call. `squeue` (the controller) is asked only about the jobs that
accounting does not list yet, lists as queued (it lags the controller by seconds, and
keeps a pending array's `42_[5-199]` row while its tasks run), lists as still running
when the job wrote `.failed` (its end is being confirmed), or lists in a final state
SLURM requeues from (PREEMPTED, NODE_FAIL: accounting may show the stopped attempt's
row while the controller has queued the job again). `scontrol` gives the exit code of
a job that `squeue` alone saw fail.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime

from ..errors import SlurmCommandError
from .commands import CommandResult, CommandRunner
from .sacct import (
    SlurmJobStatus,
    SlurmProgress,
    merge_statuses,
    parse_sacct,
    parse_squeue,
    sacct_command,
    squeue_command,
    status_of,
)

_log = logging.getLogger(__name__)
_EXIT_CODE = re.compile(r"(?:^|\s)ExitCode=([0-9]+):([0-9]+)")
_REQUEUED_FROM = frozenset({"PREEMPTED", "NODE_FAIL", "BOOT_FAIL"})


def ask_slurm(
    runner: CommandRunner,
    job_ids: Collection[str],
    since: datetime,
    confirm: Collection[str] = (),
    *,
    accounting: bool = True,
) -> tuple[dict[str, SlurmJobStatus], bool]:
    """Return what SLURM says of each job in `job_ids` (unknown jobs are absent), and
    whether accounting works (False once `sacct` said it is disabled; then pass
    `accounting=False` and `squeue` answers alone).

    Raises:
        SlurmCommandError: `squeue` failed (the controller does not answer).
    """
    ids = sorted(set(job_ids))
    listed: dict[str, SlurmJobStatus] = {}
    if accounting and ids:
        command = sacct_command(_query_ids(ids), since)
        result = runner(command)
        if result.returncode == 0:
            listed = parse_sacct(result.stdout, command)
        elif "accounting storage is disabled" in result.stderr.lower():
            _log.info("SLURM accounting is disabled: following jobs with squeue only")
            accounting = False
        else:
            _log.warning("%s; asking squeue instead", command_error(command, result))
    missing = [
        job_id
        for job_id in ids
        if job_id not in listed
        or listed[job_id].progress is SlurmProgress.WAITING
        or (job_id in confirm and not listed[job_id].is_final)
        or listed[job_id].slurm_state in _REQUEUED_FROM
    ]
    controller: dict[str, SlurmJobStatus] = {}
    if missing:
        command = squeue_command(_query_ids(missing))
        result = runner(command)
        # squeue exits 1 when it knows none of the ids: that is an answer too.
        if result.returncode != 0 and "invalid job id" not in result.stderr.lower():
            raise command_error(command, result)
        controller = parse_squeue(result.stdout, command)
    merged = merge_statuses(listed, controller)
    answer = {job_id: _with_exit_code(runner, merged[job_id]) for job_id in ids if job_id in merged}
    return answer, accounting


def command_error(command: Sequence[str], result: CommandResult) -> SlurmCommandError:
    """The error that says `command` failed, with what it printed on stderr."""
    return SlurmCommandError(command, result.returncode, result.stderr)


def _with_exit_code(runner: CommandRunner, status: SlurmJobStatus) -> SlurmJobStatus:
    """Ask `scontrol` the exit code of a job that squeue saw end before accounting."""
    if not status.is_final or status.exit_code is not None:
        return status
    if status.progress is SlurmProgress.DONE:
        return status  # COMPLETED: exit code 0
    command = ["scontrol", "-o", "show", "job", status.job_id]
    result = runner(command)
    match = _EXIT_CODE.search(result.stdout)
    if result.returncode != 0 or match is None:
        return status
    code, signal = int(match.group(1)), int(match.group(2))
    return status_of(status.job_id, status.slurm_state, status.slurm_reason, code, signal)


def _query_ids(job_ids: Iterable[str]) -> list[str]:
    """Ask for an array once (`42`) rather than task by task (`42_0,42_1`)."""
    return sorted({job_id.split("_", 1)[0] for job_id in job_ids}, key=_numeric)


def _numeric(job_id: str) -> tuple[int, str]:
    return (int(job_id) if job_id.isdigit() else -1, job_id)
