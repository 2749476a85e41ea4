"""`xpm deprecated list|fix`: a parameter renamed and a class moved, nothing run again.

Each version of the code is a real module on disk; each experiment runs in its own
process with real job processes, as a user would run them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from click.testing import CliRunner

from xpm.cli.main import xpm

DOCS = Path(__file__).parent.parent.parent / "docs" / "configurations.md"

V1 = """
from pathlib import Path
from xpm.core import Param, Task

class Train(Task):
    lr: Param[float]

    def execute(self) -> None:
        with open(Path(__file__).parent.parent / "runs.txt", "a") as runs:
            runs.write(f"lr={self.lr}\\n")
"""

V2 = """
from pathlib import Path
from xpm.core import Param, Task, deprecate

class Train(Task):
    learning_rate: Param[float]

    @deprecate
    def lr(self, value: float) -> None:
        self.learning_rate = value

    def execute(self) -> None:
        with open(Path(__file__).parent.parent / "runs.txt", "a") as runs:
            runs.write(f"learning_rate={self.learning_rate}\\n")
"""

EXPERIMENT = """
import sys
from xpm.core import tag
from xpm.scheduler import experiment
from mylib.tasks import Train

with experiment(sys.argv[1], "renaming"):
    Train.C(**{sys.argv[2]: tag(0.1)}).submit()
"""


def _version(tmp_path: Path, source: str) -> Path:
    """Write `source` as mylib/tasks.py (the library's current version)."""
    package = tmp_path / "code" / "mylib"
    package.mkdir(parents=True, exist_ok=True)
    (package / "__init__.py").write_text("")
    (package / "tasks.py").write_text(textwrap.dedent(source))
    for cached in package.glob("__pycache__/*"):
        cached.unlink()
    return package.parent


def _run_experiment(tmp_path: Path, code: Path, workdir: Path, argument: str) -> None:
    script = tmp_path / "experiment.py"
    script.write_text(EXPERIMENT)
    env = {**os.environ, "PYTHONPATH": str(code)}
    result = subprocess.run(
        [sys.executable, str(script), str(workdir), argument],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr


def test_a_renamed_parameter_is_listed_moved_and_not_run_again(tmp_path: Path) -> None:
    workdir = tmp_path / "ws"
    code = _version(tmp_path, V1)
    _run_experiment(tmp_path, code, workdir, "lr")
    (old,) = (workdir / "jobs" / "mylib.tasks.train").iterdir()

    code = _version(tmp_path, V2)
    sys.path.insert(0, str(code))
    try:
        runner = CliRunner()
        listed = runner.invoke(xpm, ["deprecated", "list", "--workdir", str(workdir)])
        assert listed.exit_code == 0, listed.output
        lines = listed.stdout.splitlines()
        assert lines[0].startswith(f"mylib.tasks.train/{old.name} -> mylib.tasks.train/")
        new_name = lines[0].rsplit("/", 1)[1]
        assert new_name != old.name
        assert lines[1] == "1 job(s) renamed; `xpm deprecated fix --perform` moves them"
        assert lines[1] in DOCS.read_text()  # docs/configurations.md shows this run

        dry = runner.invoke(xpm, ["deprecated", "fix", "--workdir", str(workdir)])
        assert dry.exit_code == 0
        assert dry.stdout.splitlines() == [
            f"would move mylib.tasks.train/{old.name} to mylib.tasks.train/{new_name}",
            "1 job(s) would be moved; pass --perform to move them",
        ]
        new = old.parent / new_name
        assert not new.exists() and old.is_dir()

        done = runner.invoke(xpm, ["deprecated", "fix", "--perform", "--workdir", str(workdir)])
        assert done.exit_code == 0, done.output
        assert (
            done.stdout
            == f"mylib.tasks.train/{new_name}: moved from mylib.tasks.train/{old.name}\n"
        )
        assert not old.exists() and new.is_dir() and not new.is_symlink()
        params = json.loads((new / "params.json").read_text())
        assert params["job"]["identifier"] == params["objects"][0]["identifier"] == new_name
        assert params["job"]["renamed_from"] == [f"mylib.tasks.train/{old.name}"]
        assert params["objects"][0]["values"] == {"learning_rate": 0.1}
        (run,) = (workdir / "experiments" / "renaming").glob("2*")
        (line,) = (run / "jobs.jsonl").read_text().splitlines()
        assert json.loads(line)["job"] == f"mylib.tasks.train/{new_name}"
        assert json.loads(line)["tags"] == {"lr": 0.1}
        assert list(json.loads((run / "status.json").read_text())["jobs"]) == [
            f"mylib.tasks.train/{new_name}"
        ]

        again = runner.invoke(xpm, ["deprecated", "list", "--workdir", str(workdir)])
        assert again.stdout == "no job is named otherwise by the current code\n"
    finally:
        sys.path.remove(str(code))
        sys.modules.pop("mylib.tasks", None)
        sys.modules.pop("mylib", None)

    _run_experiment(tmp_path, code, workdir, "learning_rate")
    _run_experiment(tmp_path, code, workdir, "lr")
    assert (tmp_path / "code" / "runs.txt").read_text() == "lr=0.1\n"
    assert [p.name for p in new.parent.iterdir()] == [new_name]


def test_a_job_that_cannot_be_reloaded_is_reported_and_exits_1(tmp_path: Path) -> None:
    """A parameter removed without @deprecate: the job is named, with what to write."""
    workdir = tmp_path / "ws"
    code = _version(tmp_path, V1)
    _run_experiment(tmp_path, code, workdir, "lr")
    code = _version(tmp_path, V1.replace("lr: Param[float]", "rate: Param[float]"))
    sys.path.insert(0, str(code))
    try:
        result = CliRunner().invoke(xpm, ["deprecated", "list", "--workdir", str(workdir)])
    finally:
        sys.path.remove(str(code))
        sys.modules.pop("mylib.tasks", None)
        sys.modules.pop("mylib", None)
    assert result.exit_code == 1
    assert "cannot reload mylib.tasks.train/" in result.stderr
    assert "Train has no parameter 'lr' any more" in result.stderr
    assert "@deprecate def lr(self, value)" in result.stderr


V2_CLASS_RENAMED = '''
from pathlib import Path
from xpm.core import Param, Task, deprecate

class Learn(Task):
    lr: Param[float]

    def execute(self) -> None:
        with open(Path(__file__).parent.parent / "runs.txt", "a") as runs:
            runs.write(f"learn lr={self.lr}\\n")

@deprecate
class Train(Learn):
    """The former name, kept so that old params.json files load."""
'''


def test_a_renamed_class_is_moved_and_its_job_counts_as_done(tmp_path: Path) -> None:
    """The marker and log files of a job are named after its type id: they follow it."""
    workdir = tmp_path / "ws"
    code = _version(tmp_path, V1)
    _run_experiment(tmp_path, code, workdir, "lr")
    (old,) = (workdir / "jobs" / "mylib.tasks.train").iterdir()
    code = _version(tmp_path, V2_CLASS_RENAMED)
    sys.path.insert(0, str(code))
    try:
        result = CliRunner().invoke(
            xpm, ["deprecated", "fix", "--perform", "--workdir", str(workdir)]
        )
    finally:
        sys.path.remove(str(code))
        sys.modules.pop("mylib.tasks", None)
        sys.modules.pop("mylib", None)
    assert result.exit_code == 0, result.output
    (new,) = (workdir / "jobs" / "mylib.tasks.learn").iterdir()
    moved = f"mylib.tasks.learn/{new.name}: moved from mylib.tasks.train/{old.name}\n"
    assert result.stdout == moved
    assert not old.exists()
    assert sorted(p.name for p in new.iterdir() if p.name != "params.json") == [
        "learn.attempts.json",
        "learn.done",
        "learn.err",
        "learn.lock",
        "learn.out",
    ]

    script = tmp_path / "experiment.py"
    script.write_text(EXPERIMENT.replace("import Train", "import Learn as Train"))
    env = {**os.environ, "PYTHONPATH": str(code)}
    run = subprocess.run(
        [sys.executable, str(script), str(workdir), "lr"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "code" / "runs.txt").read_text() == "lr=0.1\n"


PIPELINE = """
from pathlib import Path
from xpm.core import Param, Task, field

class Prepare(Task):
    n: Param[int]
    {extra}

    def execute(self) -> None:
        pass

class Train(Task):
    prepared: Param[Prepare]
    {extra}

    def execute(self) -> None:
        Path("seen.txt").write_text(f"{{self.jobpath}}\\n{{self.prepared.jobpath}}\\n")
"""

GENERATE = """
import sys
from xpm.scheduler import experiment
from mylib.tasks import Prepare, Train

with experiment(sys.argv[1], "pipeline", run_mode="generate"):
    Train.C(prepared=Prepare.C(n=1).submit()).submit()
"""


def test_a_job_keeps_its_folder_when_the_code_now_hashes_it_otherwise(tmp_path: Path) -> None:
    """Both classes gain a hashed parameter after submission: the job process still
    names the job, and the task it uses, by the identifiers stored with the job."""
    workdir = tmp_path / "ws"
    code = _version(tmp_path, PIPELINE.format(extra=""))
    script = tmp_path / "generate.py"
    script.write_text(GENERATE)
    env = {**os.environ, "PYTHONPATH": str(code)}
    made = subprocess.run(
        [sys.executable, str(script), str(workdir)], capture_output=True, text=True, env=env
    )
    assert made.returncode == 0, made.stderr
    (train,) = (workdir / "jobs" / "mylib.tasks.train").iterdir()
    (prepare,) = (workdir / "jobs" / "mylib.tasks.prepare").iterdir()

    _version(tmp_path, PIPELINE.format(extra="epochs: Param[int] = field(default=10)"))
    ran = subprocess.run(
        [sys.executable, "-m", "xpm.scheduler.run", str(train)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert ran.returncode == 0, ran.stderr + (train / "train.err").read_text()
    assert (train / "seen.txt").read_text() == f"{train}\n{prepare}\n"
    assert (train / "train.done").is_file()


def test_a_running_job_and_a_taken_name_are_left_alone(tmp_path: Path) -> None:
    import fcntl

    workdir = tmp_path / "ws"
    code = _version(tmp_path, V1)
    _run_experiment(tmp_path, code, workdir, "lr")
    (old,) = (workdir / "jobs" / "mylib.tasks.train").iterdir()
    code = _version(tmp_path, V2)
    sys.path.insert(0, str(code))
    try:
        with open(old / "train.lock", "a") as lock:  # as the job's process holds it
            fcntl.flock(lock, fcntl.LOCK_EX)
            running = CliRunner().invoke(
                xpm, ["deprecated", "fix", "--perform", "--workdir", str(workdir)]
            )
        assert running.stdout.endswith(": left alone: it is running; move it once it has ended\n")
        assert old.is_dir()
        _run_experiment(tmp_path, code, workdir, "learning_rate")  # runs it again, anew
        taken = CliRunner().invoke(
            xpm, ["deprecated", "fix", "--perform", "--workdir", str(workdir)]
        )
    finally:
        sys.path.remove(str(code))
        sys.modules.pop("mylib.tasks", None)
        sys.modules.pop("mylib", None)
    assert taken.exit_code == 0
    assert "exists (a job run with the current code)" in taken.stdout
    assert len(list(old.parent.iterdir())) == 2
