"""A damaged file of the workspace never stops the monitor's page from updating."""

from __future__ import annotations

import json
import logging
import threading
import time
from pathlib import Path

import pytest

from xpm.scheduler.monitor import MonitorServer
from xpm.scheduler.monitor.feed import ChangeFeed
from xpm.scheduler.monitor.snapshot import WorkspaceSnapshot

from .conftest import TOKEN, request

RUN = Path("experiments/sweep/20261123_101500")


def _running_job(workspace: Path) -> str:
    snapshot = WorkspaceSnapshot(workspace)
    snapshot.rescan()
    jobs = json.loads(snapshot.state_json())["jobs"]
    return next(j["id"] for j in jobs if j["state"] == "running" and j["launcher"] == "slurm")


def test_a_malformed_line_of_jobs_jsonl_and_a_huge_progress_are_skipped(
    workspace: Path, caplog: pytest.LogCaptureFixture
) -> None:
    running = _running_job(workspace)
    jobs_file = workspace / RUN / "jobs.jsonl"
    lines = jobs_file.read_text().splitlines()
    bad = json.loads(lines[0]) | {"tags": [1, 2]}
    jobs_file.write_text("\n".join([json.dumps(bad), *lines[1:]]) + "\n")
    name = running.split("/")[0].split(".")[-1]
    (workspace / "jobs" / running / f"{name}.progress").write_text(
        '{"fraction": 1' + "0" * 400 + "}"
    )
    snapshot = WorkspaceSnapshot(workspace)
    with caplog.at_level(logging.WARNING):
        assert snapshot.rescan() is not None
    submitted = snapshot.submitted("sweep", "20261123_101500")
    assert submitted is not None and len(submitted) == len(lines) - 1
    assert caplog.messages == [f"xpm: skipped line 1 of {jobs_file}: tags is not an object"]
    job = snapshot.job(running)
    assert job is not None and (job["state"], job["progress"]) == ("running", None)


def test_a_failing_round_is_logged_and_the_next_round_runs(
    workspace: Path, caplog: pytest.LogCaptureFixture
) -> None:
    snapshot = WorkspaceSnapshot(workspace)
    real = snapshot.rescan
    failures = iter([RuntimeError("disk on fire")] * 2)

    def flaky() -> object:
        error = next(failures, None)
        if error is not None:
            raise error
        return real()

    snapshot.rescan = flaky  # type: ignore[method-assign]
    feed = ChangeFeed(snapshot, interval=0.01)
    sub = feed.subscribe()
    with caplog.at_level(logging.ERROR):
        feed.start()  # the first scan fails: the monitor starts anyway
        try:
            event = sub.get(timeout=10)
        finally:
            feed.stop()
    assert event is not None and event.startswith(b"id: 1\nevent: change\n")
    assert caplog.messages == [f"xpm monitor: a rescan of {workspace} failed"]


def test_the_monitor_starts_and_serves_a_workspace_with_damaged_runs(workspace: Path) -> None:
    (workspace / RUN / "jobs.jsonl").write_bytes(b'{"job": 5}\n\xff\xff\n[[[[\n')
    (workspace / RUN / "status.json").write_text('{"started": "x", "pid": -1, "jobs": [1]}')
    server = MonitorServer(workspace, token=TOKEN, port=0)
    server.start()
    try:
        answer = request(server, "/api/state")
        assert answer.status == 200
        runs = answer.json()["experiments"][0]["runs"]
        assert [(r["run"], r["started"], r["submitted"]) for r in runs] == [
            ("20261123_101500", None, 0)
        ]
        time.sleep(0.1)
        assert any(t.name == "xpm-monitor-feed" and t.is_alive() for t in threading.enumerate())
    finally:
        server.stop()
