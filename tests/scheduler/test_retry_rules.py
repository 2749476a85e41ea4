"""The rules that decide a retry (issue 15): the launcher's verdict wins over the dying
process's guess, and each cause has its own budget, counted from the folder's attempts."""

from __future__ import annotations

import pytest

from xpm.core import Retries, ValidationError
from xpm.scheduler import Attempt, Ending, Failure
from xpm.scheduler.retrying import resolve_failure, should_retry


def test_the_clusters_timeout_wins_over_the_cancellation_the_process_recorded() -> None:
    recorded = Failure("cancelled", 143, "cancelled (SIGTERM)", signal=15)
    ending = Ending(None, 15, "timeout", "SLURM: TIMEOUT, reached its time limit (job 7)")
    failure, changed = resolve_failure(recorded, ending)
    assert changed and failure.reason == "timeout"
    assert failure.message == (
        "SLURM: TIMEOUT, reached its time limit (job 7) "
        "(the job process recorded: cancelled (signal 15): cancelled (SIGTERM))"
    )


def test_the_tasks_own_failure_stands_when_the_cluster_says_nothing_more() -> None:
    recorded = Failure("failed", 1, "ValueError: boom", exception=("ValueError", "boom"))
    assert resolve_failure(recorded, Ending(1, message="SLURM: FAILED")) == (recorded, False)
    graceful = Failure("timeout", 3, "GracefulTimeout: saved")
    assert resolve_failure(graceful, Ending(3, message="SLURM: FAILED"))[0] is graceful


def test_without_a_record_the_ending_is_the_failure() -> None:
    failure, changed = resolve_failure(None, Ending(None, 9, "preempted", "SLURM: PREEMPTED"))
    assert changed and (failure.reason, failure.signal) == ("preempted", 9)


def _attempts(*reasons: str) -> list[Attempt]:
    return [Attempt(i + 1, reason=reason) for i, reason in enumerate(reasons)]


@pytest.mark.parametrize(
    ("reason", "history", "retries", "resumable", "expected"),
    [
        ("timeout", ("timeout",), Retries(), True, True),
        ("timeout", ("timeout",), Retries(), False, False),
        ("timeout", ("timeout",) * 3, Retries(), True, True),
        ("timeout", ("timeout",) * 4, Retries(), True, False),
        ("preempted", ("preempted",), Retries(), False, True),
        ("node_failure", ("timeout", "preempted", "node_failure"), Retries(2), True, False),
        ("failed", ("failed",), Retries(), True, False),
        ("failed", ("failed",), Retries(failed=1), False, True),
        ("failed", ("timeout", "failed"), Retries(failed=1), True, True),
        ("memory", ("memory",), Retries(), False, False),
        ("memory", ("memory",), Retries(memory=1), False, True),
        ("cancelled", ("cancelled",), Retries(failed=5, max_retries=5), True, False),
        ("dependency", ("dependency",), Retries(failed=5), True, False),
    ],
)  # fmt: skip
def test_each_cause_has_its_budget(
    reason: str, history: tuple[str, ...], retries: Retries, resumable: bool, expected: bool
) -> None:
    assert should_retry(Failure(reason), _attempts(*history), retries, resumable) is expected


def test_retries_are_checked() -> None:
    with pytest.raises(ValidationError, match="failed"):
        Retries(failed=-1)
    with pytest.raises(ValidationError, match="memory_factor"):
        Retries(memory_factor=1.0)
