"""SlurmLauncher on the local cluster (scripts/local-slurm.sh): real sbatch, sacct, scancel.

Skipped when `sinfo` is missing or SLURM does not answer, except on CI (`CI=true`),
where that is a failure. The job command stands in for `python -m xpm.scheduler.run`:
a small Python program that writes `<name>.done` itself. The TIMEOUT job is submitted
when the module starts (SLURM counts time limits in minutes) and checked last.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from xpm.launchers import SlurmLauncher, SlurmOptions
from xpm.scheduler import Ending, JobLaunch

pytestmark = pytest.mark.slurm

WAIT = 150.0
OPTIONS = SlurmOptions(mem="50M")


class Ended:
    """An on_end callback that can be waited for."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.endings: list[Ending] = []

    def __call__(self, ending: Ending) -> None:
        self.endings.append(ending)
        self.event.set()

    def wait(self, timeout: float = WAIT) -> Ending:
        assert self.event.wait(timeout), f"the job did not end in {timeout} s"
        return self.endings[0]


def job(
    root: Path, name: str, code: str, after: tuple[Mapping[str, object], ...] = ()
) -> JobLaunch:
    """A job running `code` in Python; it writes `<name>.done` when `code` succeeds."""
    folder = root / name
    folder.mkdir(parents=True)
    program = f"{code}\nopen('{name}.done', 'w').close()"
    return JobLaunch(
        folder=folder,
        name=name,
        job_id=f"test.{name}/0",
        command=(sys.executable, "-c", program),
        environ={"XPM_TEST_NAME": name},
        after=after,
    )


def wait_for(path: Path, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} did not appear in {timeout} s"
        time.sleep(0.2)


@pytest.fixture(scope="module")
def launcher() -> Iterator[SlurmLauncher]:
    launcher = SlurmLauncher(OPTIONS, min_poll_interval=0.3, max_poll_interval=2)
    yield launcher
    launcher.close()


@pytest.fixture(scope="module", autouse=True)
def timeout_job(
    slurm_cluster: None, launcher: SlurmLauncher, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[JobLaunch, Ended]]:
    """A job over its one-minute limit, started first so that other tests overlap it."""
    launch = job(tmp_path_factory.mktemp("timeout"), "slow", "import time; time.sleep(600)")
    ended = Ended()
    record = launcher.config(time="1").start(launch, ended)
    yield launch, ended
    launcher.kill(record)


def test_a_job_completes(launcher: SlurmLauncher, tmp_path: Path) -> None:
    """The job runs in its folder with its environment; stdout goes to <name>.out."""
    launch = job(tmp_path, "ok", "import os; print('hello from', os.environ['XPM_TEST_NAME'])")
    ended = Ended()
    record = launcher.start(launch, ended)
    assert record["type"] == "slurm"
    assert str(record["jobid"]).isdigit()
    ending = ended.wait()
    # It wrote ok.done: read in its folder, or from SLURM when a status round came first.
    jobid = record["jobid"]
    assert ending.code == 0
    completed = {f"ok.done written (SLURM job {jobid})", f"SLURM: COMPLETED (job {jobid})"}
    assert ending.message in completed
    assert (launch.folder / "ok.done").exists()
    assert launch.stdout.read_text() == "hello from ok\n"


def test_a_failing_job(launcher: SlurmLauncher, tmp_path: Path) -> None:
    """Exit code 3 gives Ending(3, reason failed); stderr goes to <name>.err."""
    launch = job(tmp_path, "bad", "import sys; print('broken', file=sys.stderr); sys.exit(3)")
    ended = Ended()
    launcher.start(launch, ended)
    ending = ended.wait()
    assert (ending.code, ending.reason) == (3, "failed")
    assert ending.message.startswith("SLURM: FAILED")
    assert not (launch.folder / "bad.done").exists()
    assert launch.stderr.read_text() == "broken\n"


def test_dependencies_are_queued_at_once(launcher: SlurmLauncher, tmp_path: Path) -> None:
    """A child waits in SLURM for its parent (afterok); a failed parent cancels it."""
    parent = job(tmp_path, "parent", "import time; time.sleep(2); open('out', 'w').write('42')")
    parent_ended, child_ended = Ended(), Ended()
    parent_record = launcher.start(parent, parent_ended)
    child = job(tmp_path, "child", f"print(open('{parent.folder}/out').read())", (parent_record,))
    launcher.start(child, child_ended)
    failing = job(tmp_path, "failing", "raise SystemExit(1)")
    failing_ended, orphan_ended = Ended(), Ended()
    orphan = job(tmp_path, "orphan", "pass", (launcher.start(failing, failing_ended),))
    orphan_record = launcher.start(orphan, orphan_ended)
    assert child_ended.wait().code == 0
    assert parent_ended.endings[0].code == 0
    assert child.stdout.read_text() == "42\n"
    ending = orphan_ended.wait()
    assert (ending.reason, ending.code) == ("dependency", None)
    assert not orphan.stdout.exists()
    # Left queued (DependencyNeverSatisfied): the scheduler cancels it, or re-points it.
    assert launcher.kill(orphan_record)


def test_independent_jobs_run_as_one_array(launcher: SlurmLauncher, tmp_path: Path) -> None:
    """start_many submits one array; task N runs the N-th job in its own folder."""
    code = "import os; print(os.environ['XPM_TEST_NAME'], os.environ['SLURM_ARRAY_TASK_ID'])"
    launches = [job(tmp_path, f"task{i}", code) for i in range(4)]
    endeds = [Ended() for _ in launches]
    records = launcher.start_many(list(zip(launches, endeds, strict=True)))
    array_ids = {str(r["jobid"]).split("_")[0] for r in records}
    assert len(array_ids) == 1
    assert [str(r["jobid"]).split("_")[1] for r in records] == ["0", "1", "2", "3"]
    for i, (launch, ended) in enumerate(zip(launches, endeds, strict=True)):
        assert ended.wait().code == 0
        assert launch.stdout.read_text() == f"task{i} {i}\n"


def test_reattach_and_kill_from_a_fresh_launcher(tmp_path: Path) -> None:
    """A new launcher follows a queued job without resubmitting it, and cancels it."""
    first = SlurmLauncher(OPTIONS)
    launch = job(tmp_path, "long", "import time; open('started', 'w').close(); time.sleep(300)")
    record = first.start(launch, Ended())
    first.close()
    second = SlurmLauncher(OPTIONS, min_poll_interval=0.3, max_poll_interval=2)
    try:
        ended = Ended()
        assert second.reattach(launch, record, ended) is True
        wait_for(launch.folder / "started")
        assert second.kill(record) is True
        ending = ended.wait()
        assert ending.reason == "cancelled"
        assert ending.message.startswith("SLURM: CANCELLED")
        assert second.kill(record) is False
        assert second.reattach(launch, record, Ended()) is False
    finally:
        second.close()


def test_a_job_over_its_time_limit_times_out(timeout_job: tuple[JobLaunch, Ended]) -> None:
    """--time=1 (minute granularity): SLURM ends the job TIMEOUT within ~90 s."""
    launch, ended = timeout_job
    ending = ended.wait(timeout=180)
    assert ending.reason == "timeout"
    assert ending.message.startswith("SLURM: TIMEOUT")
    assert not (launch.folder / "slow.done").exists()
