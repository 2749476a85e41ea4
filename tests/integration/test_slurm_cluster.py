"""The local SLURM cluster (scripts/local-slurm.sh) answers like a real one.

Skipped when `sinfo` is missing or SLURM does not answer (see conftest.py), except on
CI (`CI=true`), where a missing cluster is a failure: start it with
`sudo scripts/local-slurm.sh`.
"""

from __future__ import annotations

import subprocess
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from xpm.launchers import (
    ArraySpec,
    JobProgress,
    SlurmJobStatus,
    SlurmOptions,
    parse_sacct,
    parse_sbatch_output,
    render_sbatch_script,
    sacct_command,
    sbatch_command,
)

pytestmark = pytest.mark.slurm


def run(command: list[str], cwd: Path | None = None) -> str:
    result = subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, f"{command} failed: {result.stderr}"
    return result.stdout


def wait_for_accounting(
    job_ids: list[str], since: datetime, timeout: float = 90
) -> dict[str, SlurmJobStatus]:
    """Poll sacct (which lags the controller) until every job has ended."""
    deadline = time.monotonic() + timeout
    while True:
        statuses = parse_sacct(run(sacct_command(job_ids, since)))
        if all(j in statuses and statuses[j].is_final for j in job_ids):
            return statuses
        if time.monotonic() > deadline:
            pytest.fail(f"jobs {job_ids} did not end in {timeout} s: {statuses}")
        time.sleep(1)


def test_wrapped_job_completes_and_sacct_reports_it(tmp_path: Path) -> None:
    """sbatch --wrap runs, writes its output, and sacct says COMPLETED."""
    since = datetime.now() - timedelta(minutes=1)
    job_id = run(["sbatch", "--parsable", "--wrap", "echo hi"], cwd=tmp_path).strip()
    assert job_id.isdigit()
    status = wait_for_accounting([job_id], since)[job_id]
    assert (status.slurm_state, status.progress) == ("COMPLETED", JobProgress.DONE)
    assert (tmp_path / f"slurm-{job_id}.out").read_text() == "hi\n"


def test_rendered_array_and_dependent_job_run_in_order(tmp_path: Path) -> None:
    """A rendered array script runs each task; its afterok dependent runs after."""
    since = datetime.now() - timedelta(minutes=1)
    folder = tmp_path / "job folder"
    folder.mkdir()
    array_script = folder / "array.sh"
    array_script.write_text(
        render_sbatch_script(
            options=SlurmOptions(time="0-00:05:00", mem="50M"),
            job_name="xpm array",
            job_folder=folder,
            command=[
                "bash",
                "-c",
                'echo "$0 $SLURM_ARRAY_TASK_ID" > "task-$SLURM_ARRAY_TASK_ID"',
                "task",
            ],
            array=ArraySpec((0, 2), throttle=1),
        )
    )
    array_id = parse_sbatch_output(run(sbatch_command(array_script)))
    assert array_id is not None
    after_script = folder / "after.sh"
    after_script.write_text(
        render_sbatch_script(
            options=SlurmOptions(),
            job_name="xpm after",
            job_folder=folder,
            command=["bash", "-c", "cat task-0 task-2 > after.txt"],
            dependencies=[array_id],
        )
    )
    after_id = parse_sbatch_output(run(sbatch_command(after_script)))
    assert after_id is not None
    statuses = wait_for_accounting([f"{array_id}_0", f"{array_id}_2", after_id], since)
    assert {s.progress for s in statuses.values()} == {JobProgress.DONE}
    assert (folder / "after.txt").read_text() == "task 0\ntask 2\n"
    assert (folder / f"slurm-{array_id}_2.out").exists()
