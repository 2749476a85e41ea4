"""`scan_states` agrees with `scan_jobs`; `read_submitted` reads whole and torn files."""

from __future__ import annotations

import json
import os
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from xpm.scheduler import JobPaths, scan_jobs, scan_states
from xpm.scheduler.runs import job_line, read_submitted


def _job(workdir: Path, type_id: str, identifier: str, files: dict[str, str]) -> None:
    paths = JobPaths.of(workdir, type_id, identifier)
    paths.folder.mkdir(parents=True)
    for suffix, text in files.items():
        (paths.folder / f"{paths.name}{suffix}").write_text(text)


def test_scan_states_matches_scan_jobs(tmp_path: Path) -> None:
    """Every state, a stale pid record and a failed marker next to done give equal states."""
    stale = {"type": "local", "pid": 2**22 + 7, "start_time": 1, "host": os.uname().nodename}
    alive = {"type": "slurm", "jobid": "1", "host": "x"}
    _job(tmp_path, "m.learn", "a" * 64, {".done": ""})
    _job(tmp_path, "m.learn", "b" * 64, {".failed": json.dumps({"code": 2})})
    _job(tmp_path, "m.learn", "c" * 64, {".done": "", ".failed": "1"})
    _job(tmp_path, "m.Eval", "d" * 64, {".pid": json.dumps(stale)})
    _job(tmp_path, "m.Eval", "e" * 64, {".pid": json.dumps(alive)})
    _job(tmp_path, "m.Eval", "f" * 64, {".pid": json.dumps({**alive, "state": "queued"})})
    _job(tmp_path, "m.Eval", "0" * 64, {})
    fast = [(e.job_id, e.state, e.folder) for e in scan_states(tmp_path)]
    slow = [(r.job_id, r.state, str(r.paths.folder)) for r in scan_jobs(tmp_path, light=True)]
    assert fast == slow
    assert [state.value for _, state, _ in fast] == [
        "unscheduled", "unscheduled", "running", "waiting", "done", "failed", "done",
    ]  # fmt: skip


def test_scan_states_of_a_missing_workspace(tmp_path: Path) -> None:
    """A folder without `jobs/` has no jobs."""
    assert list(scan_states(tmp_path / "nowhere")) == []


def test_read_submitted_skips_a_torn_last_line(tmp_path: Path) -> None:
    """A run killed while appending leaves a torn line; the lines before it are kept."""
    path = tmp_path / "jobs.jsonl"
    line = {"job": "m.learn/" + "a" * 64, "tags": {"lr": 0.1}, "depends_on": [], "submitted": 1}
    path.write_text(json.dumps(line) + "\n\n" + '{"job": "m.le')
    jobs = read_submitted(path)
    assert [(j.job_id, dict(j.tags)) for j in jobs] == [(line["job"], {"lr": 0.1})]
    path.write_text(json.dumps(line) + "\n" + json.dumps({**line, "tags": {"lr": 1}}) + "\n")
    assert [dict(j.tags) for j in read_submitted(path)] == [{"lr": 0.1}, {"lr": 1}]


_tag_values = st.none() | st.booleans() | st.integers() | st.floats() | st.text()


@given(
    type_id=st.text(min_size=1),
    tags=st.dictionaries(st.text(), _tag_values, max_size=3),
    depends_on=st.lists(st.text(), max_size=2),
    submitted=st.floats(min_value=0, max_value=4e9),
)
def test_a_jobs_jsonl_line_is_what_json_dumps_makes(
    type_id: str, tags: dict[str, Any], depends_on: list[str], submitted: float
) -> None:
    """The line is built by hand for speed: readers (and other tools) get plain JSON."""
    identifier = "0f" * 32
    job: Any = SimpleNamespace(
        job_id=f"{type_id}/{identifier}",
        type_id=type_id,
        identifier=identifier,
        tags=tags,
        dependencies=[SimpleNamespace(job_id=d) for d in depends_on],
    )
    expected = {
        "job": job.job_id,
        "type_id": type_id,
        "identifier": identifier,
        "tags": tags,
        "depends_on": depends_on,
        "submitted": submitted,
    }
    assert job_line(job, submitted) == json.dumps(expected) + "\n"
