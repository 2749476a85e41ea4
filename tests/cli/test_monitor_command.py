"""`xpm monitor` serves a workspace's page, prints its URL, and stops on Ctrl-C."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

from click.testing import CliRunner

from xpm.cli.main import xpm
from xpm.scheduler.monitor import write_sample_workspace


def test_monitor_prints_a_url_that_serves_the_workspace_until_ctrl_c(tmp_path: Path) -> None:
    write_sample_workspace(tmp_path, jobs=6)
    process = subprocess.Popen(
        [sys.executable, "-m", "xpm.cli", "monitor", "--workdir", str(tmp_path)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(3)]
        assert lines[0] == f"Monitoring {tmp_path}\n"
        url = lines[1].removeprefix("Open ").strip()
        assert url.startswith("http://127.0.0.1:") and "?token=" in url
        base, token = url.split("/?token=")
        with urllib.request.urlopen(f"{base}/api/state?token={token}", timeout=10) as answer:
            assert len(json.load(answer)["jobs"]) == 6
        process.send_signal(signal.SIGINT)
        out, _ = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0
    assert out == "Stopped.\n"


def test_monitor_reports_a_port_in_use(runner: CliRunner, tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = runner.invoke(xpm, ["monitor", "--workdir", str(tmp_path), "--port", str(port)])
    assert result.exit_code == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.output
    assert "holds no jobs yet" in result.output
