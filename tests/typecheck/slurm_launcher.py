"""Typing claims for `SlurmLauncher.config` (mypy only): option names and types are checked."""

from __future__ import annotations

from typing import assert_type

from xpm.launchers import SlurmLauncher, SlurmOptions

launcher = SlurmLauncher(options=SlurmOptions(partition="cpu"))
assert_type(launcher.config(gpus=2, time="1:00:00", mem=None), SlurmLauncher)
assert_type(launcher.config(extra=("--exclusive",)), SlurmLauncher)
launcher.config(gpu=2)  # type: ignore[call-arg]
launcher.config(cpus_per_task="four")  # type: ignore[arg-type]
