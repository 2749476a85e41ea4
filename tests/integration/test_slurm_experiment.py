"""Whole experiments on SLURM: xpm's job process on the node, dependencies with afterok,
failures with their reasons, re-attaching after the experiment process died, job arrays.

The tests keep jobs short (a few seconds at most) so that the suite stays quick on the
two-CPU local cluster (scripts/local-slurm.sh).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from xpm.launchers import SlurmLauncher, SlurmOptions
from xpm.scheduler import ExperimentFailed, JobState, experiment, kill_job

from ..scheduler.xpmtasks import Crash, Hog, Sleeper, Step, runs

pytestmark = pytest.mark.slurm

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _jobs_import_tests(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONPATH", str(REPO))


def _launcher() -> SlurmLauncher:
    return SlurmLauncher(options=SlurmOptions(mem="100M"))


def _wait_for(predicate: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def _failed(task: object) -> dict[str, object]:
    data = json.loads((task.job.paths.failed).read_text())  # type: ignore[attr-defined]
    assert isinstance(data, dict)
    return data


def _submissions(folder: Path, since: datetime) -> list[tuple[str, str, str]]:
    """Return (job id, job name, work dir) of each job sacct has run from under `folder`."""
    start = since.strftime("%Y-%m-%dT%H:%M:%S")
    result = subprocess.run(
        ["sacct", "-X", "-P", "-n", "-S", start, "-o", "JobID,JobName,WorkDir"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    rows = [tuple(line.split("|")) for line in result.stdout.splitlines() if line.strip()]
    return [(i, n, w) for i, n, w in rows if w.startswith(str(folder))]


def test_experiment_runs_dependent_tasks_on_slurm(tmp_path: Path) -> None:
    log = tmp_path / "log"
    with experiment(tmp_path / "ws", "slurm", launcher=_launcher()):
        first = Step.C(x=1, log=log).submit()
        second = Step.C(x=2, log=log).submit()
        third = Step.C(x=3, prev=first, log=log).add_dependencies(second).submit()
    for step in (first, second, third):
        assert step.job.state is JobState.DONE
    assert third.out.read_text() == str(2 + 4)
    starts = [r["x"] for r in runs(log) if r["event"] == "start"]
    assert sorted(starts[:2]) == [1, 2] and starts[2:] == [3]
    ends = {r["x"]: r["time"] for r in runs(log) if r["event"] == "end"}
    assert min(r["time"] for r in runs(log) if r["x"] == 3) > max(ends[1], ends[2])
    records = [json.loads((s.jobpath / "step.pid").read_text()) for s in (first, second, third)]
    assert all(r["type"] == "slurm" for r in records)
    # The two independent steps went together as an array; the third waited in SLURM.
    assert records[0]["jobid"].split("_")[0] == records[1]["jobid"].split("_")[0]
    assert "_" not in records[2]["jobid"]


def test_failure_on_slurm_is_reported_with_the_job_reason(tmp_path: Path) -> None:
    log = tmp_path / "log"
    with (
        pytest.raises(ExperimentFailed) as failed,
        experiment(tmp_path / "ws", "slurm-fail", launcher=_launcher()),
    ):
        bad = Step.C(x=-1, log=log).submit()
        child = Step.C(x=1, prev=bad, log=log).submit()
    message = str(failed.value)
    assert "failed (exit code 1): ValueError: negative x: -1" in message
    assert f"{child.job.job_id}: dependency: {bad.job.job_id} failed" in message
    assert [r["x"] for r in runs(log)] == [-1]


def test_exit_memory_and_cancel_are_reported_with_their_reasons(tmp_path: Path) -> None:
    """exit 3 -> failed (3); 400 MB under --mem=100M -> memory; scancel -> cancelled."""
    log = tmp_path / "log"
    killed: list[str | BaseException] = []

    def cancel_when_started(sleeper: Sleeper) -> None:
        try:
            _wait_for(lambda: any(r["task"] == "sleeper" for r in runs(log)))
            killed.append(kill_job(sleeper.job.paths))
        except BaseException as error:  # reported by the main thread
            killed.append(error)

    with (
        pytest.raises(ExperimentFailed) as failed,
        experiment(tmp_path / "ws", "slurm-reasons", launcher=_launcher()),
    ):
        crash = Crash.C(how="exit").submit()
        hog = Hog.C(megabytes=400).submit()
        sleeper = Sleeper.C(seconds=120, log=log).submit()
        canceller = threading.Thread(target=cancel_when_started, args=(sleeper,), daemon=True)
        canceller.start()
    canceller.join(10)
    assert killed == ["scancel"]
    assert failed.value.total == 3 and len(failed.value.failures) == 3
    message = str(failed.value)
    assert f"{crash.job.job_id}: failed (exit code 3)" in message
    assert f"{hog.job.job_id}: memory (signal 9)" in message
    assert f"{sleeper.job.job_id}: cancelled" in message
    assert (_failed(crash)["reason"], _failed(crash)["code"]) == ("failed", 3)
    assert _failed(hog)["reason"] == "memory"
    assert "exceeded its memory limit" in str(_failed(hog)["message"])
    assert _failed(sleeper)["reason"] == "cancelled"
    assert [r["event"] for r in runs(log)] == ["start"]


REATTACH_SCRIPT = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from tests.scheduler.xpmtasks import Step
    from xpm.launchers import SlurmLauncher, SlurmOptions
    from xpm.scheduler import experiment

    ws, log = sys.argv[1], Path(sys.argv[2])
    launcher = SlurmLauncher(options=SlurmOptions(mem="100M"))
    with experiment(ws, "reattach", launcher=launcher):
        first = Step.C(x=1, log=log, sleep=5).submit()
        Step.C(x=2, log=log, sleep=5).submit()
        Step.C(x=3, prev=first, log=log).submit()
    print("finished")
    """
)


def test_rerun_after_the_experiment_was_killed_reattaches_without_resubmitting(
    tmp_path: Path,
) -> None:
    since = datetime.now() - timedelta(minutes=1)
    script, ws, log = tmp_path / "plan.py", tmp_path / "ws", tmp_path / "log"
    script.write_text(REATTACH_SCRIPT)
    # Every sbatch call of both experiments is counted here, exactly, whatever sacct lags.
    calls, wrappers = tmp_path / "sbatch-calls", tmp_path / "bin"
    wrappers.mkdir()
    real = shutil.which("sbatch")
    assert real is not None
    (wrappers / "sbatch").write_text(f'#!/bin/sh\necho "$*" >> {calls}\nexec {real} "$@"\n')
    (wrappers / "sbatch").chmod(0o755)
    env = {**os.environ, "PATH": f"{wrappers}{os.pathsep}{os.environ['PATH']}"}

    def run() -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, str(script), str(ws), str(log)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )

    first = run()
    _wait_for(lambda: len(list(ws.glob("jobs/*/*/step.pid"))) == 3, timeout=60)
    os.kill(first.pid, signal.SIGKILL)
    first.communicate(timeout=20)
    assert first.returncode == -signal.SIGKILL
    second = run()
    out, err = second.communicate(timeout=120)
    assert second.returncode == 0, err
    assert out.strip() == "finished"
    assert "re-attached to running job" in err
    assert sorted(r["x"] for r in runs(log) if r["event"] == "start") == [1, 2, 3]
    # One array (steps 1 and 2) and one job (step 3): nothing was submitted twice.
    assert len(calls.read_text().splitlines()) == 2, calls.read_text()
    _wait_for(lambda: len(_submissions(ws, since)) >= 3, timeout=30)
    submissions = _submissions(ws, since)
    assert len(submissions) == 3, submissions
    assert len({job_id.split("_")[0] for job_id, _, _ in submissions}) == 2, submissions
    names = [name for _, name, _ in submissions]
    assert len(set(names)) == len(names) - 1, submissions  # the array's 2 tasks share a name


def test_twenty_independent_jobs_go_to_slurm_as_one_array(tmp_path: Path) -> None:
    log = tmp_path / "log"
    with experiment(tmp_path / "ws", "slurm-array", launcher=_launcher()):
        steps = [Step.C(x=x, log=log) for x in range(20)]
        for step in steps:
            step.submit()
    records = [json.loads((s.jobpath / "step.pid").read_text()) for s in steps]
    arrays = {str(r["jobid"]).split("_")[0] for r in records}
    assert len(arrays) == 1, records
    assert sorted(int(str(r["jobid"]).split("_")[1]) for r in records) == list(range(20))
    assert sorted(r["x"] for r in runs(log) if r["event"] == "start") == list(range(20))
    assert all(s.job.state is JobState.DONE for s in steps)


KILLED_AFTER_SBATCH_SCRIPT = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from tests.scheduler.xpmtasks import Step
    from xpm.launchers import SlurmLauncher, SlurmOptions
    from xpm.scheduler import experiment

    ws, log = sys.argv[1], Path(sys.argv[2])
    # The job waits 8 s in the queue: the rerun finds it pending, known only to SLURM.
    launcher = SlurmLauncher(options=SlurmOptions(mem="100M", extra=("--begin=now+8",)))
    with experiment(ws, "intent", launcher=launcher):
        Step.C(x=7, log=log).submit()
    print("finished")
    """
)


def test_rerun_after_a_kill_between_sbatch_and_the_pid_record_submits_nothing_again(
    tmp_path: Path,
) -> None:
    """The experiment dies right after sbatch answered, before `<name>.pid` is written:
    the rerun finds the queued job by its submission intent and follows it."""
    script, ws, log = tmp_path / "plan.py", tmp_path / "ws", tmp_path / "log"
    script.write_text(KILLED_AFTER_SBATCH_SCRIPT)
    calls, wrappers, killing = tmp_path / "sbatch-calls", tmp_path / "bin", tmp_path / "kill"
    wrappers.mkdir()
    killing.mkdir()
    real = shutil.which("sbatch")
    assert real is not None
    (wrappers / "sbatch").write_text(f'#!/bin/sh\necho "$*" >> {calls}\nexec {real} "$@"\n')
    (killing / "sbatch").write_text(
        f'#!/bin/sh\necho "$*" >> {calls}\n{real} "$@"\nkill -9 $PPID\n'
    )
    for wrapper in (wrappers / "sbatch", killing / "sbatch"):
        wrapper.chmod(0o755)

    def run(bin_dir: Path) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
        return subprocess.run(
            [sys.executable, str(script), str(ws), str(log)],
            capture_output=True, text=True, env=env, timeout=120, check=False,
        )  # fmt: skip

    first = run(killing)
    assert first.returncode == -signal.SIGKILL, first.stderr
    assert list(ws.glob("jobs/*/*/step.slurm-intent")) and not list(ws.glob("jobs/*/*/step.pid"))
    second = run(wrappers)
    assert second.returncode == 0, second.stderr
    assert second.stdout.strip() == "finished"
    assert len(calls.read_text().splitlines()) == 1, calls.read_text()
    assert [r["x"] for r in runs(log) if r["event"] == "start"] == [7]
