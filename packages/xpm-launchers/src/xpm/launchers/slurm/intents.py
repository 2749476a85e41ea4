"""Submission intents: a SLURM job submitted just before the experiment died is found again.

The experiment records a job's SLURM id in `<name>.pid` once `sbatch` has answered. An
experiment killed between the two (SIGKILL, a node reboot) leaves a job queued in SLURM
that no file names, and a rerun would submit it a second time. So before `sbatch`, the
launcher writes `<name>.slurm-intent` in each job folder (atomically) with a random
token, and submits with `--comment=xpm-submission:<token>`. A later `start` of the same
job reads the intent and asks `squeue` for a job of this user carrying the token: if
SLURM still has it queued or running, the launcher follows it instead of submitting
again. A job (or array task) that has ended, even one still finishing (COMPLETING), is
not followed: the start is a retry of a job that timed out or was preempted.
"""

from __future__ import annotations

import getpass
import json
import secrets
import time
from collections.abc import Sequence
from pathlib import Path

from xpm.scheduler import write_json_atomic

from .commands import CommandRunner

COMMENT = "xpm-submission:"
"""Prefix of the `--comment` of every job xpm submits to SLURM."""

_LIVE = frozenset(
    {"PENDING", "RUNNING", "CONFIGURING", "SUSPENDED", "REQUEUED", "REQUEUE_HOLD"}
    | {"REQUEUE_FED", "RESV_DEL_HOLD", "STOPPED", "RESIZING", "SIGNALING"}
)


def new_token() -> str:
    """Return a fresh token naming one `sbatch` call."""
    return secrets.token_hex(12)


def write_intents(folders: Sequence[tuple[Path, str]], token: str) -> None:
    """Record, in each `(folder, name)` job, that `token` is being submitted.

    The index of each job in `folders` is kept: the task of a job array.
    """
    indexed = len(folders) > 1
    for index, (folder, name) in enumerate(folders):
        intent = {"token": token, "index": index if indexed else None, "time": time.time()}
        write_json_atomic(folder / f"{name}.slurm-intent", intent)


def submitted_before(runner: CommandRunner, jobs: Sequence[tuple[Path, str]]) -> list[str | None]:
    """Return, for each `(folder, name)` job, the SLURM id of its earlier submission if
    SLURM still has it queued or running, else None.

    One `squeue` at most, and none when no job has an intent recorded.
    """
    intents = [_read_intent(folder / f"{name}.slurm-intent") for folder, name in jobs]
    if not any(intents):
        return [None] * len(jobs)
    # One line per array task (-r); the comment, which may hold "|", comes last.
    command = ["squeue", "-h", "-r", "-u", getpass.getuser(), "-o", "%F|%K|%T|%k"]
    result = runner(command)
    queued: dict[tuple[str, int | None], str] = {}
    if result.returncode == 0:
        for line in result.stdout.splitlines():
            cells = line.strip().split("|", 3)
            if len(cells) != 4 or not cells[3].startswith(COMMENT) or not cells[0].isdigit():
                continue
            array_id, index, state, comment = cells
            if state in _LIVE:
                token = comment.removeprefix(COMMENT)
                if index.isdigit():
                    queued[token, int(index)] = f"{array_id}_{index}"
                else:
                    queued[token, None] = array_id
    return [None if intent is None else queued.get(intent) for intent in intents]


def _read_intent(path: Path) -> tuple[str, int | None] | None:
    try:
        intent = json.loads(path.read_bytes())
        token, index = intent["token"], intent["index"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not isinstance(token, str) or not (index is None or isinstance(index, int)):
        return None
    return token, index
