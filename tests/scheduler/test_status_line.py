"""What an experiment says on stderr: a re-run with every job done is not silent."""

from __future__ import annotations

import io
from pathlib import Path
from types import SimpleNamespace

import pytest

from xpm.scheduler import JobState, experiment
from xpm.scheduler.status import StatusLine

from .xpmtasks import Step

STEP = "tests.scheduler.xpmtasks.step"


def _run(workdir: Path, log: Path, xs: range) -> None:
    with experiment(workdir, "status"):
        for x in xs:
            Step.C(x=x, log=log).submit()


def test_a_rerun_says_how_many_jobs_were_already_done(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    workdir, log = tmp_path / "ws", tmp_path / "log"
    _run(workdir, log, range(4))
    first = capsys.readouterr().err
    assert first.count(f"[xpm] done {STEP}/") == 4
    assert "already done" not in first

    _run(workdir, log, range(4))
    assert capsys.readouterr().err == "[xpm] 4 jobs already done\n"

    _run(workdir, log, range(5))
    third = capsys.readouterr().err.splitlines()
    assert sorted(line.split("/")[0] for line in third) == [
        "[xpm] 4 jobs already done",
        f"[xpm] done {STEP}",
    ]


def test_one_job_already_done_is_singular(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    workdir, log = tmp_path / "ws", tmp_path / "log"
    _run(workdir, log, range(1))
    capsys.readouterr()
    _run(workdir, log, range(1))
    assert capsys.readouterr().err == "[xpm] 1 job already done\n"


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_the_count_comes_before_the_live_line() -> None:
    """Found done: counted once, on its own line; a job that ended in this run is not."""
    found = SimpleNamespace(job_id=f"{STEP}/a", state=JobState.DONE)
    ran = SimpleNamespace(job_id=f"{STEP}/b", state=JobState.DONE)
    terminal = _Terminal()
    status = StatusLine(terminal)
    status.job_ended(ran, JobState.DONE)  # type: ignore[arg-type]
    status.show([found, ran], final=True)  # type: ignore[list-item]
    status.show([found, ran], final=True)  # type: ignore[list-item]
    lines = terminal.getvalue().split("\n")
    assert lines[0] == "[xpm] 1 job already done"
    assert terminal.getvalue().count("already done") == 1
    assert lines[1].endswith("[xpm] done 2 · running 0 · waiting 0 · failed 0")
