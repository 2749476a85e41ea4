"""Tests of xpm.scheduler.tokens: a capacity shared by all processes of a workspace."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from xpm.core import XpmError
from xpm.scheduler.errors import TokenError
from xpm.scheduler.pids import ProcessIdentity
from xpm.scheduler.tokens import CounterToken, TokenHolding

ME = ProcessIdentity.current()

JOBS = textwrap.dedent(
    """
    import os, sys, threading, time
    from xpm.scheduler.pids import ProcessIdentity
    from xpm.scheduler.tokens import CounterToken

    workspace, log, tag, start = sys.argv[1:5]
    me = ProcessIdentity.current()
    token = CounterToken(workspace, "cpu", 2)

    def record(event):
        line = f"{time.time_ns()} {event}\\n".encode()
        fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
        os.write(fd, line)
        os.close(fd)

    def job(i):
        holder = f"{tag}-{i}"
        while not token.try_acquire(holder, 1, me.pid, me.start_time):
            time.sleep(0.002)
        record(f"start {holder}")
        time.sleep(0.03)
        record(f"end {holder}")
        token.release(holder)

    time.sleep(max(0.0, float(start) - time.time()))
    threads = [threading.Thread(target=job, args=(i,)) for i in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    """
)

HOLD = textwrap.dedent(
    """
    import sys, time
    from xpm.scheduler.pids import ProcessIdentity
    from xpm.scheduler.tokens import CounterToken
    me = ProcessIdentity.current()
    token = CounterToken(sys.argv[1], "gpu", 2)
    print(token.try_acquire("holder", 2, me.pid, me.start_time), flush=True)
    time.sleep(60)
    """
)


def test_acquire_up_to_the_total_then_release(tmp_path: Path) -> None:
    """Holdings add up to at most the total; a release makes room again."""
    token = CounterToken(tmp_path, "gpu", 3)
    assert token.path == tmp_path / "tokens" / "gpu.json"
    assert token.try_acquire("a", 2, ME.pid, ME.start_time)
    assert not token.try_acquire("b", 2, ME.pid, ME.start_time)
    assert token.try_acquire("c", 1, ME.pid, ME.start_time)
    assert token.available() == 0
    assert set(token.holders()) == {"a", "c"}
    assert token.release("a")
    assert not token.release("a")
    assert token.available() == 2
    assert token.try_acquire("b", 2, ME.pid, ME.start_time)
    holding = token.holders()["b"]
    assert holding == TokenHolding(2, ME.pid, ME.start_time, ME.host)


def test_acquiring_again_replaces_the_holding(tmp_path: Path) -> None:
    """A holder that acquires again holds the new amount, not the sum."""
    token = CounterToken(tmp_path, "gpu", 2)
    assert token.try_acquire("a", 2, ME.pid, ME.start_time)
    assert token.try_acquire("a", 1, ME.pid, ME.start_time)
    assert token.available() == 1


@pytest.mark.parametrize("amount", [0, -1, 3])
def test_impossible_amounts_raise_token_error(tmp_path: Path, amount: int) -> None:
    """Asking for less than 1 or more than the total is an error, not a wait."""
    token = CounterToken(tmp_path, "gpu", 2)
    with pytest.raises(TokenError) as info:
        token.try_acquire("a", amount, ME.pid, ME.start_time)
    error = info.value
    assert isinstance(error, ValueError) and isinstance(error, XpmError)
    assert (error.name, error.total, error.amount) == ("gpu", 2, amount)
    assert "'gpu'" in str(error) and "total 2" in str(error)
    assert f"asked for {amount}" in str(error)
    with pytest.raises(TokenError):
        token.check(amount)
    token.check(2)


def test_bad_declarations_raise_token_error(tmp_path: Path) -> None:
    """A total below 1 or a name that cannot be a file name is refused."""
    with pytest.raises(TokenError, match="at least 1"):
        CounterToken(tmp_path, "gpu", 0)
    for name in ["", "a/b", "../x", ".hidden"]:
        with pytest.raises(TokenError, match="letters, digits"):
            CounterToken(tmp_path, name, 1)


def test_latest_declared_total_wins(tmp_path: Path) -> None:
    """Declaring the token again rewrites its total, which every holder then uses."""
    first = CounterToken(tmp_path, "gpu", 2)
    assert first.try_acquire("a", 2, ME.pid, ME.start_time)
    CounterToken(tmp_path, "gpu", 3)
    assert json.loads(first.path.read_text())["total"] == 3
    assert first.try_acquire("b", 1, ME.pid, ME.start_time)
    CounterToken(tmp_path, "gpu", 1)
    assert set(first.holders()) == {"a", "b"}
    assert first.available() == 0
    with pytest.raises(TokenError, match="total 1"):
        first.try_acquire("c", 2, ME.pid, ME.start_time)


def test_holders_of_ended_or_reused_pids_are_reclaimed(tmp_path: Path) -> None:
    """A holding whose pid is gone or names another process is taken back."""
    token = CounterToken(tmp_path, "gpu", 2)
    pid_max = int(Path("/proc/sys/kernel/pid_max").read_text())
    assert token.try_acquire("reused", 1, ME.pid, ME.start_time + 1)
    assert token.try_acquire("gone", 1, pid_max + 1, 1)
    assert token.try_acquire("mine", 2, ME.pid, ME.start_time)
    assert set(token.holders()) == {"mine"}


def test_holders_of_other_machines_are_kept(tmp_path: Path) -> None:
    """Only the machine a holder runs on can tell that it has ended."""
    token = CounterToken(tmp_path, "gpu", 2)
    remote = {"amount": 2, "pid": 1, "start_time": 1, "host": "elsewhere.example"}
    token.path.write_text(json.dumps({"total": 2, "holders": {"r": remote}}))
    assert not token.try_acquire("a", 1, ME.pid, ME.start_time)
    assert set(token.holders()) == {"r"}


def test_an_unreadable_state_file_raises_token_error(tmp_path: Path) -> None:
    """A damaged state file is reported with its path rather than silently reset."""
    token = CounterToken(tmp_path, "gpu", 2)
    token.path.write_text("{not json")
    with pytest.raises(TokenError, match="unreadable"):
        token.try_acquire("a", 1, ME.pid, ME.start_time)


def test_sigkilled_holder_is_reclaimed(tmp_path: Path) -> None:
    """When the process holding the whole token is SIGKILLed, the token frees up."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "True"
        token = CounterToken(tmp_path, "gpu", 2)
        assert not token.try_acquire("me", 1, ME.pid, ME.start_time)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
    assert token.try_acquire("me", 2, ME.pid, ME.start_time)


def test_transferred_holding_follows_the_new_process(tmp_path: Path) -> None:
    """After transfer, the holding lives as long as the new owner, not the old."""
    token = CounterToken(tmp_path, "gpu", 1)
    assert not token.transfer("job", ME.pid, ME.start_time)
    assert token.try_acquire("job", 1, ME.pid, ME.start_time)
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        child = ProcessIdentity.of(proc.pid)
        assert child is not None
        assert token.transfer("job", child.pid, child.start_time)
        assert token.holders()["job"].pid == child.pid
        assert token.available() == 0
    finally:
        proc.kill()
        proc.wait(timeout=30)
    assert token.available() == 1


def test_uncontended_try_acquire_takes_under_a_millisecond(tmp_path: Path) -> None:
    """A successful or refused attempt without contention costs less than 1 ms."""
    token = CounterToken(tmp_path, "gpu", 4)
    for i in range(3):
        token.try_acquire(f"held-{i}", 1, ME.pid, ME.start_time)
    timings = []
    for _ in range(200):
        start = time.perf_counter()
        token.try_acquire("x", 1, ME.pid, ME.start_time)
        refused = token.try_acquire("y", 1, ME.pid, ME.start_time)
        token.release("x")
        timings.append((time.perf_counter() - start) / 3)
        assert not refused
    timings.sort()
    assert timings[len(timings) // 2] < 0.001


def test_two_processes_never_exceed_the_total(tmp_path: Path) -> None:
    """Twenty jobs in two processes under a token of 2: at most 2 run at any time."""
    log = tmp_path / "events.log"
    start = time.time() + 1.0
    procs = [
        subprocess.Popen([sys.executable, "-c", JOBS, str(tmp_path), str(log), tag, str(start)])
        for tag in ("p", "q")
    ]
    for proc in procs:
        assert proc.wait(timeout=120) == 0
    events = []
    for line in log.read_text().splitlines():
        stamp, kind, holder = line.split()
        # At equal times an end comes first: it was logged before the release that
        # allowed the next start.
        events.append((int(stamp), 0 if kind == "end" else 1, holder))
    events.sort()
    assert len(events) == 40
    assert {h for _, _, h in events} == {f"{t}-{i}" for t in "pq" for i in range(10)}
    running, peak = 0, 0
    for _, order, _ in events:
        running += 1 if order else -1
        peak = max(peak, running)
    assert peak == 2
    assert CounterToken(tmp_path, "cpu", 2).available() == 2


def test_state_left_untruncated_by_a_killed_writer_is_read(tmp_path: Path) -> None:
    """Blanks after the JSON text (a write cut before truncation) are ignored."""
    token = CounterToken(tmp_path, "gpu", 2)
    assert token.try_acquire("a", 1, ME.pid, ME.start_time)
    text = token.path.read_text()
    token.path.write_text(text + " " * 500)
    assert set(token.holders()) == {"a"}
    assert token.release("a")
    assert json.loads(token.path.read_text()) == {"total": 2, "holders": {}}
    assert not token.path.read_text().endswith(" ")
