"""Tests of xpm.scheduler.locks: one holder per job lock, across processes."""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

from xpm.scheduler.locks import acquire_job_lock, is_job_locked
from xpm.scheduler.process import spawn

HOLDER = textwrap.dedent(
    """
    import sys, time
    from xpm.scheduler.locks import acquire_job_lock
    start = float(sys.argv[2])
    time.sleep(max(0.0, start - time.time()))
    lock = acquire_job_lock(sys.argv[1])
    print("won" if lock else "lost", flush=True)
    time.sleep(float(sys.argv[3]))
    """
)


def _holder(lock_path: Path, start: float, hold: float) -> subprocess.Popen[str]:
    argv = [sys.executable, "-c", HOLDER, str(lock_path), str(start), str(hold)]
    return subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)


def test_a_held_lock_cannot_be_acquired_again(tmp_path: Path) -> None:
    """A second acquisition fails, even in-process, until the first is closed."""
    path = tmp_path / "job.lock"
    assert not is_job_locked(path)
    lock = acquire_job_lock(path)
    assert lock is not None and lock.is_held
    assert acquire_job_lock(path) is None
    assert is_job_locked(path)
    lock.close()
    lock.close()
    assert not lock.is_held
    assert not is_job_locked(path)
    with acquire_job_lock(path) as again:
        assert again is not None
    assert not is_job_locked(path)


def test_probing_does_not_keep_the_lock(tmp_path: Path) -> None:
    """is_job_locked on a free lock leaves it free for the next acquirer."""
    path = tmp_path / "job.lock"
    path.touch()
    assert not is_job_locked(path)
    lock = acquire_job_lock(path)
    assert lock is not None
    lock.close()


def test_a_concurrent_probe_does_not_make_acquisition_fail(tmp_path: Path) -> None:
    """While a probe briefly holds the shared lock, acquisition waits for it to end."""
    path = tmp_path / "job.lock"
    path.touch()
    probe = os.open(path, os.O_RDONLY)
    fcntl.flock(probe, fcntl.LOCK_SH)
    timer = threading.Timer(0.05, os.close, (probe,))
    timer.start()
    try:
        lock = acquire_job_lock(path)
    finally:
        timer.join()
    assert lock is not None
    lock.close()


def test_a_truly_held_lock_is_refused_at_once(tmp_path: Path) -> None:
    """Against an exclusive holder, acquisition returns None without waiting."""
    path = tmp_path / "job.lock"
    lock = acquire_job_lock(path)
    assert lock is not None
    with lock:
        start = time.monotonic()
        assert acquire_job_lock(path) is None
        assert time.monotonic() - start < 0.05


def test_racing_processes_one_wins(tmp_path: Path) -> None:
    """Of four processes trying at the same instant, exactly one gets the lock."""
    path = tmp_path / "job.lock"
    start = time.time() + 0.5
    procs = [_holder(path, start, 0.5) for _ in range(4)]
    answers = [p.communicate(timeout=30)[0].strip() for p in procs]
    assert sorted(answers) == ["lost", "lost", "lost", "won"]
    assert not is_job_locked(path)


def test_sigkill_releases_the_lock(tmp_path: Path) -> None:
    """The kernel drops the lock of a process killed by SIGKILL."""
    path = tmp_path / "job.lock"
    proc = _holder(path, 0.0, 60)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "won"
    assert is_job_locked(path)
    assert acquire_job_lock(path) is None
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    assert not is_job_locked(path)
    lock = acquire_job_lock(path)
    assert lock is not None
    lock.close()


def test_lock_handed_to_a_child_stays_held_until_the_child_dies(tmp_path: Path) -> None:
    """After spawn(pass_fds) and close() in the parent, the child holds the lock."""
    path = tmp_path / "job.lock"
    lock = acquire_job_lock(path)
    assert lock is not None
    child = spawn(
        [sys.executable, "-c", "import time; time.sleep(60)"],
        tmp_path,
        tmp_path / "out",
        tmp_path / "err",
        pass_fds=(lock.fd,),
    )
    lock.close()
    assert is_job_locked(path)
    child.send_signal(signal.SIGKILL)
    assert child.wait(timeout=30) == -signal.SIGKILL
    assert not is_job_locked(path)
