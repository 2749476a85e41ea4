"""An experiment holds many jobs in little memory: 10,000 submitted tasks stay under a
bound set from tracemalloc measurements (1.6-1.9 KiB per job when it was set, 3.4 KiB
before jobs lost their per-job Event and __dict__)."""

from __future__ import annotations

import contextlib
import gc
import os
import tracemalloc
from pathlib import Path

from xpm.core import Param, Task
from xpm.scheduler import experiment

COUNT = 10_000
BOUND_PER_JOB = 2_300  # bytes


class Point(Task):
    index: Param[int]
    scale: Param[float] = 1.0

    def execute(self) -> None:
        pass


def test_ten_thousand_jobs_stay_under_the_memory_bound(tmp_path: Path) -> None:
    gc.collect()
    tracemalloc.start()
    try:
        with (
            open(os.devnull, "w") as null,
            contextlib.redirect_stdout(null),
            experiment(tmp_path / "ws", "scale", run_mode="dry-run") as xp,
        ):
            before, _ = tracemalloc.get_traced_memory()
            for i in range(COUNT):
                Point.C(index=i).submit()
            gc.collect()
            after, _ = tracemalloc.get_traced_memory()
            assert len(xp.jobs) == COUNT
    finally:
        tracemalloc.stop()
    per_job = (after - before) / COUNT
    assert per_job < BOUND_PER_JOB, f"{per_job:.0f} bytes per job"
