"""A job whose params.json is damaged ends failed, with the reason, whoever starts it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from xpm.scheduler import (
    ExperimentFailed,
    JobPaths,
    LocalLauncher,
    RunMode,
    experiment,
    read_job,
)

from .xpmtasks import Step


def _job_folder(tmp_path: Path) -> JobPaths:
    paths = JobPaths(tmp_path / "ws" / "jobs" / "mymod.learn" / ("a" * 64), "learn")
    paths.folder.mkdir(parents=True)
    return paths


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b'{"objects": [', "not JSON"),
        (b"\xff\xfe{}", "not JSON"),
        (b"[1, 2]", "not a JSON object"),
        (b'{"job": [1]}', "'job' is not an object"),
    ],
)
def test_run_with_a_damaged_params_json_records_the_failure(
    tmp_path: Path, content: bytes, why: str
) -> None:
    """`python -m xpm.scheduler.run FOLDER` (how SLURM and fork=False start jobs)."""
    paths = _job_folder(tmp_path)
    paths.params.write_bytes(content)
    done = subprocess.run(
        [sys.executable, "-m", "xpm.scheduler.run", str(paths.folder)],
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    message = f"cannot read {paths.params}: {why}"
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr.startswith(f"xpm: {message}")
    assert "Traceback" not in done.stderr
    record = read_job(paths)
    assert record.state.value == "failed" and record.failure is not None
    assert (record.failure.reason, record.failure.code) == ("failed", 1)
    assert record.failure.message.startswith(message)
    assert not paths.pid.exists()


def test_an_experiment_reports_a_job_whose_params_json_was_damaged(tmp_path: Path) -> None:
    log = tmp_path / "log"
    with (
        pytest.raises(ExperimentFailed) as failed,
        experiment(tmp_path / "ws", "damaged", launcher=LocalLauncher(fork=False)),
    ):
        slow = Step.C(x=1, log=log, sleep=1).submit()
        child = Step.C(x=2, prev=slow, log=log).submit()
        child.job.paths.params.write_text('{"objects": [')
    record = read_job(child.job.paths)
    assert record.failure is not None
    assert record.failure.message.startswith(f"cannot read {child.job.paths.params}: not JSON (")
    assert f"cannot read {child.job.paths.params}: not JSON" in str(failed.value)
    assert json.loads(child.job.paths.failed.read_text())["reason"] == "failed"


def _run(paths: JobPaths) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "xpm.scheduler.run", str(paths.folder)],
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip


def test_a_folder_in_place_of_a_marker_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    paths = _job_folder(tmp_path)
    paths.params.write_text("{}")
    paths.failed.mkdir()
    done = _run(paths)
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == (f"xpm: cannot prepare the job folder: {paths.failed}: Is a directory\n")


def test_a_pid_record_that_is_not_an_object_is_replaced(tmp_path: Path) -> None:
    paths = _job_folder(tmp_path)
    paths.params.write_text("[")
    paths.pid.write_text("[1, 2]")
    done = _run(paths)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    record = read_job(paths)
    assert record.failure is not None and record.failure.message.startswith("cannot read")


def test_a_linked_job_lock_is_refused_and_nothing_is_created_outside(tmp_path: Path) -> None:
    paths = _job_folder(tmp_path)
    paths.params.write_text("{}")
    paths.lock.symlink_to(tmp_path / "outside.lock")
    done = _run(paths)
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == (
        f"xpm: cannot take the job lock: {paths.lock}: Too many levels of symbolic links\n"
    )
    assert not (tmp_path / "outside.lock").exists()


def test_a_linked_log_fails_the_job_before_anything_is_written_through_it(
    tmp_path: Path,
) -> None:
    log = tmp_path / "log"
    with experiment(tmp_path / "ws", "links", run_mode=RunMode.GENERATE):
        paths = Step.C(x=7, log=log).submit().job.paths
    paths.stdout.symlink_to(tmp_path / "elsewhere.txt")
    with pytest.raises(ExperimentFailed), experiment(tmp_path / "ws", "links"):
        Step.C(x=7, log=log).submit()
    failure = read_job(paths).failure
    assert failure is not None
    assert failure.message == (
        f"could not start: {paths.stdout}: a symbolic link: xpm writes a job's logs in its folder"
    )
    assert not (tmp_path / "elsewhere.txt").exists()
