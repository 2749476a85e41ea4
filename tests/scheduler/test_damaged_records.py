"""Damaged files of a workspace are skipped with a warning or read as absent, never raised."""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path

import pytest

from xpm.scheduler import JobPaths, read_job
from xpm.scheduler.records import Failure
from xpm.scheduler.runs import read_run, read_submitted

GOOD = {"job": "m.t/abc", "type_id": "m.t", "identifier": "abc", "tags": {"lr": 0.1},
        "depends_on": [], "submitted": 1763890000.0}  # fmt: skip


def _lines(path: Path, *rows: object) -> None:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))


@pytest.mark.parametrize(
    ("damaged", "why"),
    [
        ({**GOOD, "job": "m.t/bad", "tags": [1, 2]}, "tags is not an object"),
        ({**GOOD, "job": "m.t/bad", "tags": {"x": [1]}}, "tag 'x' is not a number, string"),
        ({**GOOD, "job": "m.t/bad", "depends_on": 5}, "depends_on is not a list of job names"),
        ({**GOOD, "job": 12}, "job is not a job name"),
        ("[" * 100_000, "not JSON"),
        ("1" * 5000, "not JSON"),
    ],
)
def test_a_damaged_line_of_jobs_jsonl_is_skipped_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, damaged: object, why: str
) -> None:
    path = tmp_path / "jobs.jsonl"
    _lines(path, GOOD, damaged, {**GOOD, "job": "m.t/after"})
    with caplog.at_level(logging.WARNING):
        jobs = read_submitted(path)
    assert [j.job_id for j in jobs] == ["m.t/abc", "m.t/after"]
    assert jobs[0].tags == {"lr": 0.1}
    assert len(caplog.messages) == 1
    assert caplog.messages[0].startswith(f"xpm: skipped line 2 of {path}: ")
    assert why in caplog.messages[0]


def test_a_damaged_submission_time_reads_as_absent(tmp_path: Path) -> None:
    """An optional field that is damaged does not cost the line: the job and tags count."""
    path = tmp_path / "jobs.jsonl"
    _lines(path, {**GOOD, "submitted": "yesterday"}, {**GOOD, "job": "m.t/x", "submitted": 1e999})
    assert [(j.job_id, j.submitted) for j in read_submitted(path)] == [
        ("m.t/abc", None),
        ("m.t/x", None),
    ]


def test_jobs_jsonl_with_bytes_that_are_not_utf8_keeps_its_good_lines(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "jobs.jsonl"
    path.write_bytes(json.dumps(GOOD).encode() + b'\n{"job": "\xff\xfe"}\n')
    with caplog.at_level(logging.WARNING):
        assert [j.job_id for j in read_submitted(path)] == ["m.t/abc"]
    assert caplog.messages == [f"xpm: skipped line 2 of {path}: not UTF-8 text"]


def test_a_torn_last_line_is_skipped_silently(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A killed experiment can leave half a line: that is not damage worth a warning."""
    path = tmp_path / "jobs.jsonl"
    path.write_text(json.dumps(GOOD) + "\n" + json.dumps(GOOD)[:20])
    with caplog.at_level(logging.WARNING):
        assert len(read_submitted(path)) == 1
    assert caplog.messages == []


@pytest.mark.parametrize(
    "status",
    [
        {"status": "running", "pid": 10**30, "host": os.uname().nodename},
        {"status": "running", "pid": -1, "host": os.uname().nodename},
        {"status": "done", "started": "noon", "ended": [1], "jobs": {"a": 1}},
        {"status": "done", "started": 10**400, "ended": float("nan")},
    ],
)
def test_a_damaged_status_json_reads_with_the_damaged_fields_absent(
    tmp_path: Path, status: dict[str, object]
) -> None:
    run = tmp_path / "experiments" / "xp" / "20260101_000000"
    run.mkdir(parents=True)
    (run / "status.json").write_text(json.dumps(status).replace("NaN", "1e999"))
    record = read_run(run)
    assert record is not None
    assert record.pid is None or 0 < record.pid < 2**22
    assert record.started is None or isinstance(record.started, float)
    assert record.ended is None or isinstance(record.ended, float)
    assert all(isinstance(v, str) for v in record.jobs.values())
    assert record.status in ("running", "done", "interrupted")


def test_huge_numbers_in_a_job_folder_read_as_absent(tmp_path: Path) -> None:
    """A huge number where a time or a fraction is expected is not a traceback."""
    paths = JobPaths(tmp_path / "jobs" / "m.t" / "abc", "t")
    paths.folder.mkdir(parents=True)
    paths.params.write_text("{}")
    paths.pid.write_text(json.dumps({"type": "slurm", "jobid": "1"}))
    paths.started.write_text('{"time": 1' + "0" * 400 + "}")
    paths.progress.write_text('{"fraction": 1' + "0" * 400 + ', "time": 1e999}')
    record = read_job(paths)
    assert (record.state.value, record.started, record.progress) == ("running", None, None)


def test_a_failure_record_with_a_huge_time_keeps_its_reason() -> None:
    failure = Failure.from_text('{"reason": "timeout", "time": 1' + "0" * 400 + "}")
    assert (failure.reason, failure.time) == ("timeout", None)
    assert Failure.from_text("[" * 100_000).message == "unreadable failure record"


def test_times_beyond_the_calendar_read_as_absent(tmp_path: Path) -> None:
    """`jobs show` prints times as dates: a time no date can hold is left out."""
    paths = JobPaths(tmp_path / "jobs" / "m.t" / "abc", "t")
    paths.folder.mkdir(parents=True)
    paths.started.write_text('{"time": 1e300}')
    paths.failed.write_text('{"reason": "failed", "time": -1e300}')
    record = read_job(paths)
    assert (record.state.value, record.started) == ("failed", None)
    assert record.ended is not None and abs(record.ended - time.time()) < 60


def test_damaged_attempts_read_as_absent_values(tmp_path: Path) -> None:
    """`<name>.attempts.json` gives the job's start; hostile numbers in it are no crash."""
    from xpm.scheduler.attempts import attempts_path, read_attempts

    paths = JobPaths(tmp_path / "jobs" / "m.t" / "abc", "t")
    paths.folder.mkdir(parents=True)
    paths.params.write_text("{}")
    attempts_path(paths).write_text(
        '[{"attempt": 1' + "0" * 400 + ', "started": 1' + "0" * 400 + ', "ended": 1e300},'
        ' {"attempt": true, "started": -5, "reason": "failed"},'
        ' {"attempt": 3, "started": 1763890000.5, "host": "n1"}]'
    )
    paths.done.write_text("")
    assert [(a.number, a.started, a.ended) for a in read_attempts(paths)] == [
        (0, None, None),
        (0, None, None),
        (3, 1763890000.5, None),
    ]
    assert read_job(paths).started == 1763890000.5


def test_the_start_of_a_job_comes_from_its_attempts_or_an_older_started_file(
    tmp_path: Path,
) -> None:
    """xpm records each attempt's start in the attempts file; folders from versions that
    wrote `<name>.started` still show when they started."""
    from xpm.scheduler.attempts import begin_attempt

    paths = JobPaths(tmp_path / "jobs" / "m.t" / "new", "t")
    paths.folder.mkdir(parents=True)
    before = time.time()
    assert begin_attempt(paths, "n1", None, requeued=False) == 1
    paths.done.write_text("")
    started = read_job(paths).started
    assert started is not None and before <= started <= time.time()
    assert not paths.started.exists()

    old = JobPaths(tmp_path / "jobs" / "m.t" / "old", "t")
    old.folder.mkdir(parents=True)
    old.started.write_text('{"time": 1763890000.0, "host": "vm", "attempt": 1}')
    old.done.write_text("")
    assert read_job(old).started == 1763890000.0
