"""SlurmPoller: endings for every SLURM state, backoff, grace, accounting fallback, and
its schedule: markers end jobs without asking SLURM, rounds 30-45 s apart (fake clock)."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from xpm.launchers import (
    CommandResult,
    SlurmCommandError,
    SlurmLauncher,
    SlurmPoller,
    ending_of,
    parse_sacct,
    parse_squeue,
)
from xpm.scheduler import Ending, JobLaunch, JobPaths

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


class Cluster:
    """A runner that answers sacct and squeue from a table of states, counting calls."""

    def __init__(self, states: dict[str, str]) -> None:
        self.states = states
        self.controller: dict[str, str] = {}
        """What squeue says when it differs from accounting (a requeued job)."""
        self.calls: list[tuple[float, list[str]]] = []
        self.clock = Clock()

    def __call__(self, command: Sequence[str]) -> CommandResult:
        self.calls.append((self.clock.now, list(command)))
        ids = command[command.index("-j") + 1].split(",") if "-j" in command else []
        if command[0] == "sacct":
            rows = [f"{i}|{self.states[i]}|{_code(self.states[i])}|None" for i in ids]
        elif command[0] == "squeue":
            states = {**self.states, **self.controller}
            rows = [f"{i}|{states[i].split(':')[0]}|None" for i in ids]
        else:
            return CommandResult(0, "")
        return CommandResult(0, "".join(f"{row}\n" for row in rows))

    def status_calls(self) -> list[tuple[float, list[str]]]:
        return [(t, c) for t, c in self.calls if c[0] in ("sacct", "squeue", "scontrol")]

    def asked(self) -> list[str]:
        """The `-j` list of each status call."""
        return [c[c.index("-j") + 1] for _, c in self.status_calls() if "-j" in c]


def _code(state: str) -> str:
    return "0:9" if state.startswith("FAILED") else "0:0"


def _paths(root: Path, name: str) -> JobPaths:
    (root / name).mkdir()
    return JobPaths(root / name, name)


def _run_for(poller: SlurmPoller, clock: Clock, seconds: float, step: float = 0.5) -> None:
    end = clock.now + seconds
    while clock.now < end:
        clock.now += step
        poller.run_due()


def test_a_job_whose_done_marker_is_written_is_never_asked_about(tmp_path: Path) -> None:
    """`.done` ends the job at the next look at the folder, with no SLURM call at all."""
    cluster = Cluster({"7": "RUNNING"})
    poller = SlurmPoller(cluster, background=False, clock=cluster.clock)
    endings: list[Ending] = []
    paths = _paths(tmp_path, "job")
    poller.follow("7", endings.append, paths=paths)
    _run_for(poller, cluster.clock, 20)
    paths.done.touch()
    poller.run_due()
    assert endings == [Ending(0, message="job.done written (SLURM job 7)")]
    assert poller.followed() == [] and poller.next_round is None
    _run_for(poller, cluster.clock, 120)
    assert cluster.calls == []


def test_a_failed_marker_asks_slurm_at_once_and_its_verdict_wins(tmp_path: Path) -> None:
    """The job that wrote `.failed` is asked about alone, at once: TIMEOUT is the reason."""
    cluster = Cluster({"7": "TIMEOUT", "8": "RUNNING"})
    poller = SlurmPoller(cluster, background=False, clock=cluster.clock)
    endings: list[Ending] = []
    failing = _paths(tmp_path, "failing")
    poller.follow("7", endings.append, paths=failing)
    poller.follow("8", endings.append, paths=_paths(tmp_path, "other"))
    cluster.clock.now += 5
    failing.failed.write_text('{"reason": "cancelled"}')
    poller.run_due()
    assert cluster.asked() == ["7"]
    assert [(e.reason, e.message) for e in endings] == [
        ("timeout", "SLURM: TIMEOUT, reached its time limit (job 7)")
    ]
    assert poller.followed() == ["8"]


def test_a_failed_job_is_asked_again_until_slurm_says_it_is_over(tmp_path: Path) -> None:
    """Accounting still says RUNNING: squeue is asked too, then again 0.5 s later."""
    cluster = Cluster({"7": "RUNNING"})
    poller = SlurmPoller(cluster, background=False, clock=cluster.clock)
    endings: list[Ending] = []
    paths = _paths(tmp_path, "job")
    poller.follow("7", endings.append, paths=paths)
    paths.failed.touch()
    poller.run_due()
    assert [c[0] for _, c in cluster.calls] == ["sacct", "squeue"]
    cluster.clock.now += 0.4
    poller.run_due()
    assert len(cluster.calls) == 2 and endings == []
    cluster.states["7"] = "FAILED"
    cluster.clock.now += 0.2
    poller.run_due()
    assert [(e.signal, e.reason) for e in endings] == [(9, "failed")]
    assert len(cluster.calls) == 3


def test_a_failed_marker_slurm_never_confirms_ends_after_the_grace(tmp_path: Path) -> None:
    """The job process wrote `.failed` but SLURM says RUNNING for `grace` s: it ends."""
    cluster = Cluster({"7": "RUNNING"})
    poller = SlurmPoller(cluster, grace=30, background=False, clock=cluster.clock)
    endings: list[Ending] = []
    paths = _paths(tmp_path, "job")
    poller.follow("7", endings.append, paths=paths)
    paths.failed.touch()
    _run_for(poller, cluster.clock, 29)
    assert endings == []
    _run_for(poller, cluster.clock, 10)
    assert endings == [
        Ending(
            None, message="SLURM: job 7 wrote job.failed, but SLURM still says RUNNING 30 s later"
        )
    ]
    # Asked 0.5, 0.75, 1.1... s apart, then every 5 s: not every look at the folder.
    assert 8 <= len(cluster.status_calls()) <= 2 * 16


@pytest.mark.parametrize("state", ["RUNNING", "PENDING"])
def test_rounds_are_30_to_45_s_apart_and_cost_at_most_4_calls_a_minute(
    tmp_path: Path, state: str
) -> None:
    """Default schedule: no call in the first 30 s, then a round every 30-45 s."""
    cluster = Cluster({str(i): state for i in range(1, 6)})
    poller = SlurmPoller(cluster, background=False, clock=cluster.clock)
    start = cluster.clock.now
    for i in range(1, 6):
        poller.follow(str(i), lambda e: None, paths=_paths(tmp_path, f"j{i}"))
    _run_for(poller, cluster.clock, 600)
    rounds = sorted({t for t, c in cluster.status_calls() if c[0] == "sacct"})
    assert rounds[0] - start == pytest.approx(30, abs=0.5)
    gaps = [b - a for a, b in itertools.pairwise(rounds)]
    assert all(30 <= gap <= 45.5 for gap in gaps), gaps
    assert len(cluster.status_calls()) / 10 <= 4
    assert cluster.asked()[0] == "1,2,3,4,5"


def test_a_job_that_dies_without_a_marker_is_noticed_within_a_minute(tmp_path: Path) -> None:
    """Killed without writing `.failed` (kill -9, node failure): the next round sees it."""
    cluster = Cluster({"1": "RUNNING", "2": "RUNNING"})
    poller = SlurmPoller(cluster, background=False, clock=cluster.clock)
    endings: list[Ending] = []
    poller.follow("1", endings.append, paths=_paths(tmp_path, "a"))
    poller.follow("2", endings.append, paths=_paths(tmp_path, "b"))
    _run_for(poller, cluster.clock, 300)
    assert endings == []
    cluster.states["1"] = "FAILED"
    killed = cluster.clock.now
    while not endings:
        cluster.clock.now += 0.5
        poller.run_due()
    assert cluster.clock.now - killed <= 45.5
    assert [(e.signal, e.message) for e in endings] == [
        (9, "SLURM: FAILED, killed by signal 9 (job 1)")
    ]
    assert poller.followed() == ["2"]


def test_the_background_thread_reads_markers_within_a_second(tmp_path: Path) -> None:
    """A launcher with default settings reports `.done` within a second, asking nothing."""
    fake = FakeSlurm()
    launcher = SlurmLauncher(runner=fake)
    ended = threading.Event()
    folder = tmp_path / "job"
    folder.mkdir()
    launch = JobLaunch(folder, "job", "t.job/0", ("true",))
    launcher.start(launch, lambda ending: ended.set())
    time.sleep(0.3)
    written = time.monotonic()
    launch.paths.done.touch()
    assert ended.wait(5)
    elapsed = time.monotonic() - written
    launcher.close()
    assert elapsed < 1.0
    assert [c[0] for c in fake.calls] == ["sbatch"]


def test_a_failure_brings_the_next_round_to_5_s_later(tmp_path: Path) -> None:
    """The jobs that waited for a failed job get cancelled by SLURM: seen 5 s later."""
    cluster = Cluster({"1": "FAILED", "2": "PENDING"})
    poller = SlurmPoller(cluster, background=False, clock=cluster.clock)
    endings: list[Ending] = []
    parent = _paths(tmp_path, "parent")
    poller.follow("1", endings.append, paths=parent)
    poller.follow("2", endings.append, paths=_paths(tmp_path, "child"))
    cluster.clock.now += 2
    parent.failed.touch()
    poller.run_due()
    assert len(endings) == 1 and poller.next_round == cluster.clock.now + 5
    cluster.states["2"] = "CANCELLED"
    _run_for(poller, cluster.clock, 5)
    assert [e.reason for e in endings] == ["failed", "cancelled"]


def test_launchers_made_by_config_share_one_round(tmp_path: Path) -> None:
    """Two launchers of one experiment (config()) are asked about in one sacct call; closing
    one stops following its jobs only, and the other's still end."""
    fake = FakeSlurm()
    threads = _poller_threads()
    cpu = SlurmLauncher(runner=fake, min_poll_interval=0.2, max_poll_interval=0.2)
    gpu = cpu.config(gpus=1)
    ended = threading.Event()
    for name, launcher in (("a", cpu), ("b", gpu)):
        (tmp_path / name).mkdir()
        launch = JobLaunch(tmp_path / name, name, f"t.{name}/0", ("true",))
        launcher.start(launch, lambda ending: ended.set())
    fake.answer("sacct", "101|RUNNING|0:0|None\n102|RUNNING|0:0|None\n")
    deadline = time.monotonic() + 5
    while not fake.called("sacct") and time.monotonic() < deadline:
        time.sleep(0.05)
    first = fake.called("sacct")[0]
    assert first[first.index("-j") + 1] == "101,102"
    assert (cpu.poll(), gpu.poll()) == (["101"], ["102"])
    assert _poller_threads() == threads + 1
    cpu.close()
    assert gpu.poll() == ["102"]
    fake.answer("sacct", "102|COMPLETED|0:0|None\n")
    assert ended.wait(5)
    gpu.close()
    assert _poller_threads() == threads


def _poller_threads() -> int:
    return sum(1 for thread in threading.enumerate() if thread.name == "xpm-slurm-poller")


def test_a_job_slurm_requeues_after_it_wrote_failed_is_not_over(tmp_path: Path) -> None:
    """Preempted with requeue: the job process writes `.failed` on SIGTERM, accounting
    shows the stopped attempt (PREEMPTED) while the controller holds the job PENDING for
    about 120 s. It is not over; that `.failed` is ignored (no question every 0.5 s),
    and only the next attempt's own end counts."""
    cluster = Cluster({"7": "RUNNING"})
    poller = SlurmPoller(cluster, grace=60, background=False, clock=cluster.clock)
    endings: list[Ending] = []
    paths = _paths(tmp_path, "job")
    poller.follow("7", endings.append, paths=paths)
    _run_for(poller, cluster.clock, 10)
    cluster.states["7"] = "PREEMPTED"
    cluster.controller["7"] = "PENDING"
    paths.failed.write_text('{"reason": "cancelled", "code": 143}')
    before = len(cluster.status_calls())
    _run_for(poller, cluster.clock, 150)
    assert endings == []
    assert poller.followed() == ["7"]
    # Confirmed once (sacct, then squeue), then only the rounds 30-45 s apart.
    assert len(cluster.status_calls()) - before <= 2 + 2 * 5
    # The next attempt starts (the job process removes the stale .failed), then fails.
    cluster.states["7"] = "RUNNING"
    del cluster.controller["7"]
    paths.failed.unlink()
    _run_for(poller, cluster.clock, 40)
    assert endings == []
    time.sleep(0.01)
    paths.failed.write_text('{"reason": "failed", "code": 1}')
    cluster.states["7"] = "FAILED"
    poller.run_due()
    assert [(e.reason, e.message) for e in endings] == [
        ("failed", "SLURM: FAILED, killed by signal 9 (job 7)")
    ]


def test_a_requeued_job_whose_stale_failed_stays_until_it_runs_again_is_followed(
    tmp_path: Path,
) -> None:
    """Requeued while the poller confirms `.failed`: RUNNING again (the new attempt has
    not removed the old `.failed` yet) does not end it after the grace; `.done` does."""
    cluster = Cluster({"7": "RUNNING"})
    poller = SlurmPoller(cluster, grace=30, background=False, clock=cluster.clock)
    endings: list[Ending] = []
    paths = _paths(tmp_path, "job")
    poller.follow("7", endings.append, paths=paths)
    paths.failed.write_text('{"reason": "cancelled"}')
    cluster.states["7"] = "REQUEUED"
    poller.run_due()
    cluster.states["7"] = "RUNNING"
    _run_for(poller, cluster.clock, 90)
    assert endings == []
    paths.failed.unlink()
    paths.done.touch()
    poller.run_due()
    assert endings == [Ending(0, message="job.done written (SLURM job 7)")]
