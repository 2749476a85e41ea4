"""Task classes that no file holds: `python -c` programs run, standard input is refused."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

PROGRAM = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from xpm.core import Param, Task
    from xpm.scheduler import experiment

    class Hello(Task):
        n: Param[int]

        def execute(self) -> None:
            if self.n < 0:
                raise ValueError("negative")
            Path("hello.txt").write_text(f"hello {self.n}")

    with experiment(sys.argv[1], "inline") as xp:
        task = Hello.C(n=int(sys.argv[2])).submit()
    print(task.jobpath)
    """
)


def test_python_c_program_runs_its_tasks(tmp_path: Path) -> None:
    """The program is saved with the job, which runs it up to `experiment(...)`."""
    ws = tmp_path / "ws"
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM, str(ws), "3"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    folder = Path(done.stdout.strip())
    assert (folder / "hello.txt").read_text() == "hello 3"
    assert folder.parent.name == "__main__.hello"
    code = json.loads((folder / "params.json").read_text())["main_code"]
    assert code == {"origin": "python -c", "program": True, "source": PROGRAM}


def test_python_c_failure_shows_the_program_line(tmp_path: Path) -> None:
    """A traceback in the job quotes the saved program's lines."""
    failed = subprocess.run(
        [sys.executable, "-c", PROGRAM, str(tmp_path / "ws"), "-1"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert failed.returncode == 1
    (err,) = (tmp_path / "ws" / "jobs" / "__main__.hello").glob("*/hello.err")
    text = err.read_text()
    assert "(main_code, from python -c)" in text
    assert 'raise ValueError("negative")' in text


def test_script_read_from_stdin_is_refused_at_submit(tmp_path: Path) -> None:
    """Nothing is written; the error says to run the script from a file."""
    ws = tmp_path / "ws"
    refused = subprocess.run(
        [sys.executable, "-", str(ws), "3"],
        input=PROGRAM,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert refused.returncode == 1
    assert refused.stderr.splitlines()[-1] == (
        "xpm.core.errors.XpmError: Hello is defined in a script read from standard input"
        " (python - < file), whose code Python does not keep: a job process could not load"
        " it; save the script in a file and run it as `python experiment.py`"
    )
    assert not (ws / "jobs").exists()
