"""Polling SLURM: command lines, and parsing real sacct/squeue output into states.

The samples were captured from the single-node cluster of scripts/local-slurm.sh
(SLURM 22.05): jobs that completed, failed (exit 3, exit 1), timed out, were killed
over their memory (0:9), cancelled (pending, held, running), array tasks (throttled
`%2`), a dependent of a failed job, and a held job.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from xpm.launchers import (
    JobProgress,
    SlurmCommandError,
    SlurmJobStatus,
    merge_statuses,
    parse_sacct,
    parse_squeue,
    sacct_command,
    squeue_command,
    status_of,
)

WAITING, RUNNING, DONE, ERROR = JobProgress

# sacct -X -P -n -j 3,4,5,6,7,8,9,10,11,999 -S ... -o JobID,State,ExitCode,Reason
SACCT_EARLY = """\
3|RUNNING|0:0|None
4|COMPLETED|0:0|None
5|FAILED|3:0|None
6|RUNNING|0:0|None
7|PENDING|0:0|None
8|PENDING|0:0|Dependency
10|PENDING|0:0|None
11|PENDING|0:0|JobHeldUser
9_[0-3%2]|PENDING|0:0|None
"""

SACCT_LATE = """\
3|TIMEOUT|0:0|None
4|COMPLETED|0:0|None
5|FAILED|3:0|None
6|COMPLETED|0:0|None
7|FAILED|1:0|None
8|PENDING|0:0|Dependency
10|FAILED|0:9|None
11|PENDING|0:0|JobHeldUser
9_0|COMPLETED|0:0|None
9_1|FAILED|1:0|None
9_2|FAILED|2:0|JobArrayTaskLimit
9_3|FAILED|3:0|JobArrayTaskLimit
"""

# After `scancel 8 11 15` (8 and 11 pending, 15 running); 16 is an array 0-2.
SACCT_CANCELLED = """\
8|CANCELLED by 0|0:0|Dependency
11|CANCELLED by 0|0:0|JobHeldUser
15|CANCELLED by 0|0:0|None
17|PENDING|0:0|None
16_0|RUNNING|0:0|None
16_[1-2]|PENDING|0:0|None
"""

# squeue -h -r -t all -j ... -o '%i|%T|%r', at the time of SACCT_LATE
SQUEUE_LATE = """\
4|COMPLETED|None
6|COMPLETED|None
9_0|COMPLETED|None
5|FAILED|NonZeroExitCode
7|FAILED|NonZeroExitCode
9_3|FAILED|NonZeroExitCode
9_2|FAILED|NonZeroExitCode
9_1|FAILED|NonZeroExitCode
10|FAILED|JobLaunchFailure
8|PENDING|DependencyNeverSatisfied
11|PENDING|JobHeldUser
3|TIMEOUT|TimeLimit
"""

SQUEUE_CANCELLED = """\
8|CANCELLED|DependencyNeverSatisfied
15|CANCELLED|None
11|CANCELLED|JobHeldUser
17|PENDING|Resources
16_2|RUNNING|None
16_0|RUNNING|None
"""


# With DependencyParameters=kill_invalid_depend (local-slurm.sh --kill-invalid-depend),
# 42 depends (afterok) on 41, which failed: SLURM cancels it.
SACCT_KILLED_DEPENDENT = """\
41|FAILED|1:0|None
42|CANCELLED|0:0|Dependency
"""
SQUEUE_KILLED_DEPENDENT = """\
42|CANCELLED|DependencyNeverSatisfied
41|FAILED|NonZeroExitCode
"""


def summary(statuses: dict[str, SlurmJobStatus]) -> dict[str, tuple[JobProgress, str]]:
    return {job_id: (s.progress, s.reason) for job_id, s in statuses.items()}


def test_sacct_command_asks_for_all_jobs_at_once() -> None:
    """One sacct call covers every watched job, with -S so old jobs are found."""
    assert sacct_command(["12", "13_4"], datetime(2026, 11, 23, 9, 5, 7)) == [
        "sacct",
        "-X",
        "-P",
        "-n",
        "-j",
        "12,13_4",
        "-S",
        "2026-11-23T09:05:07",
        "-o",
        "JobID,State,ExitCode,Reason",
    ]


def test_squeue_command_includes_finished_jobs_and_array_tasks() -> None:
    """squeue is asked for every state (-t all) and one line per task (-r)."""
    assert squeue_command(["12", "13"]) == [
        "squeue", "-h", "-r", "-t", "all", "-j", "12,13", "-o", "%i|%T|%r",
    ]  # fmt: skip


def test_sacct_early_round_expands_the_pending_array() -> None:
    """A pending array row gives one waiting entry per task, with readable reasons."""
    assert summary(parse_sacct(SACCT_EARLY)) == {
        "3": (RUNNING, "running"),
        "4": (DONE, "completed"),
        "5": (ERROR, "failed with exit code 3"),
        "6": (RUNNING, "running"),
        "7": (WAITING, "waiting in the queue"),
        "8": (WAITING, "waiting for its dependencies"),
        "10": (WAITING, "waiting in the queue"),
        "11": (WAITING, "held by its user (scontrol release to start it)"),
        "9_0": (WAITING, "waiting in the queue"),
        "9_1": (WAITING, "waiting in the queue"),
        "9_2": (WAITING, "waiting in the queue"),
        "9_3": (WAITING, "waiting in the queue"),
    }


def test_sacct_late_round_reads_exit_codes_and_signals() -> None:
    """Finished jobs give exit codes and signals; stale pending reasons are ignored."""
    statuses = parse_sacct(SACCT_LATE)
    assert summary(statuses) == {
        "3": (ERROR, "reached its time limit"),
        "4": (DONE, "completed"),
        "5": (ERROR, "failed with exit code 3"),
        "6": (DONE, "completed"),
        "7": (ERROR, "failed with exit code 1"),
        "8": (WAITING, "waiting for its dependencies"),
        "10": (ERROR, "killed by signal 9"),
        "11": (WAITING, "held by its user (scontrol release to start it)"),
        "9_0": (DONE, "completed"),
        "9_1": (ERROR, "failed with exit code 1"),
        "9_2": (ERROR, "failed with exit code 2"),
        "9_3": (ERROR, "failed with exit code 3"),
    }
    assert statuses["5"] == SlurmJobStatus(
        "5", "FAILED", ERROR, "failed with exit code 3", 3, 0, is_final=True
    )
    assert (statuses["10"].exit_code, statuses["10"].signal) == (0, 9)
    assert not statuses["8"].is_final


def test_sacct_cancelled_by_a_user() -> None:
    """'CANCELLED by 0' is CANCELLED, an error, naming the user id."""
    statuses = parse_sacct(SACCT_CANCELLED)
    assert statuses["8"] == SlurmJobStatus(
        "8", "CANCELLED", ERROR, "cancelled by user 0", 0, 0, is_final=True
    )
    assert summary(statuses)["16_1"] == (WAITING, "waiting in the queue")
    assert summary(statuses)["16_2"] == (WAITING, "waiting in the queue")


def test_squeue_sees_dependencies_that_will_never_be_satisfied() -> None:
    """A dependent of a failed job is an error SLURM keeps pending: cancel it."""
    statuses = parse_squeue(SQUEUE_LATE)
    never = statuses["8"]
    assert (never.progress, never.is_final) == (ERROR, False)
    assert never.reason == "will never start: one of its dependencies failed"
    assert never.exit_code is None
    assert summary(statuses)["3"] == (ERROR, "reached its time limit")
    assert summary(statuses)["10"] == (ERROR, "failed")
    assert summary(parse_squeue(SQUEUE_CANCELLED))["15"] == (ERROR, "cancelled")


def test_dependent_cancelled_by_kill_invalid_depend() -> None:
    """With kill_invalid_depend, the dependent of a failed job ends CANCELLED.

    sacct then says plain CANCELLED (no "by <uid>") with the reason Dependency.
    """
    assert summary(parse_sacct(SACCT_KILLED_DEPENDENT)) == {
        "41": (ERROR, "failed with exit code 1"),
        "42": (ERROR, "cancelled: one of its dependencies failed"),
    }
    live = parse_squeue(SQUEUE_KILLED_DEPENDENT)["42"]
    assert (live.reason, live.is_final) == (
        "cancelled: one of its dependencies failed",
        True,
    )


def test_merge_prefers_the_controller_but_keeps_accounting_exit_codes() -> None:
    """squeue is fresher; sacct alone knows exit codes and old jobs."""
    merged = merge_statuses(parse_sacct(SACCT_LATE), parse_squeue(SQUEUE_LATE))
    assert merged["8"].progress is ERROR
    assert (merged["5"].reason, merged["5"].exit_code) == ("failed with exit code 3", 3)
    assert merged["8"].reason == "will never start: one of its dependencies failed"
    cancelled = merge_statuses(parse_sacct(SACCT_CANCELLED), parse_squeue(SQUEUE_CANCELLED))
    assert cancelled["15"].reason == "cancelled by user 0"
    late = merge_statuses(parse_sacct(SACCT_EARLY), parse_squeue(SQUEUE_CANCELLED))
    assert late["15"].progress is ERROR
    assert late["4"].progress is DONE


@pytest.mark.parametrize(
    ("state", "reason", "progress", "text", "final"),
    [
        ("RUNNING+", "None", RUNNING, "running", False),
        ("CANCELLED+", "", ERROR, "cancelled", True),
        ("COMPLETING", "", RUNNING, "finishing", False),
        ("SUSPENDED", "", RUNNING, "suspended", False),
        ("REQUEUED", "BeginTime", WAITING, "requeued, waiting for its begin time",
         False),
        ("PENDING", "Priority", WAITING, "waiting for higher-priority jobs", False),
        ("PENDING", "QOSMaxJobsPerUserLimit", WAITING,
         "waiting (QOSMaxJobsPerUserLimit)", False),
        ("OUT_OF_MEMORY", "", ERROR, "ran out of memory", True),
        ("NODE_FAIL", "", ERROR, "stopped because its node failed", True),
        ("PREEMPTED", "", ERROR, "was preempted", True),
        ("BOOT_FAIL", "", ERROR, "stopped because its node failed to boot", True),
        ("DEADLINE", "", ERROR, "missed its deadline", True),
        ("WEIRD_NEW", "", RUNNING, "unknown SLURM state 'WEIRD_NEW'", False),
    ],
)  # fmt: skip
def test_state_mapping(
    state: str, reason: str, progress: JobProgress, text: str, final: bool
) -> None:
    """Each SLURM state maps to one xpm-side state with a readable reason."""
    status = status_of("1", state, reason)
    assert (status.progress, status.reason, status.is_final) == (progress, text, final)


def test_empty_output_gives_no_statuses() -> None:
    """sacct prints nothing for unknown ids: nothing is reported."""
    assert parse_sacct("") == {}
    assert parse_squeue("\n") == {}


def test_unreadable_output_raises_slurm_command_error() -> None:
    """A line with the wrong columns names the command and the line."""
    with pytest.raises(SlurmCommandError) as info:
        parse_sacct("12|COMPLETED|0:0\n", command=("sacct", "-j", "12"))
    assert info.value.command == ("sacct", "-j", "12")
    assert str(info.value) == (
        "SLURM command failed with exit code 0: sacct -j 12\n"
        "cannot read this line (4 columns separated by | expected): '12|COMPLETED|0:0'"
    )
    with pytest.raises(SlurmCommandError, match="exit code 'x:1'"):
        parse_sacct("12|FAILED|x:1|None\n")


def test_slurm_command_error_shows_stderr() -> None:
    """The error keeps the command, return code and stderr, and is a RuntimeError."""
    error = SlurmCommandError(
        ["sbatch", "--parsable", "job.sh"],
        1,
        "sbatch: error: Batch job submission failed: Invalid account\n",
    )
    assert isinstance(error, RuntimeError)
    assert str(error) == (
        "SLURM command failed with exit code 1: sbatch --parsable job.sh\n"
        "sbatch: error: Batch job submission failed: Invalid account"
    )
