"""A stand-in for SLURM's commands: answers queued per program, and records every call."""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Sequence

from xpm.launchers import CommandResult

SCONTROL_CONFIG = """\
Configuration data as of 2026-11-23T10:00:00
MaxArraySize            = 1001
MaxJobCount             = 10000
"""


class FakeSlurm:
    """Runner whose answers are queued by program name (`sbatch`, `sacct`, ...).

    Without a queued answer, `sacct`/`squeue` print nothing, `scancel` succeeds, and
    `sbatch` prints increasing job ids from 100.
    """

    def __init__(self, max_array_size: int = 1001) -> None:
        self.calls: list[list[str]] = []
        self.answers: dict[str, deque[CommandResult]] = defaultdict(deque)
        self.next_id = 100
        self.config = SCONTROL_CONFIG.replace("1001", str(max_array_size))

    def answer(self, program: str, stdout: str = "", returncode: int = 0, stderr: str = "") -> None:
        """Queue one answer for the next call of `program`."""
        self.answers[program].append(CommandResult(returncode, stdout, stderr))

    def __call__(self, command: Sequence[str]) -> CommandResult:
        self.calls.append(list(command))
        program = command[0]
        if self.answers[program]:
            return self.answers[program].popleft()
        if program == "sbatch":
            self.next_id += 1
            return CommandResult(0, f"{self.next_id}\n")
        if program == "scontrol":
            return CommandResult(0, self.config)
        return CommandResult(0, "")

    def called(self, program: str) -> list[list[str]]:
        """Return the calls of `program`, in order."""
        return [call for call in self.calls if call[0] == program]
