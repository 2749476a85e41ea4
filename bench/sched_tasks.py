"""Tasks for the scheduler benchmarks, defined once for both libraries.

The job processes import this module again (by its file), so it must stay importable
on its own: `target` picks the library from XPM_BENCH_LIB, which jobs inherit.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from target import Param, Task


class Trivial(Task):
    index: Param[int]

    def execute(self) -> None:
        pass


class Link(Task):
    index: Param[int]
    previous: Param[Link | None] = None

    def execute(self) -> None:
        pass


class Sleeper(Task):
    index: Param[int]
    seconds: Param[float] = 0.2

    def execute(self) -> None:
        time.sleep(self.seconds)
