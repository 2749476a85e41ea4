"""Where a task class lives (a module, a package next to the script, the script itself)
changes neither its type id nor how its jobs run: the fork server loads the class's code
once and every job is forked from there.

Each placement runs a real experiment script in its own process; the task writes, from
inside its job, the module and type id it sees, and the code that defines it counts how
many times it is executed (once in the experiment, once in the fork server, never in a
job).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

JOBS = 4

TASK = textwrap.dedent(
    """
    import json, os
    from pathlib import Path
    from xpm.core import Param, Task, type_id

    with open(os.environ["XPM_TEST_LOADS"], "a") as _loads:
        _loads.write(f"{os.getpid()}\\n")

    class Echo(Task):
        index: Param[int]

        def execute(self) -> None:
            seen = {"module": type(self).__module__, "type_id": type_id(self)}
            Path("seen.json").write_text(json.dumps(seen))
    """
)

PLAN = textwrap.dedent(
    """
    import json, sys
    from xpm.scheduler import experiment

    with experiment(sys.argv[1], "placement") as xp:
        tasks = [Echo.C(index=i).submit() for i in range(int(sys.argv[2]))]
    print(json.dumps([str(t.job.path) for t in tasks]))
    """
)

# Type ids are part of the job folders users already have: they must not change.
EXPECTED_TYPE_ID = {
    "module": "echotasks.echo",
    "package": "mypkg.tasks.echo",
    "script": "__main__.echo",
}
# The folder of `Echo.C(index=0)`, as xpm named it before the fork server loaded code.
EXPECTED_FIRST_IDENTIFIER = {
    "module": "d75a87f461378312ccfd95d2260e2726631d88b0ba1aa032c06de4b6dffaede0",
    "package": "c27870cf9dda6f443f80963e4e4c5a984993ef2d980d4b3a8bdf5eaf97204b5c",
    "script": "cee23780d14568ff5a59870be9c71fd480827ada2ecfb41d395ae76e4b6c7463",
}


def _project(root: Path, where: str) -> tuple[Path, dict[str, str]]:
    """Write the task and the plan for `where`; return the script and its environment."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    project = root / "project"
    project.mkdir()
    if where == "module":
        lib = root / "lib"
        lib.mkdir()
        (lib / "echotasks.py").write_text(TASK)
        env["PYTHONPATH"] = str(lib)
        (project / "plan.py").write_text("from echotasks import Echo\n" + PLAN)
    elif where == "package":
        (project / "mypkg").mkdir()
        (project / "mypkg" / "__init__.py").write_text("")
        (project / "mypkg" / "tasks.py").write_text(TASK)
        (project / "plan.py").write_text("from mypkg.tasks import Echo\n" + PLAN)
    else:
        (project / "plan.py").write_text(TASK + PLAN)
    env["XPM_TEST_LOADS"] = str(root / "loads.txt")
    return project / "plan.py", env


@pytest.mark.parametrize("where", ["module", "package", "script"])
def test_a_task_class_runs_from_each_place_with_its_type_id(tmp_path: Path, where: str) -> None:
    script, env = _project(tmp_path, where)
    proc = subprocess.run(
        [sys.executable, str(script), str(tmp_path / "ws"), str(JOBS)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    folders = [Path(p) for p in json.loads(proc.stdout.strip().splitlines()[-1])]
    type_id = EXPECTED_TYPE_ID[where]
    assert {f.parent for f in folders} == {tmp_path / "ws" / "jobs" / type_id}
    assert folders[0].name == EXPECTED_FIRST_IDENTIFIER[where]
    for folder in folders:
        assert (folder / "echo.done").is_file()
        seen = json.loads((folder / "seen.json").read_text())
        module = "__main__" if where == "script" else type_id.rsplit(".", 1)[0]
        assert seen == {"module": module, "type_id": type_id}
    # The class's code ran in the experiment and once in the fork server, not per job.
    loads = (tmp_path / "loads.txt").read_text().split()
    assert len(loads) == 2, loads
