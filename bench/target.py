"""The library under test, chosen by the environment variable XPM_BENCH_LIB.

Benchmarks import `Config`, `Param`, `Task` and the helpers below from here, so one
workload module defines its classes at module level (experimaestro refuses classes
defined inside functions) and runs unchanged against xpm or experimaestro:

    XPM_BENCH_LIB=xpm            xpm.core (and xpm.scheduler when present)
    XPM_BENCH_LIB=experimaestro  experimaestro 2.7.0, the reference
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

LIB = os.environ.get("XPM_BENCH_LIB", "xpm")

if LIB == "experimaestro":
    from experimaestro import Config, Meta, Param, Task

    def identify(config: Any) -> str:
        """Return the 64-hex identifier of `config`."""
        return str(config.__identifier__().all.hex())

elif LIB == "xpm":
    from xpm.core import Config, Meta, Param, Task

    def identify(config: Any) -> str:
        """Return the 64-hex identifier of `config`."""
        return str(config.__identifier__().hex())

else:
    raise SystemExit(f"XPM_BENCH_LIB must be 'xpm' or 'experimaestro', not {LIB!r}")


@contextlib.contextmanager
def open_experiment(workdir: Path, name: str, mode: str = "normal") -> Iterator[Any]:
    """Open an experiment in `workdir`; leaving the block waits for every job.

    `mode` is xpm's run mode: "normal", "dry-run" (print the plan, write nothing) or
    "generate" (write job folders, run nothing).

    Raises:
        SystemExit: the library has no scheduler yet (xpm before xpm.scheduler lands).
    """
    if LIB == "experimaestro":
        import logging

        from experimaestro import RunMode, experiment

        modes = {"normal": RunMode.NORMAL, "dry-run": RunMode.DRY_RUN}
        modes["generate"] = RunMode.GENERATE_ONLY
        logging.getLogger("xpm").setLevel(logging.ERROR)
        with experiment(workdir, name, no_environmental_impact=True, run_mode=modes[mode]) as xp:
            yield xp
    else:
        try:
            from xpm.scheduler import experiment  # type: ignore[attr-defined]
        except ImportError as exc:
            raise SystemExit(f"xpm.scheduler has no experiment yet: {exc}") from exc
        with experiment(workdir, name, run_mode=mode) as xp:
            yield xp


def submit_with_token(task: Any, xp: Any, name: str, capacity: int) -> Any:
    """Submit `task` so that it holds one unit of the token `name` while it runs."""
    token = xp.token(name, capacity)
    return task.add_dependencies(token.dependency(1)).submit()


__all__ = [
    "LIB",
    "Config",
    "Meta",
    "Param",
    "Task",
    "identify",
    "open_experiment",
    "submit_with_token",
]
