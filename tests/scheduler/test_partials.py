"""Partial folders: created by the job, written by one job at a time (docs/tasks.md)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from xpm.core.plumbing import partial_folders
from xpm.scheduler import experiment
from xpm.scheduler.locks import wait_for_lock

from .partialtasks import Resume
from .xpmtasks import runs


def test_jobs_sharing_a_partial_folder_write_in_it_one_after_the_other(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    with experiment(tmp_path / "ws", "partials", max_jobs=2):
        short = Resume.C(epochs=10, log=log)
        short.submit()
        long = Resume.C(epochs=20, log=log)
        long.submit()
    assert short.jobpath != long.jobpath
    assert short.folder == long.folder
    partial_id = short.__partial_identifier__(Resume.checkpoints).hex()
    shared = tmp_path / "ws" / "partials" / "tests.partials.resume" / "checkpoints" / partial_id
    assert short.folder == shared / "ckpt"
    assert sorted(p.name for p in short.folder.iterdir()) == ["10.txt", "20.txt"]
    assert (shared / ".xpm-partial.lock").is_file()
    events = [(r["event"], r["epochs"]) for r in sorted(runs(log), key=lambda r: r["time"])]
    first, second = events[0][1], events[2][1]
    assert events == [("start", first), ("end", first), ("start", second), ("end", second)]


def test_a_job_waits_while_another_process_holds_its_partial_folder(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    probe = Resume.C(epochs=1, log=log)
    (relative,) = partial_folders(probe)
    shared = tmp_path / "ws" / relative
    shared.mkdir(parents=True)
    holder = wait_for_lock(shared / ".xpm-partial.lock")
    try:
        with experiment(tmp_path / "ws", "partials"):
            task = Resume.C(epochs=1, log=log, seconds=0.0)
            task.submit()
            deadline = time.monotonic() + 60
            while "another job writes in it" not in _text(task.stderr()):
                assert time.monotonic() < deadline, "the job never said it waits"
                time.sleep(0.05)
            time.sleep(0.3)
            assert runs(log) == []
            os.close(holder)
            holder = -1
    finally:
        if holder >= 0:
            os.close(holder)
    assert [r["event"] for r in runs(log)] == ["start", "end"]
    assert f"xpm: waiting for {shared}: another job writes in it" in _text(task.stderr())


def _text(path: Path) -> str:
    return path.read_text() if path.exists() else ""


def test_tasks_with_different_partial_identifiers_run_together(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    with experiment(tmp_path / "ws", "partials", max_jobs=2):
        one = Resume.C(epochs=10, log=log, seconds=1.0)
        one.submit()
        other = Resume.C(epochs=10, lr=0.2, log=tmp_path / "other.jsonl", seconds=1.0)
        other.submit()
    assert one.folder != other.folder
    both = runs(log) + runs(tmp_path / "other.jsonl")
    starts = [r["time"] for r in both if r["event"] == "start"]
    ends = [r["time"] for r in both if r["event"] == "end"]
    assert max(starts) < min(ends)
