"""`xpm jobs list|show|log|kill|clean` and `xpm experiments list` on synthetic workspaces."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from xpm.cli.main import xpm
from xpm.scheduler.pids import ProcessIdentity

from .synthetic import SyntheticWorkspace, identifier

FAILURE = {
    "code": 1,
    "reason": "failed",
    "message": "ValueError: boom",
    "signal": None,
    "exception": {"type": "ValueError", "message": "boom"},
    "time": 1763890000.5,
}


@pytest.fixture
def jobs(synthetic: SyntheticWorkspace) -> dict[str, str]:
    """Five jobs: learn done/failed/running (tagged), evaluate unscheduled/done."""
    names = {
        "done": synthetic.job("mymod.learn", "a", "done", stdout="out of a\n", stderr="err a\n"),
        "failed": synthetic.job(
            "mymod.learn", "b", "failed", failure=FAILURE, stderr="Traceback\nValueError: boom\n"
        ),
        "running": synthetic.job("mymod.learn", "c", "running"),
        "unscheduled": synthetic.job("mymod.evaluate", "d", "unscheduled"),
        "evaluated": synthetic.job("mymod.evaluate", "e", "done"),
    }
    synthetic.run(
        "bm25",
        "20261123_101500",
        [
            (names["done"], {"model": "bm25", "epochs": 10}),
            (names["failed"], {"model": "bert", "epochs": "20"}),
            (names["running"], {"model": "bm25", "epochs": 30}),
        ],
    )
    synthetic.run("evaluation", "20261123_111500", [(names["evaluated"], {"model": "bm25"})])
    return names


def invoke(runner: CliRunner, synthetic: SyntheticWorkspace, *args: str) -> tuple[int, str, str]:
    """Run `xpm` through `run_program` semantics in-process; return code, stdout, stderr."""
    from xpm.cli.errors import run_program

    with runner.isolation() as (out, err, _):
        code = run_program(xpm, [*args[:2], "--workdir", str(synthetic.workdir), *args[2:]])
        sys.stdout.flush()
        sys.stderr.flush()
        return code, out.getvalue().decode(), err.getvalue().decode()


def listed(stdout: str) -> list[tuple[str, str]]:
    """Return (state, name) of each line of `xpm jobs list`."""
    return [tuple(line.split()[:2]) for line in stdout.splitlines()]  # type: ignore[misc]


def test_list_shows_state_and_name_sorted(
    runner: CliRunner, synthetic: SyntheticWorkspace, jobs: dict[str, str]
) -> None:
    """Each job folder is one line, `state name`, sorted by name; states come from files."""
    code, out, _ = invoke(runner, synthetic, "jobs", "list")
    assert code == 0
    assert sorted(listed(out), key=lambda row: row[1]) == listed(out)
    assert dict((name, state) for state, name in listed(out)) == {
        jobs["done"]: "done",
        jobs["failed"]: "failed",
        jobs["running"]: "running",
        jobs["unscheduled"]: "unscheduled",
        jobs["evaluated"]: "done",
    }


def test_list_filter_reads_state_and_tags(
    runner: CliRunner, synthetic: SyntheticWorkspace, jobs: dict[str, str]
) -> None:
    """`--filter` combines attributes and tags from the experiments' jobs.jsonl."""
    code, out, _ = invoke(
        runner, synthetic, "jobs", "list", "--filter", '@state = "done" and model = "bm25"'
    )
    assert code == 0
    assert sorted(name for _, name in listed(out)) == sorted([jobs["evaluated"], jobs["done"]])
    code, out, _ = invoke(runner, synthetic, "jobs", "list", "--filter", "epochs >= 20")
    assert sorted(name for _, name in listed(out)) == sorted([jobs["failed"], jobs["running"]])


def test_list_experiment_and_tags(
    runner: CliRunner, synthetic: SyntheticWorkspace, jobs: dict[str, str]
) -> None:
    """`--experiment` keeps that experiment's jobs; `--tags` appends sorted key=value pairs."""
    code, out, _ = invoke(runner, synthetic, "jobs", "list", "--experiment", "bm25", "--tags")
    assert code == 0
    assert sorted(out.splitlines()) == [
        f"done        {jobs['done']} epochs=10 model=bm25",
        f"failed      {jobs['failed']} epochs=20 model=bert",
        f"running     {jobs['running']} epochs=30 model=bm25",
    ]


def test_list_fullpath_and_count(
    runner: CliRunner, synthetic: SyntheticWorkspace, jobs: dict[str, str]
) -> None:
    """`--fullpath` prints folders; `--count N` keeps the N most recently changed jobs."""
    newest = synthetic.workdir / "jobs" / jobs["unscheduled"]
    os.utime(newest, (time.time() + 100, time.time() + 100))
    code, out, _ = invoke(runner, synthetic, "jobs", "list", "--fullpath", "--count", "1")
    assert code == 0
    assert out == f"unscheduled {newest}\n"


def test_list_unknown_experiment_suggests(
    runner: CliRunner, synthetic: SyntheticWorkspace, jobs: dict[str, str]
) -> None:
    """An unknown `--experiment` exits 2 and offers the close names."""
    code, _, err = invoke(runner, synthetic, "jobs", "list", "--experiment", "bm52")
    assert code == 2
    assert "no experiment 'bm52'" in err and "Did you mean 'bm25'?" in err


def test_list_bad_filter_shows_the_column(
    runner: CliRunner, synthetic: SyntheticWorkspace, jobs: dict[str, str]
) -> None:
    """A filter that does not parse exits 2 with a caret under the problem."""
    code, out, err = invoke(runner, synthetic, "jobs", "list", "--filter", '@state = "done" and')
    assert code == 2 and out == ""
    assert err.startswith("Error: invalid job filter at column 20")


def test_list_empty_workspace_says_so(runner: CliRunner, synthetic: SyntheticWorkspace) -> None:
    """A workspace without jobs prints nothing on stdout and says why on stderr."""
    code, out, err = invoke(runner, synthetic, "jobs", "list")
    assert (code, out) == (0, "")
    assert "no job was found" in err


def test_show_describes_a_failed_job(
    runner: CliRunner, synthetic: SyntheticWorkspace, jobs: dict[str, str]
) -> None:
    """`jobs show` takes a unique prefix and prints state, failure, tags and experiments."""
    prefix = "mymod.learn/" + identifier("b")[:6]
    code, out, _ = invoke(runner, synthetic, "jobs", "show", prefix)
    assert code == 0
    assert f"job:         {jobs['failed']}\n" in out
    assert "state:       failed\n" in out
    assert "failure:     failed (exit code 1): ValueError: boom\n" in out
    assert "tags:        epochs=20 model=bert\n" in out
    assert "experiments: bm25\n" in out


def test_show_takes_tags_and_experiments_from_the_jobs_own_lines(
    runner: CliRunner, synthetic: SyntheticWorkspace, jobs: dict[str, str]
) -> None:
    """`jobs show` reads only the lines naming the job: a later run's line of another
    job that depends on it (so mentions it) lends it neither tags nor an experiment, and
    the latest run submitting the job gives its tags."""
    done, evaluated = jobs["done"], jobs["evaluated"]
    run = synthetic.run("later", "20261124_090000", [(evaluated, {"model": "x"})], started=2e9)
    line = json.loads((run / "jobs.jsonl").read_text())
    line["depends_on"] = [done]
    (run / "jobs.jsonl").write_text(json.dumps(line) + "\n")
    synthetic.run("again", "20261124_100000", [(done, {"model": "t5"})], started=2e9 + 1)
    code, out, err = invoke(runner, synthetic, "jobs", "show", done)
    assert (code, err) == (0, "")
    assert "tags:        model=t5\n" in out
    assert "experiments: bm25, again\n" in out
    assert "depends on" not in out
    code, out, _ = invoke(runner, synthetic, "jobs", "show", evaluated)
    assert f"depends on:  {done}\n" in out
    assert "experiments: evaluation, later\n" in out


def test_show_lists_the_attempts_of_a_job_submitted_again(
    runner: CliRunner, synthetic: SyntheticWorkspace, jobs: dict[str, str]
) -> None:
    """A job retried after a time-out shows one line per attempt, with why it ended."""
    prefix = "mymod.learn/" + identifier("b")[:6]
    _, out, _ = invoke(runner, synthetic, "jobs", "show", prefix)
    folder = Path(next(line for line in out.splitlines() if line.startswith("folder:")).split()[1])
    attempts = [
        {"attempt": 1, "started": 0, "host": "n1", "batch_id": "41", "ended": 60,
         "reason": "timeout", "message": "SLURM: TIMEOUT, reached its time limit (job 41)"},
        {"attempt": 2, "started": 61, "host": "n2", "batch_id": "42", "ended": 62,
         "reason": "failed", "message": "ValueError: boom"},
        {"attempt": 3, "started": 63, "host": "n2", "batch_id": "43"},
    ]  # fmt: skip
    (folder / "learn.attempts.json").write_text(json.dumps(attempts))
    code, out, _ = invoke(runner, synthetic, "jobs", "show", prefix)
    assert code == 0
    started = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(0))
    assert (
        "attempt 1:   timeout: SLURM: TIMEOUT, reached its time limit (job 41) "
        f"(n1, SLURM job 41, started {started})\n"
    ) in out
    assert "attempt 2:   failed: ValueError: boom (n2, SLURM job 42, started " in out
    assert "attempt 3:   failed (n2, SLURM job 43, started " in out  # the job's state


def test_show_accepts_an_identifier_prefix(
    runner: CliRunner, synthetic: SyntheticWorkspace, jobs: dict[str, str]
) -> None:
    """A prefix of the identifier alone is enough."""
    code, out, _ = invoke(runner, synthetic, "jobs", "show", identifier("c")[:8])
    assert code == 0
    assert "state:       running\n" in out
    assert "process:     pid " in out


def test_show_unknown_job_exits_2(
    runner: CliRunner, synthetic: SyntheticWorkspace, jobs: dict[str, str]
) -> None:
    """An unknown job name exits 2 and says where it looked."""
    code, _, err = invoke(runner, synthetic, "jobs", "show", "nosuch.task/00")
    assert code == 2
    assert err == (
        f"Error: no job matches 'nosuch.task/00' in the workspace {synthetic.workdir};"
        " `xpm jobs list` shows the jobs there\n"
    )


def test_show_ambiguous_prefix_lists_the_candidates(
    runner: CliRunner, synthetic: SyntheticWorkspace, jobs: dict[str, str]
) -> None:
    """An ambiguous prefix exits 2 and lists every job it matches."""
    code, _, err = invoke(runner, synthetic, "jobs", "show", "mymod.learn/")
    assert code == 2
    assert "'mymod.learn' matches 3 jobs; type more of the name:" in err
    for key in ("done", "failed", "running"):
        assert f"  {jobs[key]}\n" in err


def test_log_prints_stdout_then_stderr_under_headers(
    runner: CliRunner, synthetic: SyntheticWorkspace, jobs: dict[str, str]
) -> None:
    """`jobs log` prints both files, each under a header naming it; `--out`/`--err` one, bare."""
    folder = synthetic.workdir / "jobs" / jobs["done"]
    assert invoke(runner, synthetic, "jobs", "log", jobs["done"]) == (
        0,
        f"==> stdout: {folder / 'learn.out'} <==\nout of a\n\n"
        f"==> stderr: {folder / 'learn.err'} <==\nerr a\n",
        "",
    )
    assert invoke(runner, synthetic, "jobs", "log", "--out", jobs["done"]) == (0, "out of a\n", "")
    assert invoke(runner, synthetic, "jobs", "log", "--err", jobs["done"]) == (0, "err a\n", "")


def test_log_of_a_job_that_printed_to_stdout_only(
    runner: CliRunner, synthetic: SyntheticWorkspace
) -> None:
    """A job whose output all went to stdout shows it, under its header; no empty stderr."""
    name = synthetic.job("mymod.learn", "p", "done", stdout="epoch 1: 0.93\n")
    (synthetic.workdir / "jobs" / name / "learn.err").touch()
    stdout = synthetic.workdir / "jobs" / name / "learn.out"
    assert invoke(runner, synthetic, "jobs", "log", name) == (
        0,
        f"==> stdout: {stdout} <==\nepoch 1: 0.93\n",
        "",
    )


def test_log_of_a_job_that_wrote_nothing_says_so(
    runner: CliRunner, synthetic: SyntheticWorkspace
) -> None:
    """Empty logs: exit 0, and a line on stderr naming both files, so silence is explained."""
    name = synthetic.job("mymod.learn", "q", "done")
    folder = synthetic.workdir / "jobs" / name
    (folder / "learn.out").touch()
    (folder / "learn.err").touch()
    assert invoke(runner, synthetic, "jobs", "log", name) == (
        0,
        "",
        f"the job {name} wrote nothing to its stdout ({folder / 'learn.out'})"
        f" nor its stderr ({folder / 'learn.err'})\n",
    )


def test_log_of_a_job_that_never_ran(
    runner: CliRunner, synthetic: SyntheticWorkspace, jobs: dict[str, str]
) -> None:
    """A job without a log file exits 1 and says that it has not run."""
    code, _, err = invoke(runner, synthetic, "jobs", "log", jobs["unscheduled"])
    assert code == 1
    assert "has no log" in err and "-f" in err


def test_log_follow_stops_when_the_job_ends(synthetic: SyntheticWorkspace) -> None:
    """`jobs log -f` prints lines as they come and returns once the job is done."""
    name = synthetic.job("mymod.learn", "f", "running", stderr="first\n")
    folder = synthetic.workdir / "jobs" / name
    command = ["jobs", "log", "-f", "--err", "--workdir", str(synthetic.workdir), name]
    follower = subprocess.Popen(
        [sys.executable, "-m", "xpm.cli", *command],
        stdout=subprocess.PIPE,
        text=True,
    )
    time.sleep(1.0)
    with (folder / "learn.err").open("a") as err:
        err.write("second\n")
    time.sleep(0.5)
    (folder / "learn.done").touch()
    out, _ = follower.communicate(timeout=30)
    assert follower.returncode == 0
    assert out == "first\nsecond\n"


def test_log_follow_shows_a_header_each_time_the_file_changes(
    synthetic: SyntheticWorkspace,
) -> None:
    """`jobs log -f` follows both files; a header says which one each part comes from."""
    name = synthetic.job("mymod.learn", "g", "running", stdout="epoch 1\n")
    folder = synthetic.workdir / "jobs" / name
    command = ["jobs", "log", "-f", "--workdir", str(synthetic.workdir), name]
    follower = subprocess.Popen(
        [sys.executable, "-m", "xpm.cli", *command],
        stdout=subprocess.PIPE,
        text=True,
    )
    time.sleep(1.0)
    with (folder / "learn.err").open("a") as err:
        err.write("warning: slow\n")
    time.sleep(0.6)
    with (folder / "learn.out").open("a") as out_file:
        out_file.write("epoch 2\n")
    time.sleep(0.6)
    (folder / "learn.done").touch()
    out, _ = follower.communicate(timeout=30)
    assert follower.returncode == 0
    stdout, stderr = (
        f"==> stdout: {folder / 'learn.out'} <==",
        f"==> stderr: {folder / 'learn.err'} <==",
    )
    assert out == f"{stdout}\nepoch 1\n\n{stderr}\nwarning: slow\n\n{stdout}\nepoch 2\n"


def test_kill_is_dry_by_default(
    runner: CliRunner, synthetic: SyntheticWorkspace, jobs: dict[str, str]
) -> None:
    """Without --perform, kill says what it would do and leaves the process alone."""
    code, out, _ = invoke(runner, synthetic, "jobs", "kill", 'model = "bm25"')
    assert code == 0
    assert out.startswith(f"would kill {jobs['running']} (pid ")
    assert out.endswith("1 job(s) would be killed; pass --perform to kill them\n")
    assert synthetic.processes[0].poll() is None


def test_kill_perform_sends_sigterm(
    runner: CliRunner, synthetic: SyntheticWorkspace, jobs: dict[str, str]
) -> None:
    """With --perform, the running job's process group gets SIGTERM."""
    code, out, _ = invoke(runner, synthetic, "jobs", "kill", "--perform", '@state = "running"')
    assert code == 0
    assert out.startswith(f"killed {jobs['running']}")
    assert synthetic.processes[0].wait(timeout=10) == -signal.SIGTERM


def test_kill_refuses_a_forged_pid_record_naming_another_process(
    runner: CliRunner, synthetic: SyntheticWorkspace
) -> None:
    """A pid record naming an unrelated process, start time included, kills nothing:
    only a process holding the job's lock is the job's."""
    bystander = subprocess.Popen(["sleep", "60"])
    try:
        identity = ProcessIdentity.of(bystander.pid)
        assert identity is not None
        name = synthetic.job("mymod.learn", "forged", "running", process=identity.to_json())
        lock = synthetic.workdir / "jobs" / name / "learn.lock"
        lock.touch()
        code, out, err = invoke(runner, synthetic, "jobs", "kill", "--perform", "@type ~ 'learn'")
        assert (code, out) == (1, "")
        assert err == (
            f"cannot kill {name} (pid {bystander.pid} on {identity.host}): process"
            f" {bystander.pid} does not hold the job's lock {lock}, so it is not this job's"
            " process (the pid record is stale or forged); nothing was signalled\n"
            "Error: 1 of 1 job(s) could not be killed\n"
        )
        time.sleep(0.2)
        assert bystander.poll() is None
    finally:
        bystander.kill()
        bystander.wait()


def test_kill_slurm_job_calls_scancel(
    runner: CliRunner,
    synthetic: SyntheticWorkspace,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A SLURM pid record is cancelled with `scancel <jobid>`."""
    name = synthetic.job(
        "mymod.learn", "s", "running", process={"type": "slurm", "jobid": "42", "host": "vm"}
    )
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "calls"
    scancel = bin_dir / "scancel"
    scancel.write_text(f'#!/bin/sh\necho "$@" >> {calls}\n')
    scancel.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    code, out, _ = invoke(runner, synthetic, "jobs", "kill", "--perform", '@type ~ "learn"')
    assert (code, out) == (0, f"killed {name} (SLURM job 42)\n")
    assert calls.read_text() == "42\n"


def test_kill_without_scancel_fails_clearly(
    runner: CliRunner, synthetic: SyntheticWorkspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When scancel is missing, kill exits 1 and says where to run it."""
    synthetic.job("mymod.learn", "s", "running", process={"type": "slurm", "jobid": "42"})
    monkeypatch.setenv("PATH", "/nonexistent")
    code, _, err = invoke(runner, synthetic, "jobs", "kill", "--perform", "@state = 'running'")
    assert code == 1
    assert "scancel is not on PATH" in err


def test_clean_is_dry_then_deletes_finished_jobs_only(
    runner: CliRunner, synthetic: SyntheticWorkspace, jobs: dict[str, str]
) -> None:
    """clean lists finished jobs without --perform, deletes them with it, never a running one."""
    folders = {key: synthetic.workdir / "jobs" / name for key, name in jobs.items()}
    code, out, _ = invoke(runner, synthetic, "jobs", "clean", 'model = "bm25" or model = "bert"')
    assert code == 0
    assert out.count("would delete") == 3
    assert all(folder.exists() for folder in folders.values())
    code, out, _ = invoke(runner, synthetic, "jobs", "clean", "--perform", '@type ~ "learn"')
    assert code == 0
    assert out.endswith("2 job folder(s) deleted\n")
    assert not folders["done"].exists() and not folders["failed"].exists()
    assert folders["running"].exists() and folders["unscheduled"].exists()


def test_clean_nothing_to_do(
    runner: CliRunner, synthetic: SyntheticWorkspace, jobs: dict[str, str]
) -> None:
    """A filter that selects no finished job deletes nothing and says so."""
    code, out, err = invoke(runner, synthetic, "jobs", "clean", "--perform", '@state = "running"')
    assert (code, out) == (0, "")
    assert "no finished job matches" in err


def test_experiments_list(
    runner: CliRunner, synthetic: SyntheticWorkspace, jobs: dict[str, str]
) -> None:
    """`experiments list` prints each experiment's latest run and its jobs by state."""
    synthetic.run(
        "bm25",
        "20261124_090000",
        [(jobs["done"], {"model": "bm25"})],
        status="failed",
        states={jobs["done"]: "done", jobs["failed"]: "failed"},
        started=1763900000.0,
    )
    code, out, _ = invoke(runner, synthetic, "experiments", "list")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("bm25  failed  run 20261124_090000 (2 runs), started ")
    assert lines[0].endswith("jobs: 1 done, 1 failed")
    assert lines[1].startswith("evaluation  done  run 20261123_111500 (1 run)")


def test_later_run_tags_win(
    runner: CliRunner, synthetic: SyntheticWorkspace, jobs: dict[str, str]
) -> None:
    """When two runs submitted a job, the tags of the latest one are shown."""
    synthetic.run("other", "20261125_000000", [(jobs["done"], {"model": "new"})], started=2e9)
    code, out, _ = invoke(runner, synthetic, "jobs", "list", "--tags", "--filter", 'model = "new"')
    assert code == 0
    assert out == f"done        {jobs['done']} model=new\n"


def test_real_subprocess_list_and_errors(
    synthetic: SyntheticWorkspace, jobs: dict[str, str]
) -> None:
    """`python -m xpm.cli jobs list/show` works as a program, with exit codes 0 and 2."""
    base = [sys.executable, "-m", "xpm.cli", "jobs"]
    where = ["--workdir", str(synthetic.workdir)]
    done = subprocess.run([*base, "list", *where], capture_output=True, text=True, check=False)
    assert done.returncode == 0 and len(done.stdout.splitlines()) == 5
    done = subprocess.run(
        [*base, "show", *where, "mymod"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 2 and "matches 5 jobs" in done.stderr
    assert "Traceback" not in done.stderr


def test_failed_record_written_by_old_experimaestro(
    runner: CliRunner, synthetic: SyntheticWorkspace
) -> None:
    """A bare integer in `.failed` reads as failed with that exit code."""
    name = synthetic.job("mymod.learn", "x", "failed", failure=3)
    code, out, _ = invoke(runner, synthetic, "jobs", "show", name)
    assert code == 0
    assert "failure:     failed (exit code 3): exit code 3" in out
    assert json.loads((synthetic.workdir / "jobs" / name / "learn.failed").read_text()) == 3


def test_experiment_option_that_is_not_a_name_exits_2(
    runner: CliRunner, synthetic: SyntheticWorkspace, jobs: dict[str, str]
) -> None:
    """`--experiment ../x` is refused with the naming rule, before any file is read."""
    code, out, err = invoke(runner, synthetic, "jobs", "list", "--experiment", "../bm25")
    assert (code, out) == (2, "")
    assert err.startswith("Error: experiment name '../bm25' (--experiment) cannot name a folder")


def test_clean_never_follows_links_out_of_the_workspace(
    synthetic: SyntheticWorkspace, jobs: dict[str, str], tmp_path: Path
) -> None:
    """A linked type folder and a linked job folder are skipped with a warning, not deleted
    through: `clean --perform` deletes only real job folders, and never a traceback."""
    elsewhere = SyntheticWorkspace(tmp_path / "elsewhere")
    outside = elsewhere.job("evil.task", "x", "done")
    target = elsewhere.job("mymod.learn", "y", "done")
    os.symlink(elsewhere.workdir / "jobs" / "evil.task", synthetic.workdir / "jobs" / "evil")
    linked = synthetic.workdir / "jobs" / "mymod.learn" / identifier("linked")
    os.symlink(elsewhere.workdir / "jobs" / target, linked)
    done = subprocess.run(
        [sys.executable, "-m", "xpm.cli", "jobs", "clean", "--workdir", str(synthetic.workdir),
         "--perform", '@state = "done" or @state = "failed"'],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.endswith("3 job folder(s) deleted\n")
    assert sorted(done.stderr.splitlines()) == [
        f"xpm: skipped {synthetic.workdir}/jobs/evil: a symbolic link"
        " (xpm never follows links under jobs/)",
        f"xpm: skipped {linked}: a symbolic link (xpm never follows links under jobs/)",
    ]
    assert (elsewhere.workdir / "jobs" / outside / "params.json").exists()
    assert (elsewhere.workdir / "jobs" / target / "params.json").exists()
    assert linked.is_symlink() and (synthetic.workdir / "jobs" / "evil").is_symlink()


def test_remove_job_folder_refuses_links_and_folders_outside(tmp_path: Path) -> None:
    """The last check before deleting: a real `jobs/<type>/<id>` folder of the workspace."""
    from xpm.scheduler.errors import JobFolderError
    from xpm.scheduler.jobfolders import remove_job_folder

    workdir, outside = tmp_path / "ws", tmp_path / "outside"
    (outside / "id").mkdir(parents=True)
    (workdir / "jobs" / "t" / "real").mkdir(parents=True)
    os.symlink(outside, workdir / "jobs" / "link")
    os.symlink(outside / "id", workdir / "jobs" / "t" / "id")
    for folder in (workdir / "jobs" / "link" / "id", workdir / "jobs" / "t" / "id", outside / "id"):
        with pytest.raises(JobFolderError, match="xpm deletes nothing outside the workspace"):
            remove_job_folder(workdir, folder)
    assert (outside / "id").is_dir()
    remove_job_folder(workdir, workdir / "jobs" / "t" / "real")
    assert not (workdir / "jobs" / "t" / "real").exists()
