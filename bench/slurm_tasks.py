"""The task of bench/slurm_bench.py; its job processes import it (bench/ is on PYTHONPATH)."""

from __future__ import annotations

from xpm.core import Param, Task


class Nothing(Task):
    """Does nothing: the job costs only xpm's job process and SLURM."""

    index: Param[int]
    run: Param[str]

    def execute(self) -> None:
        pass


class Pause(Task):
    """Sleeps `seconds`: jobs long enough for status rounds to matter."""

    index: Param[int]
    run: Param[str]
    seconds: Param[float]

    def execute(self) -> None:
        import time

        time.sleep(self.seconds)
