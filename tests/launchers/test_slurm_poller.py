"""SlurmPoller: endings for every SLURM state, backoff, grace, accounting fallback."""

from __future__ import annotations

import pytest

from xpm.launchers import SlurmCommandError, SlurmPoller, ending_of, parse_sacct, parse_squeue
from xpm.scheduler import Ending

from .slurm_fake import FakeSlurm

INVALID = "slurm_load_jobs error: Invalid job id specified"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("line", "ending"),
    [
        ("1|COMPLETED|0:0|None", Ending(0, message="SLURM: COMPLETED (job 1)")),
        (
            "1|FAILED|3:0|None",
            Ending(3, message="SLURM: FAILED, failed with exit code 3 (job 1)"),
        ),
        (
            "1|FAILED|0:9|None",
            Ending(None, signal=9, message="SLURM: FAILED, killed by signal 9 (job 1)"),
        ),
        (
            "1|TIMEOUT|0:0|None",
            Ending(
                None, reason="timeout", message="SLURM: TIMEOUT, reached its time limit (job 1)"
            ),
        ),
        (
            "1|OUT_OF_MEMORY|0:125|None",
            Ending(
                None,
                signal=125,
                reason="memory",
                message="SLURM: OUT_OF_MEMORY, ran out of memory (job 1)",
            ),
        ),
        (
            "1|CANCELLED by 0|0:15|None",
            Ending(
                None,
                signal=15,
                reason="cancelled",
                message="SLURM: CANCELLED, cancelled by user 0 (job 1)",
            ),
        ),
        (
            "1|CANCELLED|0:0|Dependency",
            Ending(
                None,
                reason="dependency",
                message="SLURM: CANCELLED, cancelled: one of its dependencies failed (job 1)",
            ),
        ),
        (
            "1|NODE_FAIL|0:0|None",
            Ending(
                None,
                reason="node_failure",
                message="SLURM: NODE_FAIL, stopped because its node failed (job 1)",
            ),
        ),
        (
            "1|PREEMPTED|0:0|None",
            Ending(None, reason="preempted", message="SLURM: PREEMPTED, was preempted (job 1)"),
        ),
    ],
)
def test_endings_of_slurm_states(line: str, ending: Ending) -> None:
    """Each final SLURM state maps to a code, a reason and a `SLURM: <STATE>` message."""
    assert ending_of(parse_sacct(line)["1"]) == ending


def test_a_job_that_will_never_start_ends_and_stays_queued() -> None:
    """Pending with DependencyNeverSatisfied: report reason dependency, and leave the
    job queued: the scheduler cancels it, or makes it wait for a retried dependency."""
    fake = FakeSlurm()
    poller = SlurmPoller(fake, background=False)
    endings: list[Ending] = []
    poller.follow("8", endings.append)
    fake.answer("sacct", "8|PENDING|0:0|DependencyNeverSatisfied\n")
    poller.poll_once()
    assert [e.reason for e in endings] == ["dependency"]
    assert fake.called("scancel") == []
    assert ending_of(parse_squeue("8|PENDING|DependencyNeverSatisfied")["8"]).reason == "dependency"


def test_unknown_jobs_wait_for_the_grace_period() -> None:
    """A job neither sacct nor squeue lists is gone only after `grace` seconds."""
    fake, clock = FakeSlurm(), Clock()
    poller = SlurmPoller(fake, grace=30, background=False, clock=clock)
    endings: list[Ending] = []
    poller.follow("9", endings.append)
    clock.now += 29
    poller.poll_once()
    assert endings == []
    fake.answer("squeue", "9|PENDING|Priority\n")
    clock.now += 20
    poller.poll_once()
    clock.now += 29
    poller.poll_once()
    assert endings == []
    clock.now += 2
    poller.poll_once()
    assert endings[0].reason == "failed"
    assert "unknown to SLURM" in endings[0].message
    assert poller.followed() == []


def test_backoff_grows_while_nothing_changes_and_resets() -> None:
    """Rounds get further apart up to the cap, and close again on a change."""
    fake = FakeSlurm()
    poller = SlurmPoller(fake, min_interval=0.5, max_interval=2, background=False)
    poller.follow("5", lambda e: None)
    for _ in range(6):
        fake.answer("sacct", "5|RUNNING|0:0|None\n")
        poller.poll_once()
    assert poller.interval == 2
    fake.answer("sacct", "5|COMPLETING|0:0|None\n")
    assert poller.poll_once() is True
    assert poller.interval == 0.5
    fake.answer("sacct", "5|COMPLETING|0:0|None\n")
    assert poller.poll_once() is False
    assert poller.interval == 0.75


def test_without_accounting_squeue_answers_alone() -> None:
    """When sacct says accounting is disabled, it is not asked again."""
    fake = FakeSlurm()
    poller = SlurmPoller(fake, background=False)
    endings: list[Ending] = []
    poller.follow("3", endings.append)
    fake.answer("sacct", returncode=1, stderr="Slurm accounting storage is disabled")
    fake.answer("squeue", "3|RUNNING|None\n")
    poller.poll_once()
    fake.answer("squeue", "3|COMPLETED|None\n")
    poller.poll_once()
    assert poller.has_accounting is False
    assert len(fake.called("sacct")) == 1
    assert endings == [Ending(0, message="SLURM: COMPLETED (job 3)")]


def test_a_failing_callback_does_not_stop_the_others(caplog: pytest.LogCaptureFixture) -> None:
    """An exception in one on_end is logged; the next job still gets its Ending."""
    fake = FakeSlurm()
    poller = SlurmPoller(fake, background=False)
    endings: list[Ending] = []

    def broken(ending: Ending) -> None:
        raise ValueError("boom")

    poller.follow("1", broken)
    poller.follow("2", endings.append)
    fake.answer("sacct", "1|COMPLETED|0:0|None\n2|COMPLETED|0:0|None\n")
    poller.poll_once()
    assert len(endings) == 1
    assert "end callback" in caplog.text


def test_squeue_failure_keeps_following() -> None:
    """When the controller does not answer, the round fails and jobs stay followed."""
    fake = FakeSlurm()
    poller = SlurmPoller(fake, background=False)
    poller.follow("4", lambda e: None)
    fake.answer("sacct", returncode=1, stderr="sacct: error: slurmdbd: connection refused")
    fake.answer("squeue", returncode=1, stderr="Unable to contact slurm controller")
    with pytest.raises(SlurmCommandError, match="Unable to contact"):
        poller.poll_once()
    assert poller.followed() == ["4"]
    poller.close()
    with pytest.raises(RuntimeError, match="closed"):
        poller.follow("5", lambda e: None)


def test_scontrol_gives_the_exit_code_when_accounting_lags() -> None:
    """squeue has no exit codes: a job it alone saw fail gets one from scontrol."""
    fake = FakeSlurm()
    poller = SlurmPoller(fake, background=False)
    endings: list[Ending] = []
    poller.follow("6", endings.append)
    fake.answer("squeue", "6|FAILED|NonZeroExitCode\n")
    fake.answer(
        "scontrol", "JobId=6 JobName=x JobState=FAILED Reason=NonZeroExitCode ExitCode=3:0\n"
    )
    poller.poll_once()
    assert fake.called("scontrol") == [["scontrol", "-o", "show", "job", "6"]]
    assert endings == [Ending(3, message="SLURM: FAILED, failed with exit code 3 (job 6)")]
