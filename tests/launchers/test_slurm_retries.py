"""What the SLURM launcher does for long jobs (issue 15), against a fake SLURM: the
warning signal before the time limit, retries with more memory, and dependents made to
wait for a resubmitted job."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from xpm.core import Retries, ValidationError
from xpm.launchers import SlurmLauncher, SlurmOptions
from xpm.launchers.slurm.sbatch import slurm_megabytes, slurm_seconds
from xpm.scheduler import JobLaunch

from .slurm_fake import FakeSlurm


def _launch(root: Path) -> JobLaunch:
    folder = root / "a"
    return JobLaunch(folder, "learn", "mod.learn/a", (sys.executable, "-m", "x", str(folder)))


def _script(fake: FakeSlurm, tmp_path: Path, **kwargs: object) -> str:
    options = kwargs.pop("options")
    launcher = SlurmLauncher(options, runner=fake, background=False, **kwargs)  # type: ignore[arg-type]
    launcher.start(_launch(tmp_path), lambda ending: None)
    launcher.close()
    return (tmp_path / "a" / "learn.sbatch").read_text()


@pytest.mark.parametrize(
    ("time", "warning", "signal", "limit"),
    [
        ("4:00:00", None, "--signal=B:USR1@120", "14400"),
        ("1", None, "--signal=B:USR1@30", "60"),
        ("0:10", None, "--signal=B:USR1@30", "60"),  # SLURM counts whole minutes
        ("1-00:00:00", 600, "--signal=B:USR1@600", "86400"),
        ("2:00", 0, None, "120"),
    ],
)
def test_a_time_limit_asks_for_a_warning_signal_and_tells_the_job(
    tmp_path: Path, time: str, warning: int | None, signal: str | None, limit: str
) -> None:
    text = _script(FakeSlurm(), tmp_path, options=SlurmOptions(time=time), time_warning=warning)
    if signal is None:
        assert "--signal" not in text and "trap" not in text
    else:
        assert f"#SBATCH {signal}\n" in text
        # Ignored until the job process handles it: an early signal must not kill it.
        assert "\ntrap '' USR1\nexec " in text
    assert f"export XPM_TIME_LIMIT={limit}\n" in text


def test_no_time_limit_no_signal_and_the_users_own_signal_is_kept(tmp_path: Path) -> None:
    assert "--signal" not in _script(FakeSlurm(), tmp_path, options=SlurmOptions())
    own = SlurmOptions(time="1:00:00", extra=("--signal=B:USR2@300",))
    text = _script(FakeSlurm(), tmp_path, options=own)
    assert text.count("--signal") == 1 and "#SBATCH --signal=B:USR2@300\n" in text
    assert "trap" not in text


def test_more_memory_multiplies_and_stops_at_the_cap() -> None:
    fake = FakeSlurm()
    launcher = SlurmLauncher(SlurmOptions(mem="3G", partition="cpu"), runner=fake)
    launcher.retries = Retries(memory=2)
    more = launcher.with_more_memory(2.0, "8G")
    assert more is not None and more.options.mem == "6144M"
    assert more.options.partition == "cpu" and more.retries == launcher.retries
    capped = more.with_more_memory(2.0, "8G")
    assert capped is not None and capped.options.mem == "8192M"
    assert capped.with_more_memory(2.0, "8G") is None
    assert SlurmLauncher(SlurmOptions(), runner=fake).with_more_memory(2.0, None) is None
    for copy in (launcher, more, capped):
        copy.close()


def test_a_queued_dependent_is_made_to_wait_for_the_new_attempt() -> None:
    fake = FakeSlurm()
    launcher = SlurmLauncher(SlurmOptions(), runner=fake, background=False)
    dependent = {"type": "slurm", "jobid": "42", "host": "h"}
    attempts = [{"type": "slurm", "jobid": "57", "host": "h"}, {"type": "slurm", "jobid": "9_3"}]
    assert launcher.update_dependencies(dependent, attempts) is True
    assert fake.called("scontrol") == [
        ["scontrol", "update", "JobId=42", "Dependency=afterok:57:9_3"]
    ]
    fake.answer("scontrol", returncode=1, stderr="Invalid job id specified")
    assert launcher.update_dependencies(dependent, attempts[:1]) is False
    assert launcher.update_dependencies({"type": "local", "pid": 3}, attempts) is False
    with pytest.raises(ValidationError, match="does not run on SLURM"):
        launcher.update_dependencies(dependent, [{"type": "local", "pid": 3}])


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90", 5400), ("1:30", 90), ("1:30:00", 5400), ("2-12", 216000), ("1-0:0:30", 86430)],
)
def test_slurm_times(text: str, seconds: int) -> None:
    assert slurm_seconds(text) == seconds


def test_slurm_sizes() -> None:
    assert [slurm_megabytes(t) for t in ("100M", "16G", "512", "1T", "2048K", "lots")] == [
        100,
        16384,
        512,
        1048576,
        2,
        None,
    ]
    assert slurm_seconds("INFINITE") is None
