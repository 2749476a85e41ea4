"""Tests of xpm.scheduler.process: detached job processes and their identities."""

from __future__ import annotations

import gc
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from xpm.core import XpmError
from xpm.scheduler.errors import SpawnError
from xpm.scheduler.pids import ProcessIdentity, is_same_process, process_start_time
from xpm.scheduler.process import ExitStatus, signal_process, spawn


def _no_such_pid() -> int:
    return int(Path("/proc/sys/kernel/pid_max").read_text()) + 1


def _run(tmp_path: Path, code: str, **kwargs: object) -> tuple[int, str, str]:
    handle = spawn(
        [sys.executable, "-c", code],
        tmp_path,
        tmp_path / "out",
        tmp_path / "err",
        **kwargs,  # type: ignore[arg-type]
    )
    returncode = handle.wait(timeout=30)
    return returncode, (tmp_path / "out").read_text(), (tmp_path / "err").read_text()


def test_start_time_names_a_process() -> None:
    """The calling process has a start time; a pid with no process has none."""
    start = process_start_time(os.getpid())
    assert isinstance(start, int) and start > 0
    assert is_same_process(os.getpid(), start)
    assert not is_same_process(os.getpid(), start + 1)
    assert process_start_time(_no_such_pid()) is None
    assert not is_same_process(_no_such_pid(), start)


def test_a_zombie_is_not_the_same_process(tmp_path: Path) -> None:
    """A process that has exited but is not yet reaped counts as gone."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    identity = ProcessIdentity.of(proc.pid)
    assert identity is not None
    deadline = time.monotonic() + 30
    while Path(f"/proc/{proc.pid}/stat").read_text().split(") ")[1][0] != "Z":
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert not is_same_process(identity.pid, identity.start_time)
    assert identity.is_running() is False
    proc.wait()


def test_identity_round_trips_through_json() -> None:
    """to_json and from_json give back the same identity; garbage is refused."""
    me = ProcessIdentity.current()
    assert me.pid == os.getpid() and me.is_local and me.is_running()
    assert ProcessIdentity.from_json(me.to_json()) == me
    assert me.to_json()["type"] == "local"
    with pytest.raises(ValueError, match="not a local process"):
        ProcessIdentity.from_json({"type": "slurm", "jobid": 3})
    other = ProcessIdentity(me.pid, me.start_time, "elsewhere.example")
    assert not other.is_local
    assert other.is_running() is None


def test_spawn_appends_output_to_the_job_files(tmp_path: Path) -> None:
    """stdout and stderr go to their files, appended to across runs."""
    code = "import sys; print('to out'); print('to err', file=sys.stderr)"
    assert _run(tmp_path, code)[0] == 0
    returncode, out, err = _run(tmp_path, code)
    assert returncode == 0
    assert out == "to out\nto out\n"
    assert err == "to err\nto err\n"


def test_spawn_uses_cwd_env_and_devnull_stdin(tmp_path: Path) -> None:
    """The process runs in cwd, with exactly env, and reads an empty stdin."""
    code = "import os, sys;print(os.getcwd(), os.environ.get('XPM_T'), repr(sys.stdin.read()))"
    env = {"XPM_T": "yes", "PATH": os.environ.get("PATH", "")}
    _, out, _ = _run(tmp_path, code, env=env)
    assert out.split() == [str(tmp_path), "yes", "''"]


def test_spawned_process_has_its_own_session(tmp_path: Path) -> None:
    """A job leads its own session and group: Ctrl-C in the experiment misses it."""
    handle = spawn(
        [sys.executable, "-c", "import time; time.sleep(60)"],
        tmp_path,
        tmp_path / "out",
        tmp_path / "out",
    )
    try:
        assert os.getsid(handle.pid) == handle.pid
        assert os.getpgid(handle.pid) == handle.pid != os.getpgid(0)
        assert handle.identity == ProcessIdentity.of(handle.pid)
        assert handle.poll() is None
    finally:
        handle.send_signal(signal.SIGKILL)
    assert handle.wait(timeout=30) == -signal.SIGKILL
    handle.send_signal(signal.SIGKILL)


def test_spawn_passes_only_the_given_descriptors(tmp_path: Path) -> None:
    """The child sees stdin/stdout/stderr and the pass_fds, nothing else we hold."""
    r, w = os.pipe()
    os.set_inheritable(r, True)
    try:
        code = "import os; print(sorted(int(f) for f in os.listdir('/proc/self/fd')))"
        _, out, _ = _run(tmp_path, code, pass_fds=(w,))
    finally:
        os.close(r)
        os.close(w)
    fds = eval(out)
    assert r not in fds
    assert w in fds
    assert {0, 1, 2} <= set(fds)
    assert len(fds) == 5  # the listing itself holds one more


def test_spawn_failures_raise_spawn_error(tmp_path: Path) -> None:
    """A missing program or folder raises SpawnError naming the command."""
    out = tmp_path / "out"
    with pytest.raises(SpawnError, match="no-such-program") as info:
        spawn(["no-such-program-xpm"], tmp_path, out, out)
    assert isinstance(info.value, OSError) and isinstance(info.value, XpmError)
    with pytest.raises(SpawnError, match="missing"):
        spawn([sys.executable, "-c", "pass"], tmp_path / "missing", out, out)


def test_exit_status_describes_codes_and_signals() -> None:
    """Exit codes and signals are told apart, and SIGKILL mentions the OOM killer."""
    assert ExitStatus(0).is_success and ExitStatus(0).signal is None
    assert ExitStatus(3).describe() == "exited with code 3"
    killed = ExitStatus(-9)
    assert killed.signal == 9 and not killed.is_success
    assert "SIGKILL" in killed.describe() and "out-of-memory" in killed.describe()
    assert ExitStatus(-15).describe() == "killed by SIGTERM (signal 15)"
    assert "unknown" in ExitStatus(None).describe()


def test_signal_process_reaches_the_whole_group(tmp_path: Path) -> None:
    """Signalling a job kills its children too; a stale identity is never signalled."""
    pidfile = tmp_path / "grandchild"
    code = (
        "import subprocess, sys, time;"
        "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])"
        ";"
        f"open({str(pidfile)!r}, 'w').write(str(p.pid)); time.sleep(60)"
    )
    handle = spawn([sys.executable, "-c", code], tmp_path, tmp_path / "o", tmp_path / "o")
    deadline = time.monotonic() + 30
    while not pidfile.exists() or not pidfile.read_text():
        assert time.monotonic() < deadline
        time.sleep(0.01)
    grandchild = ProcessIdentity.of(int(pidfile.read_text()))
    assert grandchild is not None
    stale = ProcessIdentity(handle.pid, handle.identity.start_time + 1)
    assert signal_process(stale, signal.SIGTERM) is False
    assert handle.poll() is None
    assert signal_process(handle.identity, signal.SIGTERM) is True
    assert handle.wait(timeout=30) == -signal.SIGTERM
    while grandchild.is_running():
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert signal_process(handle.identity, signal.SIGTERM) is False
    with pytest.raises(ValueError, match="elsewhere"):
        signal_process(ProcessIdentity(1, 1, "elsewhere"), signal.SIGTERM)


def test_dropping_the_handle_of_a_running_job_is_silent(tmp_path: Path) -> None:
    """Jobs outlive their handles: no ResourceWarning, and the child is not reaped."""
    handle = spawn(
        [sys.executable, "-c", "import time; time.sleep(60)"],
        tmp_path,
        tmp_path / "out",
        tmp_path / "out",
    )
    identity = handle.identity
    del handle
    gc.collect()
    subprocess.run([sys.executable, "-c", "pass"], check=True)  # runs Popen's cleanup
    assert identity.is_running()
    os.kill(identity.pid, signal.SIGKILL)
    _, status = os.waitpid(identity.pid, 0)
    assert os.WTERMSIG(status) == signal.SIGKILL
