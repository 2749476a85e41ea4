"""`xpm jobs log`: print what a job wrote, to its standard output and its standard error.

A job's `print()` goes to its stdout file and its tracebacks and warnings to its stderr
file, so by default both are shown, each under a header naming it (like `tail` does
with several files): nothing the job wrote is hidden. `--out` or `--err` prints one file
as it is, without a header, for piping.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import BinaryIO

import click

from .errors import NoLogError
from .options import workspace_of, workspace_options

FOLLOW_INTERVAL = 0.2


@click.command(name="log")
@workspace_options
@click.option("-f", "--follow", is_flag=True, help="Keep printing while the job runs.")
@click.option(
    "--both",
    "which",
    flag_value="both",
    default=True,
    help="Show the standard output, then the standard error, each under a header (default).",
)
@click.option("--out", "which", flag_value="out", help="Show only the standard output.")
@click.option("--err", "which", flag_value="err", help="Show only the standard error.")
@click.argument("job")
def log_command(
    workdir: Path | None, workspace_id: str | None, follow: bool, which: str, job: str
) -> None:
    """Print what a job wrote: its stdout, then its stderr; -f follows them like tail -f.

    Each file comes under a header `==> stdout: FILE <==` (or stderr); an empty one is
    left out. --out or --err prints one file alone, without a header.
    """
    from xpm.scheduler import read_job

    from ..catalog import find_job

    workspace = workspace_of(workdir, workspace_id)
    found = find_job(workspace.path, job)
    paths = found.record.paths
    logs = {"out": [("stdout", paths.stdout)], "err": [("stderr", paths.stderr)]}.get(
        which, [("stdout", paths.stdout), ("stderr", paths.stderr)]
    )
    if not follow and not any(path.exists() for _, path in logs):
        raise NoLogError(found.name, " or ".join(str(path) for _, path in logs))
    sys.stdout.flush()
    printer = _Printer(sys.stdout.buffer, headers=len(logs) > 1)
    positions = [0] * len(logs)
    while True:
        finished = not follow or read_job(paths, light=True).state.finished
        new = False
        for i, (label, path) in enumerate(logs):
            chunk = _read_from(path, positions[i])
            if chunk:
                printer.write(label, path, chunk)
                positions[i] += len(chunk)
                new = True
        if new:
            continue
        if finished:
            break
        time.sleep(FOLLOW_INTERVAL)
    if not printer.wrote:
        what = " nor ".join(f"its {label} ({path})" for label, path in logs)
        click.echo(f"the job {found.name} wrote nothing to {what}", err=True)


def _read_from(path: Path, position: int) -> bytes:
    """Return the bytes of `path` after `position`; nothing if the file does not exist."""
    from xpm.core import XpmError

    try:
        with path.open("rb") as log:
            log.seek(position)
            return log.read()
    except FileNotFoundError:
        return b""
    except OSError as error:
        raise XpmError(f"cannot read {path}: {error.strerror}") from None


class _Printer:
    """Writes chunks of logs, with a header each time the output switches to another file."""

    def __init__(self, out: BinaryIO, *, headers: bool) -> None:
        self.out = out
        self.headers = headers
        self.current: Path | None = None
        self.wrote = False
        self._at_line_start = True

    def write(self, label: str, path: Path, chunk: bytes) -> None:
        if self.headers and path != self.current:
            separator = b"" if self._at_line_start else b"\n"
            if self.wrote:
                separator += b"\n"
            self.out.write(separator + f"==> {label}: {path} <==\n".encode())
            self.current = path
        self.out.write(chunk)
        self.out.flush()
        self.wrote = True
        self._at_line_start = chunk.endswith(b"\n")
