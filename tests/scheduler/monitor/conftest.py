"""Fixtures for the monitor tests: a sample workspace, a server on it, an HTTP client."""

from __future__ import annotations

import http.client
import json
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from xpm.scheduler.monitor import MonitorServer, write_sample_workspace

TOKEN = "test-token-0123456789"


@dataclass
class Answer:
    """One HTTP answer, read whole."""

    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body)


def request(
    server: MonitorServer,
    path: str,
    *,
    method: str = "GET",
    token: str | None = TOKEN,
    headers: Mapping[str, str] | None = None,
) -> Answer:
    """Send one request (the token appended to the query unless None) and close."""
    if token is not None:
        path += ("&" if "?" in path else "?") + f"token={token}"
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request(method, path, headers=dict(headers or {}))
        response = conn.getresponse()
        return Answer(response.status, response.headers, response.read())
    finally:
        conn.close()


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A sample sweep of 40 jobs with tags, logs, failures and metrics."""
    root = tmp_path / "workspace"
    write_sample_workspace(root, jobs=40)
    return root


@pytest.fixture
def server(workspace: Path) -> Iterator[MonitorServer]:
    """A monitor on `workspace`, rescanning every 0.1 s, stopped after the test."""
    with MonitorServer(workspace, token=TOKEN, interval=0.1) as monitor:
        yield monitor


JOB_SCRIPT = """
import json, signal, sys, time
failed = sys.argv[1]
def stop(signum, frame):
    with open(failed + ".tmp", "w") as f:
        json.dump({"code": None, "reason": "cancelled", "message": "killed by SIGTERM",
                   "signal": signum, "exception": None, "time": time.time()}, f)
    import os
    os.rename(failed + ".tmp", failed)
    sys.exit(143)
signal.signal(signal.SIGTERM, stop)
for step in range(100000):
    print(f"step {step}", flush=True)
    time.sleep(0.2)
"""


@dataclass
class SleepingJob:
    """A real job process that prints a line every 0.2 s until SIGTERM marks it cancelled."""

    job_id: str
    folder: Path
    process: Any


@pytest.fixture
def sleeping_job(workspace: Path) -> Iterator[SleepingJob]:
    """Start a job `demo.sleep/<64 f>` in `workspace` with its pid record; kill it after."""
    import signal
    import sys

    from xpm.scheduler.locks import acquire_job_lock
    from xpm.scheduler.process import spawn

    folder = workspace / "jobs" / "demo.sleep" / ("f" * 64)
    folder.mkdir(parents=True)
    (folder / "params.json").write_text('{"task": "sleep"}')
    lock = acquire_job_lock(folder / "sleep.lock")
    assert lock is not None
    with lock:  # handed over, as the local launcher does: the process holds the job's lock
        handle = spawn(
            [sys.executable, "-c", JOB_SCRIPT, str(folder / "sleep.failed")],
            folder,
            folder / "sleep.out",
            folder / "sleep.err",
            pass_fds=(lock.fd,),
        )
    (folder / "sleep.pid").write_text(json.dumps(handle.identity.to_json()))
    deadline = time.monotonic() + 10
    while b"step 0" not in (folder / "sleep.out").read_bytes():  # SIGTERM is handled now
        assert time.monotonic() < deadline, "the job process did not start"
        time.sleep(0.02)
    try:
        yield SleepingJob(f"demo.sleep/{'f' * 64}", folder, handle)
    finally:
        handle.send_signal(signal.SIGKILL)
        handle.wait(10)


@pytest.fixture(scope="module")
def shared_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MonitorServer]:
    """One monitor for a module's tests that only read (403s, traversal attempts)."""
    root = tmp_path_factory.mktemp("shared") / "workspace"
    write_sample_workspace(root, jobs=40)
    with MonitorServer(root, token=TOKEN, interval=0.1) as monitor:
        yield monitor
