"""Workspace care on workspaces made by real experiments: `xpm experiments clean --keep N`,
`xpm jobs clean --orphans` and `xpm jobs stray`; links to outside folders survive."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from xpm.cli.main import xpm

PLAN = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from xpm.core import Param, Task
    from xpm.scheduler import experiment


    class Step(Task):
        x: Param[int]
        sleep: Param[float] = 0.0

        def execute(self) -> None:
            Path(f"started-{self.x}").write_text("")
            time.sleep(self.sleep)


    if __name__ == "__main__":
        ws, name, mode = sys.argv[1], sys.argv[2], sys.argv[3]
        with experiment(ws, name, run_mode=mode) as xp:
            for x in sys.argv[4].split(","):
                Step.C(x=int(x), sleep=30.0 if int(x) >= 100 else 0.0).submit()
    """
)


def _plan(tmp_path: Path, name: str, xs: str, mode: str = "normal") -> subprocess.Popen[str]:
    script = tmp_path / "plan.py"
    script.write_text(PLAN)
    return subprocess.Popen(
        [sys.executable, str(script), str(tmp_path / "ws"), name, mode, xs],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _run(tmp_path: Path, name: str, xs: str, mode: str = "normal") -> None:
    process = _plan(tmp_path, name, xs, mode)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 0, err


def cli(workdir: Path, *args: str) -> tuple[int, str, str]:
    """Run `xpm` in this process on `workdir`; return exit code, stdout, stderr."""
    from xpm.cli.errors import run_program

    with CliRunner().isolation() as (out, err, _):
        code = run_program(xpm, [*args[:2], "--workdir", str(workdir), *args[2:]])
        sys.stdout.flush()
        sys.stderr.flush()
        return code, out.getvalue().decode(), err.getvalue().decode()


def _jobs(workdir: Path) -> dict[int, str]:
    """The job folders of the workspace by their `x`, as `<type id>/<identifier>`."""
    found = {}
    for params in (workdir / "jobs").glob("*/*/params.json"):
        data = json.loads(params.read_text())
        found[data["objects"][0]["values"]["x"]] = (
            f"{params.parent.parent.name}/{params.parent.name}"
        )
    return found


def _outside(tmp_path: Path) -> dict[str, Path]:
    """Links from the workspace to folders outside it, each holding one file."""
    ws = tmp_path / "ws"
    links = {
        "jobs type": (ws / "jobs" / "evil.type", tmp_path / "outside-type" / "abc"),
        "job": (ws / "jobs" / "__main__.step" / ("f" * 64), tmp_path / "outside-job"),
        "experiment": (ws / "experiments" / "evil", tmp_path / "outside-xp" / "20200101_000000"),
        "run": (ws / "experiments" / "a" / "20200101_000000", tmp_path / "outside-run"),
    }
    kept = {}
    for what, (link, target) in links.items():
        target.mkdir(parents=True)
        (target / "status.json").write_text('{"status": "done", "started": 1}')
        (target / "step.done").write_text("")
        link.symlink_to(target if what in ("job", "run") else target.parent)
        kept[what] = target / "status.json"
    return kept


def test_old_runs_then_orphan_jobs_are_cleaned_links_survive(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """keep 1 deletes the older runs of each experiment; the jobs only they listed become
    orphans, which clean --orphans deletes; nothing a link leads to is touched."""
    ws = tmp_path / "ws"
    _run(tmp_path, "a", "1,2")
    _run(tmp_path, "a", "2,3")
    _run(tmp_path, "a", "3")
    _run(tmp_path, "b", "4")
    _run(tmp_path, "gen", "5", mode="generate")  # a job that never ran: listed by its run
    outside = _outside(tmp_path)
    jobs = _jobs(ws)
    runs_of_a = sorted(p.name for p in (ws / "experiments" / "a").iterdir() if p.name[0] == "2")
    assert len(runs_of_a) == 4  # three real runs and the link

    code, out, _ = cli(ws, "jobs", "clean", "--orphans")
    assert (code, out) == (0, "")  # every job is listed by some run

    code, out, err = cli(ws, "experiments", "clean", "--keep", "1")
    assert code == 0, err
    real = [r for r in runs_of_a if r != "20200101_000000"]
    assert out.splitlines() == [
        f"would delete run a/{real[0]} (done, 2 jobs): {ws / 'experiments' / 'a' / real[0]}",
        f"would delete run a/{real[1]} (done, 2 jobs): {ws / 'experiments' / 'a' / real[1]}",
        "2 run(s) would be deleted; pass --perform to delete them",
    ]
    code, out, err = cli(ws, "experiments", "clean", "--keep", "1", "--perform")
    assert code == 0, err
    assert out.splitlines()[:2] == [
        f"deleted run a/{real[0]} (done, 2 jobs)",
        f"deleted run a/{real[1]} (done, 2 jobs)",
    ]
    left = sorted(p.name for p in (ws / "experiments" / "a").iterdir())
    assert left == ["20200101_000000", real[2], "current"]
    assert (ws / "experiments" / "b" / "current").exists()

    code, out, err = cli(ws, "jobs", "clean", "--orphans")
    assert code == 0, err
    assert out.splitlines() == [
        *sorted(f"would delete {jobs[x]} (done): {ws / 'jobs' / jobs[x]}" for x in (1, 2)),
        "2 orphan job folder(s) would be deleted; pass --perform to delete them",
    ]
    skipped = {r.args[0] for r in caplog.records if "a symbolic link" in r.getMessage()}  # type: ignore[index]
    assert skipped >= {str(ws / "jobs" / "evil.type"), str(ws / "experiments" / "evil")}
    code, out, err = cli(ws, "jobs", "clean", "--orphans", "--perform")
    assert code == 0, err
    assert out.splitlines()[-1] == "2 orphan job folder(s) deleted"
    assert sorted(_jobs(ws)) == [3, 4, 5]
    for path in outside.values():
        assert path.exists(), path
    assert (ws / "jobs" / "evil.type").is_symlink()


def test_keep_zero_keeps_the_current_run(tmp_path: Path) -> None:
    """--keep 0 leaves only the run `current` points at; --experiment limits the command."""
    ws = tmp_path / "ws"
    _run(tmp_path, "a", "1")
    _run(tmp_path, "a", "2")
    _run(tmp_path, "b", "3")
    _run(tmp_path, "b", "4")
    code, out, err = cli(ws, "experiments", "clean", "--keep", "0", "--experiment", "b")
    assert code == 0, err
    assert out.count("would delete run b/") == 1 and "run a/" not in out
    current = os.readlink(ws / "experiments" / "b" / "current")
    assert f"kept b/{current}: current" in err
    code, out, err = cli(ws, "experiments", "clean", "--keep", "0", "--perform")
    assert code == 0, err
    for name in ("a", "b"):
        assert sorted(p.name for p in (ws / "experiments" / name).iterdir()) == sorted(
            [os.readlink(ws / "experiments" / name / "current"), "current"]
        )
    code, _, err = cli(ws, "experiments", "clean", "--keep", "1", "--experiment", "nope")
    assert code == 1 and "no experiment 'nope'" in err


def test_clean_takes_a_filter_or_orphans(tmp_path: Path) -> None:
    """Both, or neither, is a usage error (exit 2)."""
    ws = tmp_path / "ws"
    ws.mkdir()
    for args in (["--orphans", "@state = 'done'"], []):
        code, _, err = cli(ws, "jobs", "clean", *args)
        assert code == 2 and "give either FILTER (and --experiment) or --orphans" in err


def _wait_for(predicate: object, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.mark.timeout(120)
def test_stray_jobs_are_those_no_live_experiment_follows(tmp_path: Path) -> None:
    """A job of a live experiment is not stray; after Ctrl-C it is, and --kill --perform
    stops it (it records that it was cancelled)."""
    ws = tmp_path / "ws"
    process = _plan(tmp_path, "long", "100")
    try:
        _wait_for(lambda: list((ws / "jobs").glob("*/*/started-100")))
        (folder,) = [p.parent for p in (ws / "jobs").glob("*/*/started-100")]
        job = f"{folder.parent.name}/{folder.name}"
        _wait_for(lambda: cli(ws, "jobs", "list")[1].startswith("running"))
        code, out, err = cli(ws, "jobs", "stray")
        assert (code, out) == (0, "")
        assert "no stray job" in err
        # An orphan that runs is never deleted.
        code, out, _ = cli(ws, "jobs", "clean", "--orphans", "--perform")
        assert folder.exists()

        process.send_signal(signal.SIGINT)
        process.communicate(timeout=30)
        run = os.readlink(ws / "experiments" / "long" / "current")
        pid = json.loads((folder / "step.pid").read_text())["pid"]
        code, out, err = cli(ws, "jobs", "stray")
        assert code == 0, err
        where = f"pid {pid} on {os.uname().nodename}"
        line = f"{job} (running, {where}): last submitted by long/{run} (interrupted)"
        assert out.splitlines() == [
            f"stray {line}",
            "1 stray job(s); pass --kill --perform to stop them",
        ]
        code, out, _ = cli(ws, "jobs", "stray", "--kill")
        assert out.splitlines()[0] == f"would kill {line}"
        os.kill(pid, 0)
        code, out, err = cli(ws, "jobs", "stray", "--kill", "--perform")
        assert code == 0, err
        assert out.splitlines() == [f"killed {line}"]
        _wait_for(lambda: (folder / "step.failed").exists())
        assert json.loads((folder / "step.failed").read_text())["reason"] == "cancelled"
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
