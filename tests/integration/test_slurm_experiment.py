"""A whole experiment on SLURM: xpm's job process on the node, dependencies with afterok."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from xpm.launchers import SlurmLauncher, SlurmOptions
from xpm.scheduler import ExperimentFailed, JobState, experiment

from ..scheduler.xpmtasks import Step, runs

pytestmark = pytest.mark.slurm


@pytest.fixture(autouse=True)
def _jobs_import_tests(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONPATH", str(Path(__file__).resolve().parents[2]))


def test_experiment_runs_dependent_tasks_on_slurm(tmp_path: Path) -> None:
    log = tmp_path / "log"
    launcher = SlurmLauncher(options=SlurmOptions(mem="100M"))
    with experiment(tmp_path / "ws", "slurm", launcher=launcher):
        first = Step.C(x=1, log=log).submit()
        second = Step.C(x=2, prev=first, log=log).submit()
    assert first.job.state is JobState.DONE and second.job.state is JobState.DONE
    assert second.out.read_text() == str(2 + 3)
    assert [r["x"] for r in runs(log) if r["event"] == "start"] == [1, 2]
    record = json.loads((second.jobpath / "step.pid").read_text())
    assert record["type"] == "slurm"


def test_failure_on_slurm_is_reported_with_the_job_reason(tmp_path: Path) -> None:
    log = tmp_path / "log"
    launcher = SlurmLauncher(options=SlurmOptions(mem="100M"))
    with (
        pytest.raises(ExperimentFailed) as failed,
        experiment(tmp_path / "ws", "slurm-fail", launcher=launcher),
    ):
        bad = Step.C(x=-1, log=log).submit()
        child = Step.C(x=1, prev=bad, log=log).submit()
    message = str(failed.value)
    assert "failed (exit code 1): ValueError: negative x: -1" in message
    assert f"{child.job.job_id}: dependency: {bad.job.job_id} failed" in message
    assert [r["x"] for r in runs(log)] == [-1]


def test_independent_jobs_go_to_slurm_as_one_array(tmp_path: Path) -> None:
    log = tmp_path / "log"
    launcher = SlurmLauncher(options=SlurmOptions(mem="100M"))
    with experiment(tmp_path / "ws", "slurm-array", launcher=launcher):
        steps = [Step.C(x=x, log=log) for x in range(4)]
        for step in steps:
            step.submit()
    records = [json.loads((s.jobpath / "step.pid").read_text()) for s in steps]
    arrays = {str(r["jobid"]).split("_")[0] for r in records}
    assert len(arrays) == 1, records
    assert sorted(str(r["jobid"]).split("_")[1] for r in records) == ["0", "1", "2", "3"]
    assert sorted(r["x"] for r in runs(log) if r["event"] == "start") == [0, 1, 2, 3]
