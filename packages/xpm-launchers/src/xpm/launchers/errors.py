"""The errors xpm.launchers raises; each derives from `xpm.core.XpmError`."""

from __future__ import annotations

import shlex
from collections.abc import Sequence

from xpm.core import XpmError


class RequirementSyntaxError(XpmError, ValueError):
    """A requirement string (`"duration=2h & cuda(mem=16G)*2"`) cannot be parsed.

    Raised by `parse()` for a typo or an impossible value (`cuda()*0`). `line` and
    `column` (both from 1) locate the problem in `text`; `expected` lists, in words,
    what would have been accepted there. The message shows the line with a caret under
    the column: fix the requirement at that place.
    """

    def __init__(
        self,
        problem: str,
        *,
        text: str,
        line: int,
        column: int,
        expected: Sequence[str] = (),
    ) -> None:
        super().__init__(problem)
        self.problem = problem
        self.text = text
        self.line = line
        self.column = column
        self.expected = tuple(expected)

    def __str__(self) -> str:
        lines = self.text.splitlines() or [""]
        source = lines[self.line - 1] if 0 < self.line <= len(lines) else ""
        # Keep the tabs of the source line so that the caret lines up under it.
        pad = "".join(c if c == "\t" else " " for c in source[: self.column - 1])
        parts = [
            f"invalid requirement at line {self.line}, column {self.column}: {self.problem}",
            f"  {source}",
            f"  {pad}^",
        ]
        if self.expected:
            parts.append("expected " + _one_of(self.expected))
        return "\n".join(parts)


class SlurmCommandError(XpmError, RuntimeError):
    """A SLURM command (`sbatch`, `sacct`, `squeue`, `scancel`) failed.

    Raised when the command exits with a non-zero code or prints something that cannot
    be read. `command` is the argument list, `returncode` its exit code and `stderr`
    what it printed. Check that SLURM answers (`sinfo`), and read `stderr`: it usually
    names the option or limit that SLURM refused.
    """

    def __init__(self, command: Sequence[str], returncode: int, stderr: str) -> None:
        super().__init__(command, returncode, stderr)
        self.command = tuple(command)
        self.returncode = returncode
        self.stderr = stderr

    def __str__(self) -> str:
        detail = self.stderr.strip() or "(nothing on stderr)"
        return (
            f"SLURM command failed with exit code {self.returncode}: "
            f"{shlex.join(self.command)}\n{detail}"
        )


def _one_of(words: Sequence[str]) -> str:
    if len(words) == 1:
        return words[0]
    return "one of: " + ", ".join(words)
