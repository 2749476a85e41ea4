"""Telling an out-of-memory kill from another signal 9 on clusters without cgroups.

Clusters that police memory by polling (`JobAcctGatherParams=OverMemoryKill`) end such a
job FAILED with signal 9, not OUT_OF_MEMORY; only the message slurmstepd writes to the
job's error file tells why. The verdict matters: a job out of memory may be retried with
more (`Retries(memory=...)`).
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Sequence
from pathlib import Path

from xpm.scheduler import EndCallback, Ending

# What slurmstepd writes when OverMemoryKill kills a job ("StepId=42.batch exceeded memory
# limit (436338688 > 104857600), being killed"), in the last _LOG_TAIL bytes of its log.
_OVER_MEMORY = re.compile(r"slurmstepd.*: error: .*exceeded (job )?memory limit", re.IGNORECASE)
_LOG_TAIL = 16384


def memory_aware(on_end: EndCallback, logs: Sequence[Path]) -> EndCallback:
    """Report reason `"memory"` for a job that slurmstepd killed over its memory limit.

    Clusters that police memory by polling (`JobAcctGatherParams=OverMemoryKill`, no
    cgroups) do not end such a job OUT_OF_MEMORY but FAILED with signal 9; only the
    message slurmstepd writes to the job's error file tells why.
    """

    def call(ending: Ending) -> None:
        if ending.reason == "failed" and ending.signal == 9 and any(map(over_memory, logs)):
            ending = dataclasses.replace(
                ending,
                reason="memory",
                message=f"{ending.message}: exceeded its memory limit (killed by slurmstepd)",
            )
        on_end(ending)

    return call


def over_memory(log: Path) -> bool:
    """Whether the end of `log` holds slurmstepd's "exceeded memory limit" message."""
    try:
        with open(log, "rb") as file:
            file.seek(0, os.SEEK_END)
            file.seek(max(0, file.tell() - _LOG_TAIL))
            text = file.read().decode("utf-8", errors="replace")
    except OSError:
        return False
    return _OVER_MEMORY.search(text) is not None
