"""Submission intents: a SLURM job submitted just before the experiment died is found again.

The experiment records a job's SLURM id in `<name>.pid` once `sbatch` has answered. An
experiment killed between the two (SIGKILL, a node reboot) leaves a job queued in SLURM
that no file names, and a rerun would submit it a second time. So before `sbatch`, the
launcher writes `<name>.slurm-intent` in each job folder (atomically) with a random
token, and submits with `--comment=xpm-submission:<token>`. A later `start` of the same
job reads the intent and asks `squeue` for a job of this user carrying the token: if
SLURM still has it, the launcher follows it instead of submitting again.
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
    command = ["squeue", "-h", "-u", getpass.getuser(), "-o", "%F|%k"]
    result = runner(command)
    queued: dict[str, str] = {}
    if result.returncode == 0:
        for line in result.stdout.splitlines():
            array_id, _, comment = line.strip().partition("|")
            if comment.startswith(COMMENT) and array_id.isdigit():
                queued[comment.removeprefix(COMMENT)] = array_id
    return [None if intent is None else _job_id(queued, *intent) for intent in intents]


def _job_id(queued: dict[str, str], token: str, index: int | None) -> str | None:
    array_id = queued.get(token)
    if array_id is None or index is None:
        return array_id
    return f"{array_id}_{index}"


def _read_intent(path: Path) -> tuple[str, int | None] | None:
    try:
        intent = json.loads(path.read_bytes())
        token, index = intent["token"], intent["index"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not isinstance(token, str) or not (index is None or isinstance(index, int)):
        return None
    return token, index
