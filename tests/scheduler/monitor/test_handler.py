"""The monitor's HTTP API: tokens, 403s, path traversal, kill by POST, live events, load."""

from __future__ import annotations

import http.client
import json
import os
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from xpm.scheduler.monitor import MonitorServer

from .conftest import TOKEN, SleepingJob, request

RUN = "?experiment=sweep&run=20261123_101500"


def _first_job(server: MonitorServer) -> str:
    return str(request(server, "/api/state").json()["jobs"][0]["id"])


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/"),
        ("GET", "/monitor.js"),
        ("GET", "/api/state"),
        ("GET", f"/api/run{RUN}"),
        ("GET", "/api/job?id=demo.train/x"),
        ("GET", "/api/log?id=demo.train/x"),
        ("GET", "/api/results"),
        ("GET", "/api/events"),
        ("GET", "/no/such/page"),
        ("GET", "/../../etc/passwd"),
        ("POST", "/api/kill?id=demo.train/x"),
    ],
)
@pytest.mark.parametrize("token", [None, "wrong", ""])
def test_every_endpoint_answers_403_without_the_token(
    shared_server: MonitorServer, method: str, path: str, token: str | None
) -> None:
    answer = request(shared_server, path, method=method, token=token)
    assert answer.status == 403
    assert b"forbidden" in answer.body
    assert "Set-Cookie" not in answer.headers


def test_a_wrong_cookie_is_refused(server: MonitorServer) -> None:
    cookie = f"xpm_monitor_{server.port}=nope"
    assert request(server, "/api/state", token=None, headers={"Cookie": cookie}).status == 403


def test_the_token_sets_an_httponly_strict_cookie_that_then_suffices(server: MonitorServer) -> None:
    """Opening the printed URL sets the cookie and drops the token from the address bar."""
    assert server.url == f"http://127.0.0.1:{server.port}/?token={TOKEN}"
    first = request(server, "/")
    assert first.status == 303
    assert first.headers["Location"] == "/"
    cookie = first.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    value = cookie.split(";")[0]
    page = request(server, "/", token=None, headers={"Cookie": value})
    assert page.status == 200
    assert b"<title>xpm monitor</title>" in page.body
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    assert request(server, "/api/state", token=None, headers={"Cookie": value}).status == 200


def test_a_random_token_is_made_when_none_is_given(workspace: Path) -> None:
    one, two = MonitorServer(workspace), MonitorServer(workspace)
    assert len(one.token) >= 32 and one.token != two.token


def test_state_lists_jobs_and_runs_and_run_lists_tags(server: MonitorServer) -> None:
    state = request(server, "/api/state").json()
    assert len(state["jobs"]) == 40
    assert {j["state"] for j in state["jobs"]} <= {
        "done",
        "failed",
        "running",
        "waiting",
        "unscheduled",
    }
    [experiment] = state["experiments"]
    assert experiment["name"] == "sweep"
    assert experiment["runs"][0]["submitted"] == 40
    run = request(server, f"/api/run{RUN}").json()
    assert set(run["jobs"][0]["tags"]) == {"model", "lr", "seed"}
    evaluations = [j for j in run["jobs"] if j["job"].startswith("demo.evaluate/")]
    assert all(len(j["depends_on"]) == 1 for j in evaluations)


def test_job_detail_has_params_folder_and_failure(server: MonitorServer) -> None:
    state = request(server, "/api/state").json()
    failed = next(j for j in state["jobs"] if j["state"] == "failed")
    detail = request(server, f"/api/job?id={failed['id']}").json()
    assert detail["failure"] and detail["reason"]
    assert detail["params"]["format"] == "xpm-config"
    assert detail["folder"].endswith(failed["id"])
    assert detail["attempts"] == []


def test_job_detail_lists_the_attempts_of_a_job_submitted_again(
    server: MonitorServer, workspace: Path
) -> None:
    state = request(server, "/api/state").json()
    failed = next(j for j in state["jobs"] if j["state"] == "failed")
    name = failed["id"].split("/")[0].split(".")[-1]
    attempts = [
        {"attempt": 1, "reason": "preempted", "message": "SLURM: PREEMPTED, was preempted"},
        {"attempt": 2, "reason": "failed", "message": "ValueError: boom"},
    ]
    (workspace / "jobs" / failed["id"] / f"{name}.attempts.json").write_text(json.dumps(attempts))
    detail = request(server, f"/api/job?id={failed['id']}").json()
    assert detail["attempts"] == [
        "attempt 1: preempted: SLURM: PREEMPTED, was preempted",
        "attempt 2: failed: ValueError: boom",
    ]


def test_log_follows_by_offsets(server: MonitorServer, workspace: Path) -> None:
    job_id = _first_job(server)
    log = workspace / "jobs" / job_id / f"{job_id.split('/')[0].split('.')[-1]}.out"
    first = request(server, f"/api/log?id={job_id}&stream=out").json()
    assert first["text"] and first["offset"] == log.stat().st_size
    with open(log, "a") as f:
        f.write("new line\n")
    more = request(server, f"/api/log?id={job_id}&stream=out&offset={first['offset']}").json()
    assert more == {
        "start": first["offset"],
        "offset": first["offset"] + 9,
        "size": first["offset"] + 9,
        "text": "new line\n",
        "exists": True,
    }
    assert request(server, f"/api/log?id={job_id}&stream=passwd").status == 404


def test_results_read_a_chosen_file(server: MonitorServer) -> None:
    values = request(server, f"/api/results{RUN}&file=metrics.json").json()["values"]
    assert values
    assert all("loss" in v for v in values.values())
    assert any("accuracy" in v for v in values.values())


def test_results_rows_carry_the_runs_tags(server: MonitorServer) -> None:
    answer = request(server, f"/api/results{RUN}").json()
    rows = answer["rows"]
    assert rows and {row["job"] for row in rows} == set(answer["values"])
    for row in rows:
        assert set(row["tags"]) == {"model", "lr", "seed"}
        assert row["values"] == answer["values"][row["job"]]


def test_job_detail_has_the_environment_the_job_was_submitted_from(
    server: MonitorServer, workspace: Path
) -> None:
    job_id = _first_job(server)
    assert request(server, f"/api/job?id={job_id}").json()["environment"] is None
    params = workspace / "jobs" / job_id / "params.json"
    data = json.loads(params.read_text())
    data["environment"] = {"python": "3.12.1", "git": {"commit": "abc", "dirty": True}}
    params.write_text(json.dumps(data))
    detail = request(server, f"/api/job?id={job_id}").json()
    assert detail["environment"] == data["environment"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/job?id=../../etc/passwd",
        "/api/job?id=..%2F..%2Fetc%2Fpasswd",
        "/api/job?id=%2e%2e/%2e%2e",
        "/api/job?id=/etc/passwd",
        "/api/job?id=%2Fetc%2Fpasswd",
        "/api/job?id=demo.train/..",
        "/api/job?id=demo.train/%2e%2e",
        "/api/log?id=demo.train/..%2F..%2F..%2Fetc&stream=out",
        "/api/log?id=..%2f..%2f..%2f..%2fetc/passwd&stream=out",
        f"/api/results{RUN}&file=../../../../../../etc/passwd",
        f"/api/results{RUN}&file=%2Fetc%2Fpasswd",
        "/api/run?experiment=..&run=..",
        "/api/run?experiment=%2e%2e%2f%2e%2e&run=etc",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/../../../etc/passwd",
        "/monitor.js/../../../../etc/passwd",
        "//etc/passwd",
    ],
)
def test_path_traversal_reads_nothing(shared_server: MonitorServer, path: str) -> None:
    answer = request(shared_server, path)
    assert answer.status == 404
    assert b"root:" not in answer.body


def test_symlinks_leading_out_of_the_workspace_are_not_followed(
    server: MonitorServer, workspace: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "evil.out").write_text("SECRET\n")
    (outside / "metrics.json").write_text('{"SECRET": 1}')
    os.symlink(outside, workspace / "jobs" / "demo.train" / "evil")
    job_id = _first_job(server)
    folder = workspace / "jobs" / job_id
    name = job_id.split("/")[0].split(".")[-1]
    (folder / f"{name}.out").unlink()
    os.symlink(outside / "evil.out", folder / f"{name}.out")
    (folder / "metrics.json").unlink(missing_ok=True)
    os.symlink(outside / "metrics.json", folder / "metrics.json")
    assert request(server, "/api/job?id=demo.train/evil").status == 404
    assert request(server, "/api/log?id=demo.train/evil&stream=out").status == 404
    log = request(server, f"/api/log?id={job_id}&stream=out")
    assert log.status == 404 and b"SECRET" not in log.body
    results = request(server, f"/api/results{RUN}")
    assert results.status == 200 and b"SECRET" not in results.body
    time.sleep(0.3)
    assert "demo.train/evil" not in str(request(server, "/api/state").body)


def test_params_failure_and_pid_records_that_are_links_are_not_served(
    server: MonitorServer, workspace: Path, tmp_path: Path
) -> None:
    """`params.json`, `<name>.failed` and `<name>.pid` linked anywhere are not read."""
    secret = tmp_path / "secret.json"
    secret.write_text('{"SECRET": "s3cr3t", "code": 7, "reason": "SECRET", "type": "local"}')
    folder = workspace / "jobs" / "demo.linked" / ("d" * 64)
    folder.mkdir(parents=True)
    for name in ("params.json", "linked.failed", "linked.pid"):
        os.symlink(secret, folder / name)
    answer = request(server, f"/api/job?id=demo.linked/{'d' * 64}")
    assert answer.status == 200
    assert b"SECRET" not in answer.body and b"s3cr3t" not in answer.body
    detail = answer.json()
    assert (detail["params"], detail["process"], detail["state"]) == (None, None, "unscheduled")


def test_kill_is_post_only_and_needs_the_token(
    server: MonitorServer, sleeping_job: SleepingJob
) -> None:
    job = sleeping_job.job_id
    assert request(server, f"/api/kill?id={job}").status == 404
    assert request(server, f"/api/kill?id={job}", method="POST", token=None).status == 403
    cross = {"Origin": "http://evil.example"}
    assert request(server, f"/api/kill?id={job}", method="POST", headers=cross).status == 403
    assert sleeping_job.process.poll() is None
    answer = request(server, f"/api/kill?id={job}", method="POST")
    assert answer.status == 200 and answer.json() == {"sent": True, "how": "SIGTERM"}
    assert sleeping_job.process.wait(10) == 143
    failed = json.loads((sleeping_job.folder / "sleep.failed").read_text())
    assert failed["reason"] == "cancelled"
    again = request(server, f"/api/kill?id={job}", method="POST")
    assert again.status == 409 and "failed" in again.json()["error"]


def test_kill_refuses_a_pid_record_naming_an_unrelated_process(
    server: MonitorServer, workspace: Path
) -> None:
    """A forged `<name>.pid` with the right pid and start time kills nothing: the process
    does not hold the job's lock."""
    import subprocess

    from xpm.scheduler.pids import ProcessIdentity

    bystander = subprocess.Popen(["sleep", "60"])
    try:
        identity = ProcessIdentity.of(bystander.pid)
        assert identity is not None
        folder = workspace / "jobs" / "demo.forged" / ("e" * 64)
        folder.mkdir(parents=True)
        (folder / "forged.pid").write_text(json.dumps(identity.to_json()))
        answer = request(server, f"/api/kill?id=demo.forged/{'e' * 64}", method="POST")
        assert answer.status == 409
        assert answer.json()["error"] == (
            f"process {bystander.pid} does not hold the job's lock {folder / 'forged.lock'},"
            " so it is not this job's process (the pid record is stale or forged); nothing"
            " was signalled"
        )
        time.sleep(0.2)
        assert bystander.poll() is None
    finally:
        bystander.kill()
        bystander.wait()


def test_kill_of_a_slurm_job_runs_scancel(
    server: MonitorServer, workspace: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "calls"
    scancel = bin_dir / "scancel"
    scancel.write_text(f'#!/bin/sh\necho "$@" >> {calls}\n')
    scancel.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    folder = workspace / "jobs" / "demo.slurm" / "abc"
    folder.mkdir(parents=True)
    (folder / "slurm.pid").write_text('{"type": "slurm", "jobid": "4242", "host": "front"}')
    answer = request(server, "/api/kill?id=demo.slurm/abc", method="POST")
    assert answer.json() == {"sent": True, "how": "scancel"}
    assert calls.read_text() == "4242\n"


def _read_event(conn: socket.socket, wanted: bytes, deadline: float) -> bytes:
    data = b""
    while wanted not in data:
        conn.settimeout(max(0.01, deadline - time.monotonic()))
        chunk = conn.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def _open_events(server: MonitorServer) -> socket.socket:
    conn = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    conn.sendall(f"GET /api/events?token={TOKEN} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    assert b"retry: 1000" in _read_event(conn, b"retry: 1000", time.monotonic() + 5)
    return conn


def test_events_deliver_a_change_within_one_second(server: MonitorServer, workspace: Path) -> None:
    state = request(server, "/api/state").json()
    running = next(j for j in state["jobs"] if j["state"] == "running")
    folder = workspace / "jobs" / running["id"]
    with _open_events(server) as conn:
        began = time.monotonic()
        (folder / f"{running['type'].split('.')[-1]}.done").touch()
        data = _read_event(conn, b"\n\n", began + 1.0)
        elapsed = time.monotonic() - began
    assert b"event: change" in data, data
    change = json.loads(data.split(b"data: ", 1)[1].split(b"\n", 1)[0])
    assert [(j["id"], j["state"]) for j in change["jobs"]] == [(running["id"], "done")]
    assert elapsed < 1.0


def test_one_hundred_concurrent_clients_are_served(server: MonitorServer, workspace: Path) -> None:
    """100 pages hold their event stream and load the state at once; each sees a change."""
    barrier = threading.Barrier(101, timeout=30)

    def client(_: int) -> tuple[int, bool]:
        with _open_events(server) as events:
            barrier.wait()
            status = request(server, "/api/state").status
            barrier.wait()  # every stream is open: the test makes a change now
            seen = b"new.job/abc" in _read_event(events, b"new.job/abc", time.monotonic() + 5)
        return status, seen

    with ThreadPoolExecutor(100) as pool:
        futures = [pool.submit(client, i) for i in range(100)]
        barrier.wait()
        barrier.wait()
        (workspace / "jobs" / "new.job" / "abc").mkdir(parents=True)
        results = [f.result() for f in futures]
    assert results == [(200, True)] * 100


def test_stop_closes_the_port_and_joins_every_thread(workspace: Path) -> None:
    before = set(threading.enumerate())
    server = MonitorServer(workspace, token=TOKEN)
    server.start()
    port = server.port
    events = _open_events(server)
    server.stop()
    events.close()
    assert set(threading.enumerate()) <= before
    with pytest.raises(OSError):
        http.client.HTTPConnection("127.0.0.1", port, timeout=2).connect()
    with pytest.raises(RuntimeError):
        _ = server.url


def test_a_port_in_use_raises_oserror_and_leaves_nothing_open(workspace: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        server = MonitorServer(workspace, port=taken.getsockname()[1])
        with pytest.raises(OSError):
            server.start()
    server.stop()  # nothing to stop: no error
