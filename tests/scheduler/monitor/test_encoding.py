"""Non-finite numbers in a workspace (a NaN tag, an infinite time) reach the page as null."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Any

from xpm.scheduler.monitor import MonitorServer
from xpm.scheduler.monitor.encoding import encode_json

from .conftest import request


def _strict(body: bytes) -> Any:
    """Parse as a browser does: `NaN`, `Infinity` and `-Infinity` are syntax errors."""

    def refuse(constant: str) -> None:
        raise ValueError(f"a browser cannot parse {constant}")

    return json.loads(body, parse_constant=refuse)


def test_non_finite_floats_become_null_at_any_depth() -> None:
    data = {"a": math.nan, "b": [1.5, -math.inf, {"c": (math.inf,)}], "d": "NaN", "e": 2}
    assert _strict(encode_json(data)) == {
        "a": None,
        "b": [1.5, None, {"c": [None]}],
        "d": "NaN",
        "e": 2,
    }
    assert encode_json({"x": 1.0}, compact=True) == b'{"x":1.0}'


def test_a_nan_tag_and_an_infinite_time_leave_every_answer_parseable(
    server: MonitorServer, workspace: Path
) -> None:
    """The run with a `tag(float("nan"))` still lists its jobs; state and events parse."""
    identifier = "c" * 64
    folder = workspace / "jobs" / "demo.nan" / identifier
    folder.mkdir(parents=True)
    (folder / "nan.started").write_text(json.dumps({"time": math.inf, "host": "vm"}))
    (folder / "nan.pid").write_text(json.dumps({"type": "slurm", "jobid": "1", "host": "x"}))
    (folder / "nan.progress").write_text(json.dumps({"fraction": math.nan, "time": math.nan}))
    run = workspace / "experiments" / "nan" / "20260101_000000"
    run.mkdir(parents=True)
    line = {
        "job": f"demo.nan/{identifier}",
        "type_id": "demo.nan",
        "identifier": identifier,
        "tags": {"lr": math.nan, "wd": -math.inf, "model": "bm25"},
        "depends_on": [],
        "submitted": math.nan,
    }
    (run / "jobs.jsonl").write_text(json.dumps(line) + "\n")  # Python writes NaN here
    (run / "status.json").write_text(json.dumps({"status": "running", "started": math.nan}))
    deadline = time.monotonic() + 10
    while "demo.nan" not in request(server, "/api/state").body.decode():
        assert time.monotonic() < deadline, "the monitor did not see the new job"
        time.sleep(0.05)
    state = _strict(request(server, "/api/state").body)
    (job,) = [j for j in state["jobs"] if j["id"] == f"demo.nan/{identifier}"]
    assert (job["started"], job["progress"]) == (None, None)
    answer = request(server, "/api/run?experiment=nan&run=20260101_000000")
    assert answer.status == 200
    (submitted,) = _strict(answer.body)["jobs"]
    assert submitted["tags"] == {"lr": None, "wd": None, "model": "bm25"}
    assert submitted["submitted"] is None
    detail = _strict(request(server, f"/api/job?id=demo.nan/{identifier}").body)
    assert detail["started"] is None
