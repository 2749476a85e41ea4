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
