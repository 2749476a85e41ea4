"""The errors xpm.launchers raises; each derives from `xpm.core.XpmError`."""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from xpm.core import XpmError

if TYPE_CHECKING:
    from .hosts import Refusal


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


class LauncherConfigError(XpmError, ValueError):
    """A launcher configuration file (`launchers.yaml` or `launchers.py`) is wrong.

    Raised by `find_launcher()` and `load_launchers_config()` when the file is not valid
    YAML, holds an unknown or misspelled key, a value of the wrong type or an impossible
    value, or when `launchers.py` has no `find_launcher` function or it returns something
    other than a launcher. `file` is the file, `line` the line (from 1; None when the
    problem is the whole file) and `key` the dotted key (`slurm.partitions.gpu.memory`).
    Fix the file at that place; `hint` says how (often "did you mean ...?").
    """

    def __init__(
        self,
        problem: str,
        *,
        file: Path,
        line: int | None = None,
        key: str = "",
        hint: str = "",
    ) -> None:
        super().__init__(problem)
        self.problem = problem
        self.file = file
        self.line = line
        self.key = key
        self.hint = hint

    def __str__(self) -> str:
        where = str(self.file) if self.line is None else f"{self.file}, line {self.line}"
        if self.key:
            where += f", key {self.key}"
        message = f"{where}: {self.problem}"
        return f"{message}\n  {self.hint}" if self.hint else message


class NoLauncherError(XpmError, LookupError):
    """No configured launcher can run a requirement.

    Raised by `find_launcher()` when neither `launchers.py` nor `launchers.yaml` (nor,
    without configuration, the local machine) offers what the requirement asks for.
    `requirement` is the requirement's text, `refusals` gives each candidate launcher
    (`local`, `slurm/<partition>`) with the reason it was refused, and `source` says
    where the candidates came from. Relax the requirement (add a cheaper alternative with
    `|`), or describe a machine or SLURM partition that fits in `launchers.yaml`.
    """

    def __init__(
        self,
        problem: str,
        *,
        requirement: str,
        refusals: Sequence[Refusal] = (),
        source: str = "",
        hint: str = "",
    ) -> None:
        super().__init__(problem)
        self.problem = problem
        self.requirement = requirement
        self.refusals = tuple(refusals)
        self.source = source
        self.hint = hint

    def __str__(self) -> str:
        lines = [f"no launcher for {self.requirement!r}: {self.problem}"]
        if self.source:
            lines.append(f"candidates from {self.source}:")
        lines.extend(f"  {r.host.name}: {r.reason}" for r in self.refusals)
        if self.hint:
            lines.append(self.hint)
        return "\n".join(lines)


def _one_of(words: Sequence[str]) -> str:
    if len(words) == 1:
        return words[0]
    return "one of: " + ", ".join(words)


class YamlSyntaxError(XpmError, ValueError):
    """A YAML text cannot be parsed.

    Raised by `compose_yaml()`; `problem` says what the parser found and `line` (from 1)
    where, when it knows. The readers of `launchers.yaml` and of experiment files turn
    it into their own error, which names the file: fix the YAML at that line.
    """

    def __init__(self, problem: str, *, line: int | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.line = line

    def __str__(self) -> str:
        return self.problem if self.line is None else f"line {self.line}: {self.problem}"


class YamlFileError(XpmError, OSError):
    """A YAML file that xpm will not read: not a regular file, or too large.

    An `OSError`, so that readers report it as they report a file they cannot open;
    its text says why (`not a regular file (a character device)`).
    """

    def __str__(self) -> str:
        return str(self.strerror)
