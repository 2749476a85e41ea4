"""`xpm deprecated list|fix`: a parameter renamed and a class moved, nothing run again.

Each version of the code is a real module on disk; each experiment runs in its own
process with real job processes, as a user would run them.
"""

from __future__ import annotations

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
from xpm.scheduler import experiment
from mylib.tasks import Train

with experiment(sys.argv[1], "renaming"):
    Train.C(**{sys.argv[2]: 0.1}).submit()
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


def test_a_renamed_parameter_is_listed_linked_and_not_run_again(tmp_path: Path) -> None:
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
        assert lines[1] == "1 job(s) renamed; `xpm deprecated fix --perform` links them"
        assert lines[1] in DOCS.read_text()  # docs/configurations.md shows this run

        dry = runner.invoke(xpm, ["deprecated", "fix", "--workdir", str(workdir)])
        assert dry.exit_code == 0
        assert dry.stdout.splitlines() == [
            f"would link mylib.tasks.train/{new_name} to mylib.tasks.train/{old.name}",
            "1 job(s) would be linked; pass --perform to link them",
        ]
        new = old.parent / new_name
        assert not new.exists()

        done = runner.invoke(xpm, ["deprecated", "fix", "--perform", "--workdir", str(workdir)])
        assert done.exit_code == 0
        assert done.stdout == f"mylib.tasks.train/{new_name}: linked to {old.name}\n"
        assert new.is_symlink() and os.readlink(new) == old.name

        again = runner.invoke(xpm, ["deprecated", "list", "--workdir", str(workdir)])
        assert again.stdout.splitlines()[0].endswith(f"/{new_name} (linked)")
        twice = runner.invoke(xpm, ["deprecated", "fix", "--perform", "--workdir", str(workdir)])
        assert twice.stdout == f"mylib.tasks.train/{new_name}: already linked\n"
    finally:
        sys.path.remove(str(code))
        sys.modules.pop("mylib.tasks", None)
        sys.modules.pop("mylib", None)

    _run_experiment(tmp_path, code, workdir, "learning_rate")
    _run_experiment(tmp_path, code, workdir, "lr")
    assert (tmp_path / "code" / "runs.txt").read_text() == "lr=0.1\n"
    assert sorted(p.name for p in old.parent.iterdir()) == sorted([old.name, new_name])


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


def test_a_renamed_class_is_linked_and_its_job_counts_as_done(tmp_path: Path) -> None:
    """The marker files of a job are named after its type id: the link writes the new one."""
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
    assert (
        result.stdout
        == f"mylib.tasks.learn/{new.name}: linked to ../mylib.tasks.train/{old.name}\n"
    )
    assert (old / "learn.done").is_file() and (old / "train.done").is_file()

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
