"""The scheduler's jobs are what xpm.core promises users: `JobHandle`, `type_id`."""

from __future__ import annotations

from pathlib import Path

from xpm.core import JobHandle, type_id
from xpm.core.plumbing import submitted_job
from xpm.scheduler import JobState, experiment

from .xpmtasks import Step

STEP = "tests.scheduler.xpmtasks.step"


def test_a_submitted_task_job_is_a_job_handle(tmp_path: Path) -> None:
    step = Step.C(x=1, log=tmp_path / "log")
    assert submitted_job(step) is None
    assert type_id(step) == type_id(Step) == STEP
    with experiment(tmp_path / "ws", "handle"):
        outputs = step.submit()
    job = step.job
    assert outputs is step
    assert isinstance(job, JobHandle)
    assert submitted_job(step) is job
    folder = tmp_path / "ws" / "jobs" / STEP / step.__identifier__().hex()
    assert job.jobpath == step.jobpath == folder
    assert (job.stdout, job.stderr) == (folder / "step.out", folder / "step.err")
    assert step.stdout() == job.stdout
    assert job.state == "done" and job.state is JobState.DONE
    assert job.wait() is True
