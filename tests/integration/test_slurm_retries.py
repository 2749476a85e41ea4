"""Long jobs on the real SLURM cluster (issue 15): the cluster's verdict, resumable tasks
resubmitted after the time-limit warning with their queued dependents carried along,
requeues, retries with more memory, plain failures, and an experiment killed mid-attempt.

SLURM counts time limits in minutes and checks them about every 30 s; `--signal` may come
up to a minute early. So the time-limit scenarios use `--time=1` and share one
experiment. Each test counts the sbatch submissions it caused (sacct's rows).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from xpm.core import Retries
from xpm.launchers import SlurmLauncher, SlurmOptions
from xpm.scheduler import ExperimentFailed, JobState, experiment

from ..scheduler.resumabletasks import Flaky, Trainer
from ..scheduler.xpmtasks import Hog, runs

pytestmark = pytest.mark.slurm

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _jobs_import_tests(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONPATH", str(REPO))


def _wait_for(predicate: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def _submissions(folder: Path, since: datetime) -> list[str]:
    """Return the SLURM job ids sbatch created for jobs under `folder` (sacct's rows)."""
    start = since.strftime("%Y-%m-%dT%H:%M:%S")
    result = subprocess.run(
        ["sacct", "-X", "-P", "-n", "-S", start, "-o", "JobID,WorkDir"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    rows = [line.split("|") for line in result.stdout.splitlines() if line.strip()]
    return [job_id for job_id, workdir in rows if workdir.startswith(str(folder))]


def _count(folder: Path, since: datetime, expected: int) -> list[str]:
    """Wait until accounting lists `expected` submissions (it lags), and return them."""
    _wait_for(lambda: len(_submissions(folder, since)) >= expected, timeout=30)
    time.sleep(1)
    return _submissions(folder, since)


def _json(path: Path) -> Any:
    return json.loads(path.read_text())


def test_time_limit_warning_resumes_and_carries_the_dependent_and_the_verdict_wins(
    tmp_path: Path,
) -> None:
    """A resumable task stops at the warning and finishes on its 2nd sbatch; its
    dependent, queued with afterok before the time-out, runs once after it. A plain task
    killed at the time limit fails as `timeout` (not `cancelled`), once."""
    since = datetime.now() - timedelta(minutes=1)
    ws, log = tmp_path / "ws", tmp_path / "log"
    resumable = SlurmLauncher(options=SlurmOptions(mem="100M", time="1"), time_warning=30)
    plain = SlurmLauncher(options=SlurmOptions(mem="100M", time="1"), time_warning=0)
    with pytest.raises(ExperimentFailed), experiment(ws, "warned", launcher=resumable):
        trainer = Trainer.C(steps=100000, step=0.1, log=log, finish_on_resume=True)
        trainer.submit()
        dependent = Flaky.C(failures=0, log=tmp_path / "dependent")
        dependent.add_dependencies(trainer).submit()
        stuck = Flaky.C(failures=-1, sleep=600, log=tmp_path / "stuck")
        stuck.submit(launcher=plain, max_retries=5)
    assert trainer.job.state is JobState.DONE
    assert dependent.job.state is JobState.DONE
    starts = [e for e in runs(log) if "resumed_at" in e]
    assert [e["attempt"] for e in starts] == [1, 2]
    assert starts[1]["resumed_at"] > 0
    assert 0 < starts[0]["remaining"] <= 60
    assert [e["attempt"] for e in runs(tmp_path / "dependent")] == [1]
    dependent_start = runs(tmp_path / "dependent")[0]["time"]
    assert dependent_start > max(e["time"] for e in runs(log))
    attempts = _json(trainer.jobpath / "trainer.attempts.json")
    assert [a["reason"] for a in attempts] == ["timeout", None]
    assert attempts[0]["batch_id"] != attempts[1]["batch_id"]
    assert len(list(trainer.jobpath.glob("trainer.*.out"))) == 1
    failed = _json(stuck.jobpath / "flaky.failed")
    assert failed["reason"] == "timeout"
    assert "SLURM: TIMEOUT" in failed["message"]
    assert "the job process recorded: cancelled" in failed["message"]
    assert len(failed["attempts"]) == 1
    assert [e["attempt"] for e in runs(tmp_path / "stuck")] == [1]
    assert len(_count(ws, since, 4)) == 4  # trainer twice, its dependent, the stuck task


def test_a_requeued_job_runs_again_in_the_same_submission_and_completes(
    tmp_path: Path,
) -> None:
    """`scontrol requeue`: the attempt writes `.failed` on SIGTERM, then the job waits
    ~120 s in the queue; it is not over, and its next attempt completes."""
    since = datetime.now() - timedelta(minutes=1)
    ws, log = tmp_path / "ws", tmp_path / "log"
    launcher = SlurmLauncher(options=SlurmOptions(mem="100M"))
    with experiment(ws, "requeued", launcher=launcher):
        task = Flaky.C(failures=0, sleep=6, log=log)
        task.submit()
        _wait_for(lambda: len(runs(log)) == 1)
        job_id = str(_json(task.jobpath / "flaky.pid")["jobid"])
        subprocess.run(["scontrol", "requeue", job_id], check=True, timeout=30)

        def pending() -> bool:
            show = subprocess.run(
                ["scontrol", "-o", "show", "job", job_id], capture_output=True, text=True
            )
            return "JobState=PENDING" in show.stdout

        _wait_for(pending, timeout=30)
        # SLURM holds a requeued job ~120 s (BeginTime), its stopped attempt's .failed
        # in the folder; it cannot be started sooner (slurmd refuses the job's revoked
        # credential: FAILED, exit code 1).
    assert task.job.state is JobState.DONE
    assert [e["attempt"] for e in runs(log)] == [1, 2]
    attempts = _json(task.jobpath / "flaky.attempts.json")
    assert [a["reason"] for a in attempts] == ["requeued", None]
    assert len(_count(ws, since, 1)) == 1


def test_out_of_memory_is_retried_with_more_memory_and_a_failure_is_not(
    tmp_path: Path,
) -> None:
    since = datetime.now() - timedelta(minutes=1)
    ws = tmp_path / "ws"
    launcher = SlurmLauncher(options=SlurmOptions(mem="100M"))
    launcher.retries = Retries(memory=1, memory_factor=4)
    with pytest.raises(ExperimentFailed), experiment(ws, "memory", launcher=launcher):
        hog = Hog.C(megabytes=250, hold=5)
        hog.submit()
        broken = Flaky.C(failures=3, log=tmp_path / "broken")
        broken.submit()
    assert hog.job.state is JobState.DONE
    attempts = _json(hog.jobpath / "hog.attempts.json")
    assert [a["reason"] for a in attempts] == ["memory", None]
    assert "#SBATCH --mem=400M" in (hog.jobpath / "hog.sbatch").read_text()
    failed = _json(broken.jobpath / "flaky.failed")
    assert failed["reason"] == "failed" and len(failed["attempts"]) == 1
    assert [e["attempt"] for e in runs(tmp_path / "broken")] == [1]
    assert len(_count(ws, since, 3)) == 3  # hog twice, broken once


KILLED_SCRIPT = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from xpm.launchers import SlurmLauncher, SlurmOptions
    from xpm.scheduler import experiment
    from tests.scheduler.resumabletasks import Trainer

    launcher = SlurmLauncher(options=SlurmOptions(mem="100M"))
    with experiment(Path(sys.argv[1]), "killed", launcher=launcher):
        Trainer.C(steps=300, step=0.1, log=Path(sys.argv[2]), finish_on_resume=True).submit()
    print("finished")
    """
)


def test_a_resumable_task_killed_with_its_experiment_resumes_on_a_rerun(
    tmp_path: Path,
) -> None:
    since = datetime.now() - timedelta(minutes=1)
    ws, log, script = tmp_path / "ws", tmp_path / "log", tmp_path / "xp.py"
    script.write_text(KILLED_SCRIPT)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    command = [sys.executable, str(script), str(ws), str(log)]
    first = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
    _wait_for(lambda: any(ws.glob("jobs/*/*/state.json")))
    folder = next(ws.glob("jobs/*/*/state.json")).parent
    job_id = str(_json(folder / "trainer.pid")["jobid"])
    os.kill(first.pid, signal.SIGKILL)
    first.communicate(timeout=20)
    subprocess.run(["scancel", job_id], check=True, timeout=30)
    _wait_for(lambda: (folder / "trainer.failed").exists(), timeout=30)
    second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert second.returncode == 0, second.stderr
    starts = [e for e in runs(log) if "resumed_at" in e]
    assert [e["attempt"] for e in starts] == [1, 2]
    assert starts[1]["resumed_at"] > 0
    attempts = _json(folder / "trainer.attempts.json")
    assert [a["reason"] for a in attempts] == ["cancelled", None]
    assert len(_count(ws, since, 2)) == 2
