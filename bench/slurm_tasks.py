"""The task of bench/slurm_bench.py; its job processes import it (bench/ is on PYTHONPATH)."""

from __future__ import annotations

from xpm.core import Param, Task


class Nothing(Task):
    """Does nothing: the job costs only xpm's job process and SLURM."""

    index: Param[int]
    run: Param[str]

    def execute(self) -> None:
        pass
