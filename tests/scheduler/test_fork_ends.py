"""The local launcher hears a job's end from the job itself or from the fork server.

A job that succeeds writes its pid on the pipe of early ends just before it exits; the
fork server reports every exit once it has reaped the process. Whatever order the
experiment reads them in, each job ends exactly once, with the right status.
"""

from __future__ import annotations

import ast
import itertools
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from xpm.scheduler import Ending, JobLaunch, LocalLauncher, experiment, job_command
from xpm.scheduler.local import _ForkClient

from .xpmtasks import Crash, Step


def _client() -> Any:
    """A fork client's bookkeeping, without a server behind it."""
    client: Any = object.__new__(_ForkClient)
    client.guard = threading.Lock()
    client.pending, client.running = {}, {}
    client.early, client.reaped = set(), set()
    return client


def _answer(client: Any, pid: int, ended: list[tuple[int, Ending]]) -> None:
    client.pending[pid] = (threading.Event(), [], lambda e: ended.append((pid, e)))
    client._answered({"id": pid, "pid": pid, "start_time": 1})


EVENTS = ("answer", "early", "exit")


@pytest.mark.parametrize("order", [o for o in itertools.permutations(EVENTS) if o[0] != "exit"])
def test_a_successful_job_ends_once_whatever_the_order(order: tuple[str, ...]) -> None:
    """The server answers before it reaps; the job's own word may come at any time."""
    client = _client()
    ended: list[tuple[int, Ending]] = []
    for event in order:
        if event == "answer":
            _answer(client, 7, ended)
        elif event == "early":
            client._succeeded(7)
        else:
            client._exited(7, 0)
    assert [(pid, e.code, e.signal) for pid, e in ended] == [(7, 0, None)]
    assert (client.running, client.early, client.reaped) == ({}, set(), set())


def test_a_failed_job_ends_with_its_status_from_the_server() -> None:
    client = _client()
    ended: list[tuple[int, Ending]] = []
    _answer(client, 8, ended)
    client._exited(8, -9)  # killed by SIGKILL: no early end is written
    assert [(pid, e.code, e.signal, e.reason) for pid, e in ended] == [(8, None, 9, "failed")]
    assert (client.running, client.reaped) == ({}, set())


def test_a_pid_used_again_is_a_new_job() -> None:
    """An exit heard before the early end leaves a note, dropped when the pid is reused."""
    client = _client()
    ended: list[tuple[int, Ending]] = []
    _answer(client, 9, ended)
    client._exited(9, 0)
    assert client.reaped == {9}
    _answer(client, 9, ended)  # the early end never came; pid 9 names a new job now
    assert client.reaped == set()
    client._succeeded(9)
    assert [e.code for _, e in ended] == [0, 0]


def test_jobs_forked_by_the_server_report_their_ends(tmp_path: Path) -> None:
    """Through the real server and pipe: successes, failures and deaths, one end each."""
    launcher = LocalLauncher(max_jobs=4)
    log = tmp_path / "log"
    with experiment(tmp_path / "ws", "ends", launcher=launcher, run_mode="generate") as xp:
        for x in (1, 2, 3, -1):
            Step.C(x=x, log=log).submit()
        Crash.C(how="exit").submit()
        Crash.C(how="SIGKILL").submit()
    ends: dict[str, list[Ending]] = {}
    lock = threading.Condition()
    for job in xp.jobs.values():

        def on_end(ending: Ending, name: str = job.job_id) -> None:
            with lock:
                ends.setdefault(name, []).append(ending)
                lock.notify()

        folder = job.paths.folder
        launcher.start(JobLaunch(folder, job.paths.name, job.job_id, job_command(folder)), on_end)
    with lock:
        assert lock.wait_for(lambda: len(ends) == 6, timeout=60)
    time.sleep(0.5)  # the server's reports of the early ends come, and are ignored
    client = launcher._forks
    assert client is not None
    with client.guard:  # every success was heard from its job: no exit awaits one
        assert (client.reaped, client.early, client.running) == (set(), set(), {})
    launcher.close()
    assert all(len(got) == 1 for got in ends.values())
    assert sorted(((e.code, e.signal) for (e,) in ends.values()), key=str) == [
        (0, None),
        (0, None),
        (0, None),
        (1, None),
        (3, None),
        (None, 9),
    ]


def test_a_forked_job_keeps_its_standard_streams_and_the_descriptors_it_is_given() -> None:
    """The child closes what the server had open, never 0-2, even with no pipe (-1)."""
    code = (
        "import os\n"
        "from xpm.scheduler.forkserver import _close_all_but\n"
        "fds = [os.open(os.devnull, os.O_RDONLY) for _ in range(5)]\n"
        "_close_all_but(fds[3], -1)\n"
        "print(sorted(int(n) for n in os.listdir('/proc/self/fd')), fds[3])\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    listed, kept = done.stdout.rsplit(" ", 1)
    open_fds = set(ast.literal_eval(listed))
    assert {0, 1, 2, int(kept)} <= open_fds
    assert len(open_fds - {0, 1, 2, int(kept)}) <= 1  # the listing's own descriptor
