"""Retries on the local launcher (issue 15): time limits enforced locally, the warning
before them, resumable tasks resubmitted in their folder, plain failures not retried
unless asked, attempts counted from the job folder across experiment processes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from xpm.core import Retries
from xpm.scheduler import ExperimentFailed, LocalLauncher, experiment

from .resumabletasks import Flaky, Trainer
from .xpmtasks import runs

REPO = Path(__file__).resolve().parents[2]


def _attempts(folder: Path, name: str) -> list[dict[str, Any]]:
    data = json.loads((folder / f"{name}.attempts.json").read_text())
    assert isinstance(data, list)
    return data


def _failed(folder: Path, name: str) -> dict[str, Any]:
    data = json.loads((folder / f"{name}.failed").read_text())
    assert isinstance(data, dict)
    return data


def test_a_resumable_task_stops_at_the_warning_and_finishes_on_its_second_attempt(
    tmp_path: Path,
) -> None:
    log = tmp_path / "log"
    launcher = LocalLauncher(time_limit=3, time_warning=2)
    with experiment(tmp_path / "ws", "warn", launcher=launcher):
        task = Trainer.C(steps=10, step=0.2, log=log)
        task.submit()
    events = runs(log)
    starts = [e for e in events if "resumed_at" in e]
    assert [e["attempt"] for e in starts] == [1, 2]
    assert starts[0]["resumed_at"] == 0 and 0 < starts[1]["resumed_at"] < 10
    assert 2.5 < starts[0]["remaining"] <= 3
    assert events[-1] == {**events[-1], "attempt": 2, "finished": True}
    folder, name = task.jobpath, "trainer"
    attempts = _attempts(folder, name)
    assert [a["reason"] for a in attempts] == ["timeout", None]
    assert "stopped after the time-limit warning" in attempts[0]["message"]
    assert (folder / "trainer.done").exists()
    rotated = sorted(folder.glob("trainer.*.out"))
    assert len(rotated) == 1 and rotated[0].read_text() == "attempt 1 from step 0\n"
    assert (folder / "trainer.out").read_text().startswith("attempt 2 from step ")


def test_the_time_limit_ends_a_task_that_ignores_the_warning_as_a_timeout(
    tmp_path: Path,
) -> None:
    log = tmp_path / "log"
    launcher = LocalLauncher(time_limit=2, time_warning=1)
    with pytest.raises(ExperimentFailed), experiment(tmp_path / "ws", "kill", launcher=launcher):
        task = Trainer.C(steps=100, step=0.1, log=log, ignore_warning=True)
        task.submit(max_retries=1)
    failed = _failed(task.jobpath, "trainer")
    assert failed["reason"] == "timeout"
    assert "reached its time limit of 2 s" in failed["message"]
    assert failed["message"].endswith("(after 2 attempts)")
    assert [a["attempt"] for a in failed["attempts"]] == [1, 2]
    assert {a["reason"] for a in failed["attempts"]} == {"timeout"}
    assert [e["attempt"] for e in runs(log) if "resumed_at" in e] == [1, 2]


def test_a_task_that_is_not_resumable_is_never_retried_on_timeout(tmp_path: Path) -> None:
    log = tmp_path / "log"
    launcher = LocalLauncher(time_limit=1, time_warning=0)
    with pytest.raises(ExperimentFailed), experiment(tmp_path / "ws", "plain", launcher=launcher):
        task = Flaky.C(failures=0, log=log, sleep=30)
        task.submit(max_retries=5)
    failed = _failed(task.jobpath, "flaky")
    assert failed["reason"] == "timeout"
    assert len(failed["attempts"]) == 1
    assert len(runs(log)) == 1


def test_a_plain_failure_is_retried_only_when_asked(tmp_path: Path) -> None:
    log = tmp_path / "log"
    with pytest.raises(ExperimentFailed), experiment(tmp_path / "ws", "once"):
        never = Flaky.C(failures=1, log=log)
        never.submit()
        asked = Flaky.C(failures=2, log=tmp_path / "log2")
        asked.submit(retries=Retries(failed=2))
    assert [e["attempt"] for e in runs(log)] == [1]
    assert _failed(never.jobpath, "flaky")["message"] == "ValueError: attempt 1 fails"
    assert [e["attempt"] for e in runs(tmp_path / "log2")] == [1, 2, 3]
    assert (asked.jobpath / "flaky.done").exists()
    assert [a["reason"] for a in _attempts(asked.jobpath, "flaky")] == ["failed", "failed", None]


def test_a_launcher_can_declare_retries(tmp_path: Path) -> None:
    launcher = LocalLauncher()
    launcher.retries = Retries(failed=2)
    log = tmp_path / "log"
    with experiment(tmp_path / "ws", "launcher", launcher=launcher):
        Flaky.C(failures=2, log=log).submit()
    assert [e["attempt"] for e in runs(log)] == [1, 2, 3]


def test_a_rerun_after_the_final_failure_counts_again_from_one(tmp_path: Path) -> None:
    log = tmp_path / "log"
    for _ in range(2):
        with pytest.raises(ExperimentFailed), experiment(tmp_path / "ws", "again"):
            Flaky.C(failures=9, log=log).submit()
    assert [e["attempt"] for e in runs(log)] == [1, 1]


SCRIPT = """
import sys
from pathlib import Path
from xpm.scheduler import LocalLauncher, experiment
from tests.scheduler.resumabletasks import Trainer

with experiment(Path(sys.argv[1]), "killed", launcher=LocalLauncher(time_limit=60)):
    Trainer.C(steps=int(sys.argv[3]), step=0.1, log=Path(sys.argv[2])).submit()
"""


def test_a_resumable_task_killed_with_its_experiment_resumes_on_a_rerun(tmp_path: Path) -> None:
    log, ws = tmp_path / "log", tmp_path / "ws"
    script = tmp_path / "xp.py"
    script.write_text(textwrap.dedent(SCRIPT))
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, str(script), str(ws), str(log), "40"], env=env)
    deadline = time.monotonic() + 30
    pids = list(ws.glob("jobs/*/*/trainer.pid"))
    while not (pids and log.exists() and (pids[0].parent / "state.json").exists()):
        assert time.monotonic() < deadline, "the job did not start"
        time.sleep(0.05)
        pids = list(ws.glob("jobs/*/*/trainer.pid"))
    time.sleep(0.5)
    job_pid = json.loads(pids[0].read_text())["pid"]
    proc.kill()
    proc.wait()
    os.kill(job_pid, signal.SIGKILL)
    folder = pids[0].parent
    checkpoint = json.loads((folder / "state.json").read_text())["done"]
    assert checkpoint > 0
    rerun = subprocess.run(
        [sys.executable, str(script), str(ws), str(log), "40"], env=env, timeout=60, check=False
    )
    assert rerun.returncode == 0
    starts = [e for e in runs(log) if "resumed_at" in e]
    assert [e["attempt"] for e in starts] == [1, 2]
    assert starts[1]["resumed_at"] >= checkpoint
    reasons = [a["reason"] for a in _attempts(folder, "trainer")]
    assert reasons == ["interrupted", None]


def test_a_requeued_attempt_records_the_stopped_one_and_removes_its_stale_failed(
    tmp_path: Path,
) -> None:
    """SLURM requeues a preempted job: its attempt wrote `.failed` on SIGTERM and nobody
    heard it end. The next attempt (SLURM_RESTART_COUNT=1) closes it as `requeued`, with
    what it recorded, removes that `.failed`, and ends with `.done`."""
    log = tmp_path / "log"
    with experiment(tmp_path / "ws", "requeued"):
        task = Flaky.C(failures=0, log=log)
        task.submit()
    folder = task.job.path
    (folder / "flaky.done").unlink()
    attempts = _attempts(folder, "flaky")
    attempts[-1].update(ended=None, reason=None)
    (folder / "flaky.attempts.json").write_text(json.dumps(attempts))
    stale = {"reason": "cancelled", "code": 143, "message": "cancelled (SIGTERM)"}
    (folder / "flaky.failed").write_text(json.dumps(stale))
    env = {**os.environ, "PYTHONPATH": str(REPO), "SLURM_RESTART_COUNT": "1"}
    env["SLURM_JOB_ID"] = "42"
    run = [sys.executable, "-m", "xpm.scheduler.run", str(folder)]
    assert subprocess.run(run, env=env, timeout=60, check=False).returncode == 0
    assert (folder / "flaky.done").exists()
    assert not (folder / "flaky.failed").exists()
    recorded = [(a["attempt"], a["reason"], a["message"]) for a in _attempts(folder, "flaky")]
    assert recorded == [
        (1, "requeued", "it had recorded: cancelled (SIGTERM)"),
        (2, None, ""),
    ]
    assert _attempts(folder, "flaky")[1]["batch_id"] == "42"
    assert [e["attempt"] for e in runs(log)] == [1, 2]
