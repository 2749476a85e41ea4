"""Each job records the code and environment it was submitted from; re-runs compare.

Experiments run as scripts in their own processes, inside a git repository made in
tmp_path with `git init` and real commits.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from xpm.scheduler import read_provenance
from xpm.scheduler.provenance import git_state

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")

SCRIPT = textwrap.dedent(
    """
    import sys
    from xpm.core import Param, Task
    from xpm.scheduler import experiment

    class Squares(Task):
        n: Param[int]
        def execute(self) -> None:
            print(self.n ** 2)

    if __name__ == "__main__":
        with experiment(sys.argv[1], "squares") as xp:
            for n in range(3):
                Squares.C(n=n).submit()
    """
)


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    return done.stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository holding `first.py` (the Squares experiment), one commit."""
    folder = tmp_path / "repo"
    folder.mkdir()
    git(folder, "init", "-q", "-b", "main")
    (folder / "first.py").write_text(SCRIPT)
    git(folder, "add", "first.py")
    git(folder, "commit", "-q", "-m", "first")
    return folder


def run_script(script: Path, workdir: Path) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, script.name, str(workdir)],
        cwd=script.parent,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert done.returncode == 0, done.stderr
    return done


def job_folders(workdir: Path) -> list[Path]:
    return sorted((workdir / "jobs" / "__main__.squares").iterdir())


def test_each_job_records_commit_script_python_and_packages(repo: Path, tmp_path: Path) -> None:
    workdir = tmp_path / "ws"
    run_script(repo / "first.py", workdir)
    commit = git(repo, "rev-parse", "HEAD")
    folders = job_folders(workdir)
    assert len(folders) == 3
    for folder in folders:
        env = read_provenance(folder)
        assert env is not None
        assert env["git"] == {"root": str(repo), "commit": commit, "branch": "main", "dirty": False}
        assert env["source"] == env["script"] == str(repo / "first.py")
        assert env["module"] == "__main__"
        assert env["python"] == platform.python_version()
        assert set(env["packages"]) >= {"xpm-core", "xpm-scheduler"}
        params = json.loads((folder / "params.json").read_text())
        assert params["environment"] == env


def test_jobs_show_prints_the_environment(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`xpm jobs show` prints it (skipped where xpm-cli is not installed: `nox -s alone`)."""
    run_program = pytest.importorskip("xpm.cli.errors").run_program
    xpm = pytest.importorskip("xpm.cli.main").xpm
    workdir = tmp_path / "ws"
    run_script(repo / "first.py", workdir)
    commit = git(repo, "rev-parse", "HEAD")
    name = f"__main__.squares/{job_folders(workdir)[0].name[:8]}"
    capsys.readouterr()
    assert run_program(xpm, ["jobs", "show", "--workdir", str(workdir), name]) == 0
    shown = capsys.readouterr().out.splitlines()
    assert f"code:        {repo / 'first.py'}" in shown
    assert f"git:         {commit[:10]} (main) of {repo}" in shown
    assert f"python:      {platform.python_version()}" in shown
    packages = next(line for line in shown if line.startswith("packages:"))
    assert "xpm-scheduler " in packages


def test_a_new_commit_warns_once_and_recomputes_nothing(repo: Path, tmp_path: Path) -> None:
    workdir = tmp_path / "ws"
    run_script(repo / "first.py", workdir)
    old = git(repo, "rev-parse", "HEAD")
    same = run_script(repo / "first.py", workdir)
    assert "warning" not in same.stderr

    (repo / "first.py").write_text(SCRIPT + "# a comment\n")
    git(repo, "commit", "-q", "-am", "second")
    new = git(repo, "rev-parse", "HEAD")
    again = run_script(repo / "first.py", workdir)
    assert again.stderr.count("warning:") == 1
    assert f"made from commit {old[:10]} of {repo}, and the code is now commit {new[:10]};" in (
        again.stderr
    )
    assert "[xpm] done" not in again.stderr
    assert "[xpm] 3 jobs already done" in again.stderr
    for folder in job_folders(workdir):
        assert read_provenance(folder)["git"]["commit"] == old  # type: ignore[index]


def test_uncommitted_changes_are_recorded_and_warned_about(repo: Path, tmp_path: Path) -> None:
    workdir = tmp_path / "ws"
    run_script(repo / "first.py", workdir)
    (repo / "first.py").write_text(SCRIPT + "# not committed\n")
    again = run_script(repo / "first.py", workdir)
    commit = git(repo, "rev-parse", "HEAD")[:10]
    assert f"the code is now commit {commit} with uncommitted changes;" in again.stderr
    assert git_state(repo) == {
        "root": str(repo),
        "commit": git(repo, "rev-parse", "HEAD"),
        "branch": "main",
        "dirty": True,
    }


def test_another_script_with_the_same_task_name_is_warned_about(repo: Path, tmp_path: Path) -> None:
    """The issue's friction: two scripts each define `Squares` in `__main__`."""
    workdir = tmp_path / "ws"
    run_script(repo / "first.py", workdir)
    second = repo / "second.py"
    second.write_text(SCRIPT)
    git(repo, "add", "second.py")
    git(repo, "commit", "-q", "-m", "second")
    found = run_script(second, workdir)
    assert found.stderr.count("warning:") == 1
    assert (
        f"is done, made by the script {repo / 'first.py'}, not by {second} which defines"
        " __main__.squares now" in found.stderr
    )
    assert "Rename one of the tasks" in found.stderr


def test_commit_is_read_from_packed_refs_and_worktrees(repo: Path, tmp_path: Path) -> None:
    commit = git(repo, "rev-parse", "HEAD")
    git(repo, "pack-refs", "--all")
    assert not (repo / ".git" / "refs" / "heads" / "main").exists()
    assert git_state(repo) == {
        "root": str(repo),
        "commit": commit,
        "branch": "main",
        "dirty": False,
    }
    other = tmp_path / "other"
    git(repo, "worktree", "add", "-q", "-b", "side", str(other))
    assert (other / ".git").is_file()
    state = git_state(other)
    assert state is not None
    assert (state["commit"], state["branch"], state["dirty"]) == (commit, "side", False)


def test_no_repository_means_no_git_state(tmp_path: Path) -> None:
    script = tmp_path / "alone" / "first.py"
    script.parent.mkdir()
    script.write_text(SCRIPT)
    workdir = tmp_path / "ws"
    run_script(script, workdir)
    env = read_provenance(job_folders(workdir)[0])
    assert env is not None and env["git"] is None and env["source"] == str(script)


def test_a_large_plan_compares_the_first_thousand_done_jobs_then_one_in_a_hundred(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A re-run of 100,000 done jobs must not read 100,000 files to print one warning."""
    from xpm.scheduler import provenance

    git_of = {"root": "/repo", "dirty": False}
    now = {"module": "m", "source": "/repo/m.py", "git": {**git_of, "commit": "b" * 40}}
    before = {**now, "git": {**git_of, "commit": "a" * 40}}
    monkeypatch.setattr(provenance.Provenance, "text", lambda self, cls: json.dumps(now))
    same, other = tmp_path / "same.json", tmp_path / "other.json"
    same.write_text(json.dumps({"objects": [], "environment": now}))
    other.write_text(json.dumps({"objects": [], "environment": before}))
    checker = provenance.Provenance()
    notes: list[str] = []
    for n in range(1, provenance.CHECKED_IN_FULL + 1):
        checker.check(same, Squares, f"m.squares/{n}", notes.append)
    assert notes == []
    skipped = provenance.CHECKED_IN_FULL + 1
    checker.check(other, Squares, f"m.squares/{skipped}", notes.append)
    assert notes == []  # not read: past the first thousand, and not a hundredth
    for n in range(skipped + 1, 1100):
        checker.check(same, Squares, f"m.squares/{n}", notes.append)
    checker.check(other, Squares, "m.squares/1100", notes.append)
    assert notes == [
        "warning: m.squares/1100 is done, made from commit aaaaaaaaaa of /repo, and the code is"
        " now commit bbbbbbbbbb; xpm does not recompute done jobs (other done jobs made from"
        " that code are not listed): delete a job (xpm jobs clean) to compute it with this code."
    ]


class Squares:
    """Stands for a task class: `check` only keys its counts and texts on it."""
