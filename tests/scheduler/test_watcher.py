"""Tests of xpm.scheduler.watcher: one thread learns at once when any process ends."""

from __future__ import annotations

import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sized
from pathlib import Path

import pytest

from xpm.scheduler.pids import ProcessIdentity
from xpm.scheduler.process import ExitStatus, ProcessHandle, spawn
from xpm.scheduler.watcher import ProcessWatcher


def _spawn(tmp_path: Path, code: str) -> ProcessHandle:
    out = tmp_path / "out"
    return spawn([sys.executable, "-c", code], tmp_path, out, out)


def _wait_for(watcher: ProcessWatcher, seen: Sized, count: int) -> None:
    deadline = time.monotonic() + 30
    while len(seen) < count:
        assert time.monotonic() < deadline, f"only {len(seen)} of {count} reported"
        watcher.wait(1.0)


def _record(seen: dict[int, int | None], i: int) -> Callable[[ExitStatus], None]:
    return lambda status: seen.__setitem__(i, status.returncode)


def test_children_are_reaped_with_their_exit_codes(tmp_path: Path) -> None:
    """Fifty children, exiting with various codes, are each reported once, correctly."""
    threads = threading.active_count()
    seen: dict[int, int | None] = {}
    with ProcessWatcher() as watcher:
        for i in range(50):
            handle = _spawn(tmp_path, f"import sys; sys.exit({i % 7})")
            watcher.add(handle, _record(seen, i))
        assert threading.active_count() == threads
        deadline = time.monotonic() + 60
        while len(seen) < 50:
            assert time.monotonic() < deadline
            watcher.wait(1.0)
        assert len(watcher) == 0
    assert seen == {i: i % 7 for i in range(50)}


def test_sigkill_is_reported_as_minus_nine(tmp_path: Path) -> None:
    """A child killed by SIGKILL ends with returncode -9."""
    statuses: list[ExitStatus] = []
    with ProcessWatcher() as watcher:
        handle = _spawn(tmp_path, "import time; time.sleep(60)")
        watcher.add(handle, statuses.append)
        assert watcher.wait(0.05) == 0
        handle.send_signal(signal.SIGKILL)
        _wait_for(watcher, statuses, 1)
    assert statuses == [ExitStatus(-9)]
    assert handle.returncode == -9


def test_end_is_seen_within_50_ms(tmp_path: Path) -> None:
    """The callback runs less than 50 ms after the process's last action."""
    stamp = tmp_path / "stamp"
    seen_at: list[int] = []
    with ProcessWatcher() as watcher:
        handle = spawn(
            ["sh", "-c", f"sleep 0.3; date +%s%N > {stamp}"],
            tmp_path,
            tmp_path / "out",
            tmp_path / "out",
        )
        watcher.add(handle, lambda s: seen_at.append(time.time_ns()))
        _wait_for(watcher, seen_at, 1)
    delay = (seen_at[0] - int(stamp.read_text())) / 1e9
    assert 0 <= delay < 0.05


def test_an_already_reaped_child_is_reported(tmp_path: Path) -> None:
    """Adding a child whose exit code is known reports it at the next wait."""
    handle = _spawn(tmp_path, "import sys; sys.exit(4)")
    handle.wait(timeout=30)
    statuses: list[ExitStatus] = []
    with ProcessWatcher() as watcher:
        watcher.add(handle, statuses.append)
        assert watcher.wait(0) == 1
    assert statuses == [ExitStatus(4)]


def test_a_process_that_is_not_a_child_is_watched(tmp_path: Path) -> None:
    """A process re-attached by identity is reported, with an unknown exit code."""
    # The shell starts `sleep` in the background and exits: `sleep` is then no child
    # of ours, like a job started by an earlier experiment.
    out = subprocess.run(
        ["sh", "-c", "sleep 0.5 >/dev/null 2>&1 & echo $!"],
        capture_output=True,
        text=True,
        check=True,
    )
    identity = ProcessIdentity.of(int(out.stdout))
    assert identity is not None
    statuses: list[ExitStatus] = []
    with ProcessWatcher() as watcher:
        watcher.add(identity, statuses.append)
        assert watcher.wait(0) == 0
        _wait_for(watcher, statuses, 1)
    assert statuses == [ExitStatus(None)]


def test_stale_identities_are_reported_at_once() -> None:
    """A reused pid (wrong start time) or a vanished one counts as ended."""
    me = ProcessIdentity.current()
    pid_max = int(Path("/proc/sys/kernel/pid_max").read_text())
    statuses: list[ExitStatus] = []
    with ProcessWatcher() as watcher:
        watcher.add(ProcessIdentity(me.pid, me.start_time + 1), statuses.append)
        watcher.add(ProcessIdentity(pid_max + 1, 1), statuses.append)
        assert watcher.wait(5) == 2
        with pytest.raises(ValueError, match="elsewhere"):
            watcher.add(ProcessIdentity(me.pid, me.start_time, "elsewhere"), print)
    assert statuses == [ExitStatus(None), ExitStatus(None)]


def test_wakeup_and_timeout_end_a_wait_early() -> None:
    """wait returns after its timeout, or as soon as another thread calls wakeup."""
    with ProcessWatcher() as watcher:
        start = time.monotonic()
        assert watcher.wait(0.1) == 0
        assert 0.09 <= time.monotonic() - start < 5
        timer = threading.Timer(0.05, watcher.wakeup)
        timer.start()
        start = time.monotonic()
        assert watcher.wait(None) == 0
        assert time.monotonic() - start < 5
        timer.join()


def test_a_failing_callback_does_not_lose_the_others() -> None:
    """The error propagates from wait; the next callback runs at the next wait."""
    me = ProcessIdentity.current()
    seen: list[ExitStatus] = []

    def fail(status: ExitStatus) -> None:
        raise RuntimeError("callback failed")

    with ProcessWatcher() as watcher:
        watcher.add(ProcessIdentity(me.pid, me.start_time + 1), fail)
        watcher.add(ProcessIdentity(me.pid, me.start_time + 2), seen.append)
        with pytest.raises(RuntimeError, match="callback failed"):
            watcher.wait(0)
        assert watcher.wait(0) == 1
    assert seen == [ExitStatus(None)]


def test_fileno_is_readable_when_a_process_ends(tmp_path: Path) -> None:
    """Another event loop can select on fileno() and then call wait(0)."""
    seen: list[ExitStatus] = []
    with ProcessWatcher() as watcher:
        watcher.add(_spawn(tmp_path, "pass"), seen.append)
        readable, _, _ = select.select([watcher.fileno()], [], [], 30)
        assert readable == [watcher.fileno()]
        assert watcher.wait(0) == 1
    assert seen == [ExitStatus(0)]


def test_closed_watcher_refuses_new_processes() -> None:
    """close() is idempotent; add() afterwards raises RuntimeError."""
    watcher = ProcessWatcher()
    watcher.close()
    watcher.close()
    with pytest.raises(RuntimeError, match="closed"):
        watcher.add(ProcessIdentity.current(), print)
    with pytest.raises(RuntimeError, match="closed"):
        watcher.add(ProcessIdentity(1, 1), print)
    watcher.wakeup()
