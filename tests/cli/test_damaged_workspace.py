"""`xpm jobs` on a workspace with damaged files: a warning and the rest, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from .synthetic import SyntheticWorkspace


def xpm(workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "xpm.cli", *args[:2], "--workdir", str(workdir), *args[2:]],
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip


def test_a_malformed_line_of_jobs_jsonl_is_skipped_by_list_and_show(
    synthetic: SyntheticWorkspace,
) -> None:
    good = synthetic.job("mymod.learn", "good", "done")
    bad = synthetic.job("mymod.learn", "bad", "failed", failure={"time": 10**400})
    run = synthetic.run("xp", "20260101_000000", [(good, {"lr": 0.1}), (bad, {"lr": 0.2})])
    lines = (run / "jobs.jsonl").read_text().splitlines()
    lines[1] = lines[1].replace('{"lr": 0.2}', "[1, 2]")
    (run / "jobs.jsonl").write_text("\n".join(lines) + "\n")
    warning = f"xpm: skipped line 2 of {run / 'jobs.jsonl'}: tags is not an object\n"

    listed = xpm(synthetic.workdir, "jobs", "list", "--tags")
    assert (listed.returncode, listed.stderr) == (0, warning)
    assert sorted(listed.stdout.splitlines()) == [
        f"done        {good} lr=0.1",
        f"failed      {bad}",
    ]

    shown = xpm(synthetic.workdir, "jobs", "show", bad)
    assert (shown.returncode, shown.stderr) == (0, warning)
    assert "failure:     failed\n" in shown.stdout


def test_huge_times_and_progress_are_left_out_of_show(synthetic: SyntheticWorkspace) -> None:
    name = synthetic.job("mymod.learn", "run", "running", process={"type": "slurm", "jobid": "7"})
    folder = synthetic.workdir / "jobs" / name
    (folder / "learn.started").write_text(json.dumps({"time": 1e300}))
    (folder / "learn.progress").write_text('{"fraction": 1' + "0" * 400 + "}")
    shown = xpm(synthetic.workdir, "jobs", "show", name)
    assert (shown.returncode, shown.stderr) == (0, "")
    assert "state:       running\n" in shown.stdout
    assert "started:" not in shown.stdout and "progress:" not in shown.stdout
