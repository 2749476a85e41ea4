"""Experiments as users run them: scripts in their own processes, Ctrl-C, two at once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from .xpmtasks import runs

SCRIPT = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from tests.scheduler.xpmtasks import Sleeper, Step
    from xpm.scheduler import experiment

    ws, log, what = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
    with experiment(ws, "proc") as xp:
        if what == "sleep":
            Sleeper.C(seconds=3, log=log).submit()
        else:
            for x in range(4):
                Step.C(x=x, log=log, sleep=0.3).submit()
    print("finished")
    """
)


def _start(tmp_path: Path, what: str) -> subprocess.Popen[str]:
    script = tmp_path / "plan.py"
    script.write_text(SCRIPT)
    return subprocess.Popen(
        [sys.executable, str(script), str(tmp_path / "ws"), str(tmp_path / "log"), what],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for(predicate: object, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_two_experiment_processes_run_each_job_once(tmp_path: Path) -> None:
    first, second = _start(tmp_path, "steps"), _start(tmp_path, "steps")
    for proc in (first, second):
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        assert out.strip() == "finished"
    starts = sorted(r["x"] for r in runs(tmp_path / "log") if r["event"] == "start")
    assert starts == [0, 1, 2, 3]


def test_ctrl_c_leaves_jobs_running_and_a_rerun_reattaches(tmp_path: Path) -> None:
    log = tmp_path / "log"
    first = _start(tmp_path, "sleep")
    _wait_for(lambda: any(r["event"] == "start" for r in runs(log)))
    first.send_signal(signal.SIGINT)
    _, err = first.communicate(timeout=20)
    assert first.returncode != 0
    assert "1 job(s) keep running in the background" in err
    assert "run the experiment again to follow them" in err
    (job_pid,) = [r["pid"] for r in runs(log)]
    os.kill(job_pid, 0)  # still running
    second = _start(tmp_path, "sleep")
    _out, err = second.communicate(timeout=30)
    assert second.returncode == 0, err
    assert "re-attached to running job tests.scheduler.xpmtasks.sleeper/" in err
    assert [r["event"] for r in runs(log)] == ["start", "end"]


def test_tasks_defined_in_the_script_run(tmp_path: Path) -> None:
    script = tmp_path / "main_plan.py"
    script.write_text(
        textwrap.dedent(
            """
            from pathlib import Path
            from xpm.core import Param, Task
            from xpm.scheduler import experiment

            class Hello(Task):
                name: Param[str]

                def execute(self) -> None:
                    Path("hello.txt").write_text(f"hello {self.name}")

            with experiment("ws", "main") as xp:
                task = Hello.C(name="world").submit()
            print(task.jobpath)
            """
        )
    )
    proc = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    folder = Path(proc.stdout.strip())
    assert folder.parent.name == "__main__.hello"
    assert (folder / "hello.txt").read_text() == "hello world"


def test_task_module_next_to_the_script_is_found_by_jobs(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "mytasks.py").write_text(
        textwrap.dedent(
            """
            from pathlib import Path
            from xpm.core import Param, Task

            class Write(Task):
                text: Param[str]

                def execute(self) -> None:
                    Path("text.txt").write_text(self.text)
            """
        )
    )
    (project / "plan.py").write_text(
        textwrap.dedent(
            """
            import sys
            from mytasks import Write
            from xpm.scheduler import experiment

            with experiment(sys.argv[1], "sibling"):
                task = Write.C(text="found").submit()
            print(task.jobpath)
            """
        )
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run(
        [sys.executable, str(project / "plan.py"), str(tmp_path / "ws")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    assert (Path(proc.stdout.strip()) / "text.txt").read_text() == "found"
