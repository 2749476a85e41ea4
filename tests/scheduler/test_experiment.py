"""Experiments end to end: real job processes, files on disk, re-runs and failures."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from xpm.core import Meta, NoExperimentError, Param, Task, ValidationError, XpmError, tag
from xpm.scheduler import (
    ExperimentFailed,
    ExperimentFailedError,
    JobState,
    experiment,
    list_runs,
    read_job,
)

from .xpmtasks import Crash, EnvReader, SetEnv, Step, UsesVocab, Vocabulary, runs

STEP = "tests.scheduler.xpmtasks.step"


def test_job_folder_layout_and_run_records(tmp_path: Path) -> None:
    log = tmp_path / "log"
    with experiment(tmp_path / "ws", "layout") as xp:
        step = Step.C(x=tag(2), log=log)
        step.submit()
    ident = step.__identifier__().hex()
    folder = tmp_path / "ws" / "jobs" / STEP / ident
    assert step.jobpath == folder
    assert step.job.state is JobState.DONE
    names = {p.name for p in folder.iterdir()}
    assert names == {
        "params.json",
        "step.out",
        "step.err",
        "step.done",
        "step.lock",
        "step.attempts.json",
        "step.progress",  # Step reports progress
        "out.txt",
    }
    assert (folder / "step.done").read_bytes() == b""
    assert (folder / "out.txt").read_text() == "3"
    params = json.loads((folder / "params.json").read_text())
    assert params["job"] == {
        "type_id": STEP,
        "identifier": ident,
        "name": "step",
        "workspace": str(tmp_path / "ws"),
    }
    (run,) = list_runs(tmp_path / "ws", "layout")
    assert run.status == "done"
    assert run.jobs == {f"{STEP}/{ident}": "done"}
    (submitted,) = run.submitted()
    assert submitted.job_id == f"{STEP}/{ident}" and submitted.tags == {"x": 2}
    current = tmp_path / "ws" / "experiments" / "layout" / "current"
    assert current.is_symlink() and os.readlink(current) == run.run
    assert xp.resultspath == tmp_path / "ws" / "experiments" / "layout" / "results"


def test_each_job_runs_once_across_runs_and_within_one(tmp_path: Path) -> None:
    log = tmp_path / "log"
    for _ in range(2):
        with experiment(tmp_path / "ws", "once"):
            first = Step.C(x=1, log=log).submit()
            again = Step.C(x=1, log=log).submit()
            Step.C(x=2, prev=first, log=log).submit()
        assert first.job is again.job
    starts = [r["x"] for r in runs(log) if r["event"] == "start"]
    assert sorted(starts) == [1, 2]
    assert len(list_runs(tmp_path / "ws", "once")) == 2


def test_dependency_output_is_read_after_parent(tmp_path: Path) -> None:
    log = tmp_path / "log"
    with experiment(tmp_path / "ws", "chain"):
        a = Step.C(x=1, log=log, sleep=0.2).submit()
        b = Step.C(x=10, prev=a, log=log).submit()
        c = Step.C(x=100, prev=b, log=log).submit()
    assert c.out.read_text() == str(2 + 11 + 101)
    events = [(r["x"], r["event"]) for r in runs(log)]
    assert events == [
        (1, "start"),
        (1, "end"),
        (10, "start"),
        (10, "end"),
        (100, "start"),
        (100, "end"),
    ]


def test_failure_is_recorded_and_dependents_never_run(tmp_path: Path) -> None:
    log = tmp_path / "log"
    with pytest.raises(ExperimentFailed) as failed, experiment(tmp_path / "ws", "fails"):
        bad = Step.C(x=-1, log=log).submit()
        child = Step.C(x=5, prev=bad, log=log).submit()
        ok = Step.C(x=7, log=log).submit()
    assert ok.job.state is JobState.DONE
    assert bad.job.state is JobState.FAILED and child.job.state is JobState.FAILED
    record = json.loads((bad.jobpath / "step.failed").read_text())
    assert record["code"] == 1 and record["reason"] == "failed"
    assert record["exception"] == {"type": "ValueError", "message": "negative x: -1"}
    assert "ValueError: negative x: -1" in bad.stderr().read_text()
    assert [r["x"] for r in runs(log) if r["event"] == "start"] in ([-1, 7], [7, -1])
    assert read_job(child.job.paths).failure.reason == "dependency"  # type: ignore[union-attr]
    message = str(failed.value)
    assert message.startswith("2 of 3 jobs failed:")
    assert f"{bad.job.job_id}: failed (exit code 1): ValueError: negative x: -1" in message
    assert f"log: {bad.stderr()}" in message
    assert "| ValueError: negative x: -1" in message
    assert f"{child.job.job_id}: dependency: {bad.job.job_id} failed" in message
    assert failed.value.total == 3


def test_a_failed_experiment_is_an_experiment_failed_error(tmp_path: Path) -> None:
    """The error has its house name and the former one; `except RuntimeError` catches it."""
    with pytest.raises(RuntimeError) as failed, experiment(tmp_path / "ws", "fails"):
        Step.C(x=-1, log=tmp_path / "log").submit()
    assert type(failed.value) is ExperimentFailedError
    assert isinstance(failed.value, ExperimentFailed)
    assert str(failed.value).startswith("1 of 1 jobs failed:")


def test_failed_job_runs_again_when_resubmitted(tmp_path: Path) -> None:
    log = tmp_path / "log"
    for _ in range(2):
        with pytest.raises(ExperimentFailed), experiment(tmp_path / "ws", "retry"):
            Step.C(x=-3, log=log).submit()
    assert [r["x"] for r in runs(log)] == [-3, -3]


def test_fail_fast_cancels_jobs_not_started(tmp_path: Path) -> None:
    log = tmp_path / "log"
    with (
        pytest.raises(ExperimentFailed) as failed,
        experiment(tmp_path / "ws", "ff", fail_fast=True, max_jobs=1),
    ):
        Step.C(x=-1, log=log).submit()
        later = Step.C(x=1, log=log, sleep=0).submit()
    assert later.job.state is JobState.FAILED
    assert later.job.failure.reason == "cancelled"  # type: ignore[union-attr]
    assert "fail_fast" in str(failed.value)
    assert [r["x"] for r in runs(log)] == [-1]


@pytest.mark.parametrize(
    ("how", "words"),
    [
        ("exit", "exited with code 3"),
        ("SIGKILL", "killed by SIGKILL"),
    ],
)
def test_process_dying_without_marker_is_reported(tmp_path: Path, how: str, words: str) -> None:
    with pytest.raises(ExperimentFailed) as failed, experiment(tmp_path / "ws", "crash"):
        task = Crash.C(how=how).submit()
    record = json.loads((task.jobpath / "crash.failed").read_text())
    assert words in record["message"]
    assert words in str(failed.value)
    if how == "SIGKILL":
        assert record["signal"] == 9 and "out-of-memory" in record["message"]
    else:
        assert record["code"] == 3


def test_sigterm_records_cancelled(tmp_path: Path) -> None:
    with pytest.raises(ExperimentFailed), experiment(tmp_path / "ws", "term"):
        task = Crash.C(how="SIGTERM").submit()
    record = json.loads((task.jobpath / "crash.failed").read_text())
    assert record["reason"] == "cancelled" and record["code"] == 143


def test_experimaestro_done_folder_is_not_run_again(tmp_path: Path) -> None:
    log = tmp_path / "log"
    step = Step.C(x=4, log=log)
    folder = tmp_path / "ws" / "jobs" / STEP / step.__identifier__().hex()
    folder.mkdir(parents=True)
    (folder / "step.done").touch()
    with experiment(tmp_path / "ws", "compat"):
        step.submit()
    assert step.job.state is JobState.DONE
    assert runs(log) == []


def test_dry_run_writes_nothing_and_prints_plan(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "log"
    with experiment(tmp_path / "ws", "dry", run_mode="dry-run"):
        a = Step.C(x=tag(1), log=log).submit()
        Step.C(x=2, prev=a, log=log).submit()
    assert not (tmp_path / "ws").exists()
    out = capsys.readouterr().out
    assert f"[unscheduled] {a.job.job_id}" in out
    assert f"folder: {a.jobpath}" in out
    assert "tags: x=1" in out
    assert f"depends on: {a.job.job_id}" in out


class Noted(Task):
    x: Param[int]
    note: Meta[Any] = None

    def execute(self) -> None:
        pass


@pytest.mark.parametrize("mode", ["dry-run", "normal"])
def test_dry_run_refuses_a_task_a_run_could_not_store(tmp_path: Path, mode: str) -> None:
    """A dry-run builds params.json only for its errors, and skips it only for tasks of
    plain values (where it cannot fail): the error a run would raise, it raises too."""
    message = r"Noted.note: cannot store a object value in params.json \(use int"
    with (
        pytest.raises(XpmError, match=message),
        experiment(tmp_path / "ws", "noted", run_mode=mode),
    ):
        Noted.C(x=1, note=object()).submit()
    assert not (tmp_path / "ws" / "jobs").exists()


def test_generate_writes_folders_and_launches_nothing(tmp_path: Path) -> None:
    log = tmp_path / "log"
    with experiment(tmp_path / "ws", "gen", run_mode="generate"):
        a = Step.C(x=1, log=log).submit()
    assert sorted(p.name for p in a.jobpath.iterdir()) == ["params.json"]
    assert runs(log) == []


def test_max_jobs_caps_concurrency(tmp_path: Path) -> None:
    log = tmp_path / "log"
    with experiment(tmp_path / "ws", "cap", max_jobs=1):
        for x in range(3):
            Step.C(x=x, log=log, sleep=0.2).submit()
    events = [r["event"] for r in runs(log)]
    assert events == ["start", "end"] * 3


def test_tokens_limit_jobs_across_the_workspace(tmp_path: Path) -> None:
    log = tmp_path / "log"
    with experiment(tmp_path / "ws", "tok", max_jobs=4) as xp:
        gpu = xp.token("gpu", 1)
        for x in range(3):
            gpu(1, Step.C(x=x, log=log, sleep=0.2)).submit()
        free = Step.C(x=10, log=log, sleep=0.0)
        free.add_dependencies(gpu.dependency(1))
        free.submit()
    events = [r["event"] for r in runs(log)]
    assert events == ["start", "end"] * 4
    assert json.loads((tmp_path / "ws" / "tokens" / "gpu.json").read_text())["holders"] == {}


def test_hooks_and_init_tasks_reach_the_job_process(tmp_path: Path) -> None:
    with experiment(tmp_path / "ws", "env"):
        task = EnvReader.C().submit(init_tasks=[SetEnv.C()])
    seen = json.loads((task.jobpath / "seen.json").read_text())
    assert seen == {"flag": "on", "init": True}


def test_cache_is_computed_once_per_configuration(tmp_path: Path) -> None:
    log = tmp_path / "log"
    with experiment(tmp_path / "ws", "cache"):
        vocab = Vocabulary.C(size=5)
        first = UsesVocab.C(vocab=vocab, log=log).submit()
        second = UsesVocab.C(
            vocab=vocab,
            log=log,
        ).submit()
        third = UsesVocab.C(vocab=Vocabulary.C(size=5), log=tmp_path / "other").submit()
    assert first.job is second.job is third.job
    folder = tmp_path / "ws" / "config" / "tests.scheduler.xpmtasks.vocabulary"
    (cached,) = folder.iterdir()
    assert cached.name == vocab.__identifier__().hex()
    assert (cached / "vocab.txt").read_text() == "wwwww"
    assert [r["task"] for r in runs(log)] == ["vocab"]


def test_on_completed_and_wait(tmp_path: Path) -> None:
    seen: list[str] = []
    with experiment(tmp_path / "ws", "cb"):
        task = Step.C(x=1, log=tmp_path / "log").submit()
        task.on_completed(lambda: seen.append("done"))
        assert task.wait() is True
        assert seen == ["done"]
        assert task.stdout().name == "step.out"


def test_errors_before_anything_launches(tmp_path: Path) -> None:
    with pytest.raises(NoExperimentError, match="no experiment is open"):
        Step.C(x=1, log=tmp_path / "log").submit()
    blocked = tmp_path / "file"
    blocked.write_text("")
    with pytest.raises(Exception, match="is not writable"), experiment(blocked / "ws", "x"):
        pass


def test_unserializable_value_fails_at_submit(tmp_path: Path) -> None:
    from .xpmtasks import Anything

    with (
        experiment(tmp_path / "ws", "bad"),
        pytest.raises(ValidationError, match=r"^Anything\.value: cannot be hashed: object"),
    ):
        Anything.C(value=object()).submit()
    assert not (tmp_path / "ws" / "jobs").exists()
    assert not (tmp_path / "ws" / "experiments").exists()


def test_port_serves_the_monitor_while_the_experiment_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import re
    import time
    import urllib.error
    import urllib.request

    with experiment(tmp_path / "ws", "watched", port=0):
        step = Step.C(x=1, log=tmp_path / "log").submit()
        step.wait()
        url = re.search(r"monitoring page at (\S+)", capsys.readouterr().err)
        assert url is not None
        base, token = url.group(1).split("/?token=")
        for _ in range(40):
            with urllib.request.urlopen(f"{base}/api/state?token={token}") as answer:
                seen = {job["id"] for job in json.loads(answer.read())["jobs"]}
            if step.job.job_id in seen:
                break
            time.sleep(0.1)
        assert step.job.job_id in seen
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"{base}/api/state?token={token}", timeout=2)


@pytest.mark.parametrize("fork", [True, False])
def test_both_ways_of_starting_local_jobs(tmp_path: Path, fork: bool) -> None:
    from xpm.scheduler import LocalLauncher

    log = tmp_path / "log"
    launcher = LocalLauncher(max_jobs=2, fork=fork)
    with pytest.raises(ExperimentFailed), experiment(tmp_path / "ws", "ways", launcher=launcher):
        good = Step.C(x=1, log=log).submit()
        bad = Crash.C(how="exit").submit()
    assert good.job.state is JobState.DONE
    assert json.loads((bad.jobpath / "crash.failed").read_text())["code"] == 3
    (start,) = [r for r in runs(log) if r["event"] == "start"]
    assert start["pid"] != os.getpid()


def test_job_ending_while_a_rerun_looks_at_it_is_not_started_again(tmp_path: Path) -> None:
    from collections.abc import Mapping

    from xpm.scheduler import JobLaunch, Launcher

    class JustFinished(Launcher):
        """Its job ends (writes .done) right when the re-run asks to re-attach."""

        def __init__(self) -> None:
            self.started: list[str] = []

        def start(self, launch: JobLaunch, on_end: object) -> Mapping[str, object]:
            self.started.append(launch.job_id)
            raise AssertionError("a finished job was started again")

        def reattach(self, launch: JobLaunch, record: Mapping[str, object], on_end: object) -> bool:
            (launch.folder / f"{launch.name}.done").touch()
            return False

        def kill(self, record: Mapping[str, object]) -> bool:
            return False

    step = Step.C(x=1, log=tmp_path / "log")
    folder = tmp_path / "ws" / "jobs" / STEP / step.__identifier__().hex()
    folder.mkdir(parents=True)
    (folder / "step.pid").write_text('{"type": "batch", "jobid": "7"}')
    launcher = JustFinished()
    with experiment(tmp_path / "ws", "race", launcher=launcher):
        step.submit()
    assert step.job.state is JobState.DONE
    assert launcher.started == []


def test_job_ending_before_the_rerun_prepares_it_is_not_submitted_again(tmp_path: Path) -> None:
    """A job seen running at submission, done by the time its launch is prepared, stays done.

    A rerun after a killed experiment finds the job running in SLURM; under load the job
    ends (writes `.done`) during the launcher's batch window. It must not be submitted again.
    """
    import threading
    import time
    from collections.abc import Mapping

    from xpm.scheduler import JobLaunch, Launcher

    class Batched(Launcher):
        batch_window = 1.0

        def __init__(self) -> None:
            self.started: list[str] = []

        def start(self, launch: JobLaunch, on_end: object) -> Mapping[str, object]:
            self.started.append(launch.job_id)
            raise AssertionError("a done job was submitted again")

        def reattach(self, launch: JobLaunch, record: Mapping[str, object], on_end: object) -> bool:
            return False

        def kill(self, record: Mapping[str, object]) -> bool:
            return False

    step = Step.C(x=1, log=tmp_path / "log")
    folder = tmp_path / "ws" / "jobs" / STEP / step.__identifier__().hex()
    folder.mkdir(parents=True)
    (folder / "step.pid").write_text('{"type": "batch", "jobid": "7"}')
    ends = threading.Timer(0.3, (folder / "step.done").touch)
    launcher = Batched()
    with experiment(tmp_path / "ws", "race", launcher=launcher):
        step.submit()
        ends.start()
        time.sleep(0.01)
    ends.join()
    assert step.job.state is JobState.DONE
    assert launcher.started == []


@pytest.mark.parametrize("name", ["../../x", "ABS", "a/b", "", ".", "..", "a\0b", "a\nb", "-x"])
def test_experiment_name_that_cannot_be_a_folder_is_refused(tmp_path: Path, name: str) -> None:
    """A name that would put runs, status.json or `current` outside the workspace is refused
    before anything is written."""
    from xpm.scheduler import ExperimentNameError

    name = str(tmp_path / "abs" / "path") if name == "ABS" else name
    workdir = tmp_path / "deep" / "er" / "ws"
    with pytest.raises(ExperimentNameError) as refused, experiment(workdir, name):
        pass
    assert str(refused.value) == (
        f"experiment name {name!r} cannot name a folder of the workspace: use 1 to 200"
        " letters, digits, '_', '.' or '-', starting with a letter or digit, e.g. 'bm25-sweep'"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_experiment_names_users_write_are_accepted(tmp_path: Path) -> None:
    """Letters, digits, '_', '.' and '-' make a name, as for tokens."""
    for name in ("bm25", "BM25-sweep_2.v1", "9lives"):
        with experiment(tmp_path / "ws", name, run_mode="generate"):
            Step.C(x=1, log=tmp_path / "log").submit()
    assert sorted(p.name for p in (tmp_path / "ws" / "experiments").iterdir()) == [
        "9lives",
        "BM25-sweep_2.v1",
        "bm25",
    ]
