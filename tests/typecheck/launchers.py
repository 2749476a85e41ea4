"""Typing claims for the launcher finder (checked by mypy, never run)."""

from __future__ import annotations

from typing import assert_type

from xpm.launchers import LauncherChoice, SlurmOptions, choose_launcher, find_launcher, parse
from xpm.scheduler import Launcher

assert_type(find_launcher("cuda(mem=16G)*2"), Launcher)
assert_type(find_launcher(parse("cpu()"), {"model": "bert"}), Launcher)
assert_type(choose_launcher("cpu()").slurm_options, SlurmOptions | None)
assert_type(choose_launcher("cpu()"), LauncherChoice)

find_launcher("cpu()", {"epochs": 10})  # type: ignore[dict-item]
find_launcher(42)  # type: ignore[arg-type]

# Names that left `xpm.launchers.__all__` keep their types where users imported them.
import xpm.launchers  # noqa: E402
import xpm.launchers.slurm  # noqa: E402

assert_type(xpm.launchers.run_command(["true"]), xpm.launchers.slurm.CommandResult)
progress: xpm.launchers.slurm.SlurmProgress = xpm.launchers.JobProgress.DONE
runner: xpm.launchers.slurm.CommandRunner = xpm.launchers.slurm.run_command
assert_type(xpm.launchers.parse_sacct("", []), dict[str, xpm.launchers.slurm.SlurmJobStatus])
xpm.launchers.find_launchers("cpu()")  # type: ignore[attr-defined]
