"""Run SLURM's commands (`sbatch`, `sacct`, `squeue`, `scancel`, `scontrol`).

The SLURM launcher runs every command through a `CommandRunner`, so that tests can
answer with output captured from a real cluster instead of running SLURM.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, final

from ..errors import SlurmCommandError


@final
@dataclass(frozen=True)
class CommandResult:
    """What a command printed, and its exit code."""

    returncode: int
    stdout: str
    stderr: str = ""

    def check(self, command: Sequence[str]) -> str:
        """Return `stdout`; raise `SlurmCommandError` when the command failed.

        Raises:
            SlurmCommandError: the exit code is not 0; the error holds `command` and
                what the command printed on stderr.
        """
        if self.returncode != 0:
            raise SlurmCommandError(command, self.returncode, self.stderr)
        return self.stdout


class CommandRunner(Protocol):
    """Runs one command and returns its result, whatever its exit code.

    The default is `run_slurm_command`. A runner raises `SlurmCommandError` only when the
    command could not run at all (not installed, no answer).
    """

    def __call__(self, command: Sequence[str]) -> CommandResult:
        """Run `command` (an argument list, no shell) and wait for it."""
        ...


def run_slurm_command(command: Sequence[str], timeout: float = 60.0) -> CommandResult:
    """Run `command` on this machine and return its output, waiting `timeout` seconds.

    Raises:
        SlurmCommandError: the program is not installed (exit code 127), or gave no
            answer in time (exit code -1): check that SLURM answers with `sinfo`.
    """
    try:
        result = subprocess.run(
            list(command),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except FileNotFoundError:
        raise SlurmCommandError(
            command,
            127,
            f"{command[0]} is not on PATH: run xpm on a machine where SLURM's commands work",
        ) from None
    except subprocess.TimeoutExpired:
        raise SlurmCommandError(
            command, -1, f"no answer in {timeout:g} s: is the SLURM controller up (sinfo)?"
        ) from None
    return CommandResult(result.returncode, result.stdout, result.stderr)
