"""SlurmLauncher against a fake SLURM: scripts, sbatch calls, arrays, reattach and kill."""

from __future__ import annotations

import getpass
import json
import sys
import threading
from collections.abc import Mapping
from pathlib import Path

import pytest

from xpm.core import ValidationError
from xpm.launchers import (
    CommandResult,
    SlurmCommandError,
    SlurmLauncher,
    SlurmOptions,
    run_command,
)
from xpm.scheduler import Ending, JobLaunch, Launcher

from .slurm_fake import FakeSlurm


def launch(root: Path, name: str, after: tuple[Mapping[str, object], ...] = ()) -> JobLaunch:
    folder = root / name
    return JobLaunch(
        folder=folder,
        name="learn",
        job_id=f"mod.learn/{name}",
        command=(sys.executable, "-m", "xpm.scheduler.run", str(folder)),
        environ={"XPM_HOOK": "a b"},
        after=after,
    )


@pytest.fixture
def fake() -> FakeSlurm:
    return FakeSlurm()


@pytest.fixture
def launcher(fake: FakeSlurm) -> SlurmLauncher:
    return SlurmLauncher(SlurmOptions(partition="cpu"), runner=fake, background=False)


def record(job_id: str) -> dict[str, object]:
    return {"type": "slurm", "jobid": job_id, "host": "login1"}


def _intent(job: JobLaunch) -> dict[str, object]:
    data = json.loads((job.folder / "learn.slurm-intent").read_text())
    assert isinstance(data, dict)
    data.pop("time")
    return data


def test_a_job_submitted_just_before_the_experiment_died_is_not_submitted_again(
    fake: FakeSlurm, tmp_path: Path
) -> None:
    """Killed after sbatch answered but before `<name>.pid` was written: the next start
    finds the job in squeue by the token of its intent, and follows it."""
    first = SlurmLauncher(runner=fake, background=False)
    job, pair = launch(tmp_path, "a"), [launch(tmp_path, "b"), launch(tmp_path, "c")]
    first.start(job, lambda e: None)
    first.start_many([(j, lambda e: None) for j in pair])
    single, array = _intent(job)["token"], _intent(pair[0])["token"]
    assert fake.called("sbatch") and len(fake.called("sbatch")) == 2
    fake.calls.clear()
    rerun = SlurmLauncher(runner=fake, background=False)
    listing = (
        f"7|N/A|RUNNING|\n101|N/A|PENDING|xpm-submission:{single}\n"
        f"102|0|RUNNING|xpm-submission:{array}\n102|1|PENDING|xpm-submission:{array}\n"
    )
    fake.answer("squeue", stdout=listing)
    assert rerun.start(job, lambda e: None)["jobid"] == "101"
    fake.answer("squeue", stdout=listing)
    records = rerun.start_many([(j, lambda e: None) for j in pair])
    assert [r["jobid"] for r in records] == ["102_0", "102_1"]
    assert fake.called("sbatch") == []
    squeue = ["squeue", "-h", "-r", "-u", getpass.getuser(), "-o", "%F|%K|%T|%k"]
    assert fake.called("squeue") == [squeue] * 2


def test_an_intent_slurm_no_longer_knows_is_submitted_anew(
    launcher: SlurmLauncher, fake: FakeSlurm, tmp_path: Path
) -> None:
    job = launch(tmp_path, "a")
    job.folder.mkdir()
    (job.folder / "learn.slurm-intent").write_text('{"token": "old", "index": null}')
    fake.answer("squeue", stdout="55|N/A|RUNNING|xpm-submission:other\n")
    assert launcher.start(job, lambda e: None)["jobid"] == "101"
    assert _intent(job)["token"] != "old"


def test_a_retry_is_submitted_anew_while_its_ended_attempt_is_still_listed(
    fake: FakeSlurm, tmp_path: Path
) -> None:
    """A job that timed out is retried in its folder: its intent still names the ended
    submission, which squeue lists while it finishes (COMPLETING), or whose array has
    other tasks running. The retry is a new sbatch, not the old job followed again."""
    first = SlurmLauncher(runner=fake, background=False)
    job, pair = launch(tmp_path, "a"), [launch(tmp_path, "b"), launch(tmp_path, "c")]
    first.start(job, lambda e: None)
    first.start_many([(j, lambda e: None) for j in pair])
    single, array = _intent(job)["token"], _intent(pair[0])["token"]
    listing = (
        f"101|N/A|COMPLETING|xpm-submission:{single}\n"
        f"102|0|TIMEOUT|xpm-submission:{array}\n102|1|RUNNING|xpm-submission:{array}\n"
    )
    fake.calls.clear()
    retry = SlurmLauncher(runner=fake, background=False)
    fake.answer("squeue", stdout=listing)
    assert retry.start(job, lambda e: None)["jobid"] == "103"
    fake.answer("squeue", stdout=listing)
    assert retry.start(pair[0], lambda e: None)["jobid"] == "104"
    assert len(fake.called("sbatch")) == 2


def test_is_a_launcher_with_native_dependencies(launcher: SlurmLauncher) -> None:
    """The scheduler queues whole pipelines at once on SLURM."""
    assert isinstance(launcher, Launcher)
    assert launcher.native_dependencies is True
    assert launcher.max_running is None


def test_start_writes_the_script_and_submits_it(
    launcher: SlurmLauncher, fake: FakeSlurm, tmp_path: Path
) -> None:
    """start() writes <name>.sbatch in the job folder and returns the pid record."""
    job = launch(tmp_path, "a")
    result = launcher.start(job, lambda ending: None)
    assert result["type"] == "slurm"
    assert result["jobid"] == "101"
    assert isinstance(result["host"], str)
    script = job.folder / "learn.sbatch"
    token = _intent(job)["token"]
    assert fake.calls == [
        ["sbatch", "--parsable", f"--comment=xpm-submission:{token}", str(script)]
    ]
    text = script.read_text()
    assert "#SBATCH --partition=cpu\n" in text
    assert f"#SBATCH --output={job.stdout}\n" in text
    assert "#SBATCH --open-mode=append\n" in text
    assert "export XPM_HOOK='a b'\n" in text
    assert text.endswith(f" >>{job.stdout} 2>>{job.stderr}\n")
    assert "--dependency" not in text


def test_dependencies_become_afterok(
    launcher: SlurmLauncher, fake: FakeSlurm, tmp_path: Path
) -> None:
    """Pid records in `after` become afterok ids; SLURM kills the job if one fails."""
    job = launch(tmp_path, "b", after=(record("7"), record("8_2")))
    launcher.start(job, lambda ending: None)
    text = (job.folder / "learn.sbatch").read_text()
    assert "#SBATCH --dependency=afterok:7:8_2\n" in text


def test_a_dependency_not_on_slurm_is_refused(launcher: SlurmLauncher, tmp_path: Path) -> None:
    """SLURM cannot wait for a local process: the error says what to do."""
    local = {"type": "local", "pid": 12, "start_time": 3, "host": "vm"}
    with pytest.raises(ValidationError, match="can only wait for SLURM jobs"):
        launcher.start(launch(tmp_path, "c", after=(local,)), lambda ending: None)


def test_sbatch_errors_name_the_command_and_stderr(
    launcher: SlurmLauncher, fake: FakeSlurm, tmp_path: Path
) -> None:
    """A refused submission raises SlurmCommandError with exit code and stderr."""
    fake.answer("sbatch", returncode=1, stderr="sbatch: error: invalid partition specified: cpu")
    with pytest.raises(SlurmCommandError) as info:
        launcher.start(launch(tmp_path, "d"), lambda ending: None)
    assert info.value.returncode == 1
    assert info.value.command[:2] == ("sbatch", "--parsable")
    assert "invalid partition" in str(info.value)
    fake.answer("sbatch", stdout="Submitted somewhere\n")
    with pytest.raises(SlurmCommandError, match="printed no job id"):
        launcher.start(launch(tmp_path, "d"), lambda ending: None)
    assert launcher.poll() == []


def test_start_many_makes_one_array_of_independent_jobs(
    launcher: SlurmLauncher, fake: FakeSlurm, tmp_path: Path
) -> None:
    """Independent jobs share one sbatch --array; dependent ones are submitted alone."""
    launcher.array_throttle = 2
    jobs = [launch(tmp_path, f"j{i}") for i in range(3)]
    dependent = launch(tmp_path, "dep", after=(record("5"),))
    records = launcher.start_many([(j, lambda e: None) for j in [jobs[0], dependent, *jobs[1:]]])
    assert [r["jobid"] for r in records] == ["101_0", "102", "101_1", "101_2"]
    array_script = jobs[0].folder / "learn.array.sbatch"
    token = _intent(jobs[0])["token"]
    assert fake.called("sbatch")[0] == [
        "sbatch", "--parsable", f"--comment=xpm-submission:{token}", str(array_script)
    ]  # fmt: skip
    assert [_intent(j) for j in jobs] == [{"token": token, "index": i} for i in range(3)]
    text = array_script.read_text()
    assert "#SBATCH --array=0-2%2\n" in text
    scripts = " ".join(str(j.folder / "learn.sbatch") for j in jobs)
    assert text.endswith(f"xpm-array {scripts}\n")
    assert all((j.folder / "learn.sbatch").exists() for j in jobs)
    assert sorted(launcher.poll()) == ["101_0", "101_1", "101_2", "102"]


def test_arrays_are_cut_to_max_array_size(tmp_path: Path) -> None:
    """MaxArraySize from scontrol bounds each array; a lone leftover is a plain job."""
    fake = FakeSlurm(max_array_size=2)
    launcher = SlurmLauncher(runner=fake, background=False)
    records = launcher.start_many([(launch(tmp_path, f"j{i}"), lambda e: None) for i in range(5)])
    assert [r["jobid"] for r in records] == ["101_0", "101_1", "102_0", "102_1", "103"]
    assert launcher.max_array_size() == 2
    assert len(fake.called("scontrol")) == 1


def test_one_independent_job_is_not_an_array(
    launcher: SlurmLauncher, fake: FakeSlurm, tmp_path: Path
) -> None:
    """start_many of one job is a plain start."""
    records = launcher.start_many([(launch(tmp_path, "solo"), lambda e: None)])
    assert [r["jobid"] for r in records] == ["101"]
    assert fake.called("scontrol") == []


def test_poll_reports_the_end_once(
    launcher: SlurmLauncher, fake: FakeSlurm, tmp_path: Path
) -> None:
    """Unknown at first (accounting lags), then pending, then TIMEOUT: one Ending."""
    endings: list[Ending] = []
    launcher.start(launch(tmp_path, "t"), endings.append)
    fake.answer("squeue", returncode=1, stderr="slurm_load_jobs error: Invalid job id specified")
    assert launcher.poll() == ["101"]
    fake.answer("sacct", "101|PENDING|0:0|Priority\n")
    assert launcher.poll() == ["101"]
    fake.answer("sacct", "101|TIMEOUT|0:0|None\n")
    assert launcher.poll() == []
    assert endings == [
        Ending(None, reason="timeout", message="SLURM: TIMEOUT, reached its time limit (job 101)")
    ]
    assert launcher.poll() == []
    assert len(endings) == 1


OVER_MEMORY = (
    "slurmstepd-vm: error: StepId=101.batch exceeded memory limit (436338688 > 104857600), "
    "being killed\nslurmstepd-vm: error: Exceeded job memory limit\n"
)


def test_a_job_killed_over_its_memory_limit_ends_with_reason_memory(
    launcher: SlurmLauncher, fake: FakeSlurm, tmp_path: Path
) -> None:
    """OverMemoryKill (no cgroups) ends a job FAILED 0:9; slurmstepd's message says why."""
    job, other = launch(tmp_path, "hog"), launch(tmp_path, "killed")
    endings: list[Ending] = []
    launcher.start(job, endings.append)
    launcher.start(other, endings.append)
    job.stderr.write_text("Traceback? no: memory\n" + OVER_MEMORY)
    fake.answer("sacct", "101|FAILED|0:9|None\n102|FAILED|0:9|None\n")
    assert launcher.poll() == []
    assert [(e.reason, e.signal) for e in endings] == [("memory", 9), ("failed", 9)]
    assert endings[0].message.endswith("exceeded its memory limit (killed by slurmstepd)")


def test_an_array_task_killed_over_memory_ends_with_reason_memory(
    launcher: SlurmLauncher, fake: FakeSlurm, tmp_path: Path
) -> None:
    """slurmstepd writes an array task's message to slurm-<array>_<task>.err, first folder."""
    jobs = [launch(tmp_path, f"j{i}") for i in range(2)]
    endings: list[Ending] = []
    launcher.start_many([(j, endings.append) for j in jobs])
    (jobs[0].folder / "slurm-101_1.err").write_text(OVER_MEMORY)
    fake.answer("sacct", "101_0|COMPLETED|0:0|None\n101_1|FAILED|0:9|None\n")
    assert launcher.poll() == []
    assert [(e.code, e.signal, e.reason) for e in endings] == [
        (0, None, "failed"),
        (None, 9, "memory"),
    ]


def test_one_sacct_call_per_round_for_all_jobs(
    launcher: SlurmLauncher, fake: FakeSlurm, tmp_path: Path
) -> None:
    """Jobs and array tasks are asked in one sacct call; squeue only for the unlisted."""
    launcher.start_many([(launch(tmp_path, f"j{i}"), lambda e: None) for i in range(2)])
    launcher.start(launch(tmp_path, "k"), lambda e: None)
    fake.calls.clear()
    fake.answer("sacct", "101_0|RUNNING|0:0|None\n101_1|RUNNING|0:0|None\n")
    fake.answer("squeue", "102|RUNNING|None\n")
    launcher.poll()
    sacct, squeue = fake.calls
    assert sacct[0] == "sacct" and sacct[sacct.index("-j") + 1] == "101,102"
    assert squeue[0] == "squeue" and squeue[squeue.index("-j") + 1] == "102"


def test_array_tasks_accounting_lists_as_pending_are_asked_of_squeue(
    launcher: SlurmLauncher, fake: FakeSlurm, tmp_path: Path
) -> None:
    """sacct keeps a pending array row while tasks end: squeue tells them at once."""
    endings: list[Ending] = []
    launcher.start_many([(launch(tmp_path, f"j{i}"), endings.append) for i in range(2)])
    fake.calls.clear()
    fake.answer("sacct", "101_[0-1]|PENDING|0:0|None\n")
    fake.answer("squeue", "101_0|COMPLETED|None\n101_1|RUNNING|None\n")
    assert launcher.poll() == ["101_1"]
    assert [c[0] for c in fake.calls] == ["sacct", "squeue"]  # no scontrol for COMPLETED
    assert [e.code for e in endings] == [0]


def test_reattach_follows_queued_jobs_only(
    launcher: SlurmLauncher, fake: FakeSlurm, tmp_path: Path
) -> None:
    """A queued job is followed again (never resubmitted); an ended one is not."""
    job = launch(tmp_path, "r")
    fake.answer("sacct", "55|PENDING|0:0|Resources\n")
    assert launcher.reattach(job, record("55"), lambda e: None) is True
    fake.answer("sacct", "56|COMPLETED|0:0|None\n")
    assert launcher.reattach(job, record("56"), lambda e: None) is False
    fake.answer("squeue", returncode=1, stderr="slurm_load_jobs error: Invalid job id specified")
    assert launcher.reattach(job, record("57"), lambda e: None) is False
    assert launcher.reattach(job, {"type": "local", "pid": 3}, lambda e: None) is False
    assert fake.called("sbatch") == []
    assert launcher.poll() == ["55"]


def test_kill_cancels_running_jobs(launcher: SlurmLauncher, fake: FakeSlurm) -> None:
    """kill() runs scancel for a queued or running job; False for an ended one."""
    fake.answer("sacct", "60|RUNNING|0:0|None\n")
    assert launcher.kill(record("60")) is True
    assert fake.called("scancel") == [["scancel", "60"]]
    fake.answer("sacct", "61|FAILED|1:0|None\n")
    assert launcher.kill(record("61")) is False
    assert launcher.kill({"type": "local", "pid": 3}) is False
    assert len(fake.called("scancel")) == 1


def test_config_replaces_options(launcher: SlurmLauncher) -> None:
    """config() returns a new launcher; a misspelt option gets a suggestion."""
    gpu = launcher.config(gpus=2, time="1:00:00", partition=None)
    assert gpu.options == SlurmOptions(gpus=2, time="1:00:00")
    assert launcher.options == SlurmOptions(partition="cpu")
    with pytest.raises(ValidationError, match="did you mean 'gpus_per_node'"):
        launcher.config(gpu_per_node=2)  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="array_throttle"):
        SlurmLauncher(array_throttle=0)


def test_background_thread_reports_the_end(fake: FakeSlurm, tmp_path: Path) -> None:
    """With background polling, on_end is called from the launcher's thread."""
    launcher = SlurmLauncher(runner=fake, min_poll_interval=0.01, max_poll_interval=0.05)
    ended = threading.Event()
    fake.answer("sacct", "101|RUNNING|0:0|None\n")
    fake.answer("sacct", "101|COMPLETED|0:0|None\n")
    launcher.start(launch(tmp_path, "bg"), lambda ending: ended.set())
    try:
        assert ended.wait(10)
    finally:
        launcher.close()


def test_run_command_reports_missing_programs() -> None:
    """A missing SLURM command is a SlurmCommandError that says so."""
    with pytest.raises(SlurmCommandError, match="not on PATH"):
        run_command(["xpm-no-such-program-sbatch"])
    assert run_command(["true"]) == CommandResult(0, "", "")
    with pytest.raises(SlurmCommandError) as info:
        run_command(["false"]).check(["false"])
    assert info.value.returncode == 1


def test_a_closed_launcher_submits_nothing(
    launcher: SlurmLauncher, fake: FakeSlurm, tmp_path: Path
) -> None:
    """After close(), start() refuses before running sbatch; config() gives a fresh one."""
    launcher.close()
    with pytest.raises(RuntimeError, match="closed"):
        launcher.start(launch(tmp_path, "late"), lambda e: None)
    assert fake.called("sbatch") == []
    assert launcher.config().start(launch(tmp_path, "late"), lambda e: None)["jobid"] == "101"
