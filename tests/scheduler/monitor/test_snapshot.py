"""The monitor's rescans: cheap when nothing changed, and every change reported once."""

from __future__ import annotations

import json
import shutil
import signal
from pathlib import Path

from xpm.scheduler.monitor.snapshot import WorkspaceSnapshot

from .conftest import SleepingJob


def _ids(workspace: Path, state: str) -> list[str]:
    snapshot = WorkspaceSnapshot(workspace)
    snapshot.rescan()
    return [j["id"] for j in json.loads(snapshot.state_json())["jobs"] if j["state"] == state]


def test_a_rescan_without_changes_reports_none(workspace: Path) -> None:
    snapshot = WorkspaceSnapshot(workspace)
    first = snapshot.rescan()
    assert first is not None and len(first.jobs) == 40 and first.experiments
    assert snapshot.rescan() is None
    assert snapshot.version == 1


def test_markers_new_and_removed_folders_are_reported(workspace: Path) -> None:
    running = _ids(workspace, "running")[0]
    snapshot = WorkspaceSnapshot(workspace)
    snapshot.rescan()
    name = running.split("/")[0].split(".")[-1]
    (workspace / "jobs" / running / f"{name}.done").touch()
    (workspace / "jobs" / "demo.new" / "abc").mkdir(parents=True)
    done = _ids(workspace, "done")[0]
    shutil.rmtree(workspace / "jobs" / done)
    change = snapshot.rescan()
    assert change is not None
    assert {(j["id"], j["state"]) for j in change.jobs} == {
        (running, "done"),
        ("demo.new/abc", "unscheduled"),
    }
    assert change.removed == [done]
    assert change.to_json()["version"] == 2


def test_a_job_whose_process_died_silently_is_seen(
    workspace: Path, sleeping_job: SleepingJob
) -> None:
    snapshot = WorkspaceSnapshot(workspace)
    snapshot.rescan()
    assert snapshot.job(sleeping_job.job_id)["state"] == "running"  # type: ignore[index]
    sleeping_job.process.send_signal(signal.SIGKILL)
    sleeping_job.process.wait(10)
    change = snapshot.rescan()
    assert change is not None
    assert [(j["id"], j["state"]) for j in change.jobs] == [(sleeping_job.job_id, "unscheduled")]


def test_new_runs_and_submitted_jobs_are_reported(workspace: Path) -> None:
    snapshot = WorkspaceSnapshot(workspace)
    snapshot.rescan()
    run = workspace / "experiments" / "sweep" / "20261124_090000"
    run.mkdir()
    (run / "status.json").write_text('{"status": "done", "started": 1.0}')
    (run / "jobs.jsonl").write_text('{"job": "demo.new/abc", "tags": {"x": 1}}\n')
    change = snapshot.rescan()
    assert change is not None and change.experiments is not None
    assert [r["run"] for r in change.experiments[0]["runs"]] == [
        "20261123_101500",
        "20261124_090000",
    ]
    assert change.runs == [("sweep", "20261124_090000")]
    assert snapshot.submitted("sweep", "20261124_090000") == [
        {"job": "demo.new/abc", "tags": {"x": 1}, "depends_on": [], "submitted": None}
    ]
    with open(run / "jobs.jsonl", "a") as f:
        f.write('{"job": "demo.new/def", "tags": {"x": 2}}\n')
    change = snapshot.rescan()
    assert change is not None and change.runs == [("sweep", "20261124_090000")]
    assert snapshot.submitted("sweep", "nope") is None
