"""Workspace care: what `xpm jobs clean --orphans`, `xpm jobs stray` and `xpm experiments
clean` find, and the checked deletions they make.

A workspace only grows: every run of every experiment adds a run folder, and jobs that
no run submits any more stay on disk. Three things can go:

- **orphan jobs**: job folders that no run of any experiment lists (in its `jobs.jsonl`
  or `status.json`), e.g. after old runs were deleted or tasks were changed;
- **stray jobs**: running job processes that no live experiment follows (their
  experiment was interrupted or killed, and the process goes on);
- **old runs**: run folders beyond the last N of an experiment.

Nothing outside the workspace is ever read through or deleted: symbolic links under
`jobs/` and `experiments/` are skipped (never followed), and a folder is deleted only once
checked to be a real folder that resolves inside the workspace. (The rule is that of the
job folder walker in `jobfolders`; this module walks runs too.)
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import final

from .atomic import read_json
from .jobfolders import job_folders, real_folders
from .jobpaths import JobPaths
from .records import JobRecord, JobState, read_job
from .runs import RunRecord, read_run, read_submitted

__all__ = [
    "OrphanJob",
    "RunToPrune",
    "StrayJob",
    "find_orphans",
    "find_strays",
    "known_jobs",
    "remove_run",
    "runs_to_prune",
]

_RUN_NAME = re.compile(r"(\d{8}_\d{6})(?:_(\d+))?")


@final
@dataclass(frozen=True)
class OrphanJob:
    """A job folder that no run of any experiment lists.

    Attributes:
        job_id: `<type id>/<identifier>`.
        paths: The job's paths.
        state: Its state on disk; a running or waiting one is never deleted.
    """

    job_id: str
    paths: JobPaths
    state: JobState


@final
@dataclass(frozen=True)
class StrayJob:
    """A running (or waiting) job that no live experiment follows.

    Attributes:
        job_id: `<type id>/<identifier>`.
        record: The job folder as read (state, pid record).
        last_run: The newest run that submitted it (None when no run lists it).
    """

    job_id: str
    record: JobRecord
    last_run: RunRecord | None


@final
@dataclass(frozen=True)
class RunToPrune:
    """A run of an experiment, and why it stays (None: it goes).

    Attributes:
        run: The run as read from its folder.
        kept: `latest` (one of the last N), `current` (where `current` points),
            `running` (its experiment process runs, or runs on another machine), or None.
    """

    run: RunRecord
    kept: str | None


def _real_names(folder: Path) -> list[str]:
    """Real folders under `experiments/`; each experiment's `current` link is expected."""
    return real_folders(str(folder), where="in a workspace", expected=frozenset({"current"}))


def _run_key(name: str) -> tuple[str, int]:
    match = _RUN_NAME.fullmatch(name)
    if match is None:
        return (name, 0)
    return (match.group(1), int(match.group(2) or 1))


def _run_folders(workdir: Path) -> dict[str, list[Path]]:
    """The run folders of each experiment, oldest first (links skipped)."""
    root = workdir / "experiments"
    runs: dict[str, list[Path]] = {}
    for name in _real_names(root):
        folders = [n for n in _real_names(root / name) if n[:1].isdigit()]
        runs[name] = [root / name / n for n in sorted(folders, key=_run_key)]
    return runs


def _listed_jobs(folder: Path) -> set[str]:
    """The jobs a run folder lists: its `jobs.jsonl` lines and its `status.json` keys."""
    listed = {job.job_id for job in read_submitted(folder / "jobs.jsonl")}
    status = read_json(folder / "status.json")
    if isinstance(status, dict) and isinstance(status.get("jobs"), dict):
        listed.update(str(key) for key in status["jobs"])
    return listed


def known_jobs(workdir: str | os.PathLike[str]) -> set[str]:
    """Every job id that some run of some experiment lists."""
    known: set[str] = set()
    for folders in _run_folders(Path(workdir)).values():
        for folder in folders:
            known |= _listed_jobs(folder)
    return known


def find_orphans(workdir: str | os.PathLike[str]) -> list[OrphanJob]:
    """Return the job folders that no run lists, sorted by job id, with their state.

    A running experiment records each job (and flushes `jobs.jsonl`) before it writes
    the job's folder, so a job it is submitting is never an orphan.
    """
    root = Path(workdir)
    known = known_jobs(root)
    orphans = []
    for type_id, identifier, folder in job_folders(root):
        job_id = f"{type_id}/{identifier}"
        if job_id in known:
            continue
        paths = JobPaths(Path(folder), JobPaths.name_of(type_id))
        orphans.append(OrphanJob(job_id, paths, read_job(paths, light=True).state))
    return orphans


def find_strays(workdir: str | os.PathLike[str]) -> list[StrayJob]:
    """Return the running or waiting jobs that no live run lists, sorted by job id.

    A run is live when its `status.json` says `running` and its experiment process still
    runs (a run of another machine counts as live: this one cannot tell).
    """
    root = Path(workdir)
    followed: set[str] = set()
    last_run: dict[str, RunRecord] = {}
    for folders in _run_folders(root).values():
        for run_folder in folders:
            run = read_run(run_folder)
            listed = _listed_jobs(run_folder)
            if run is not None:
                if run.status == "running":
                    followed |= listed
                for job_id in listed:
                    previous = last_run.get(job_id)
                    if previous is None or (run.started or 0) >= (previous.started or 0):
                        last_run[job_id] = run
    strays = []
    for type_id, identifier, folder in job_folders(root):
        job_id = f"{type_id}/{identifier}"
        base = f"{folder}/{JobPaths.name_of(type_id)}"
        if job_id in followed or not os.path.lexists(base + ".pid"):
            continue
        record = read_job(JobPaths(Path(folder), JobPaths.name_of(type_id)), light=True)
        if record.state in (JobState.RUNNING, JobState.WAITING):
            strays.append(StrayJob(job_id, record, last_run.get(job_id)))
    return strays


def runs_to_prune(
    workdir: str | os.PathLike[str], keep: int, experiment: str | None = None
) -> dict[str, list[RunToPrune]]:
    """Return, by experiment, each run and whether it stays when keeping the last `keep`.

    The run `current` points at and runs still running always stay. Runs without a
    readable `status.json` are left out (they are not runs xpm can describe).
    """
    root = Path(workdir)
    result: dict[str, list[RunToPrune]] = {}
    for name, folders in _run_folders(root).items():
        if experiment is not None and name != experiment:
            continue
        current = _current_run(root / "experiments" / name)
        runs = [run for run in map(read_run, folders) if run is not None]
        latest = {run.folder.name for run in runs[len(runs) - keep :]} if keep else set()
        choices = []
        for run in runs:
            kept = None
            if run.folder.name in latest:
                kept = "latest"
            elif run.folder.name == current:
                kept = "current"
            elif run.status == "running":
                kept = "running"
            choices.append(RunToPrune(run, kept))
        result[name] = choices
    return result


def _current_run(folder: Path) -> str | None:
    try:
        target = os.readlink(folder / "current")
    except OSError:
        return None
    return target if "/" not in target else None


def _inside(workdir: Path, sub: str, folder: Path, depth: int) -> str:
    """Return `folder` resolved, once sure it is a real folder `depth` levels under
    `<workdir>/<sub>`, with no symbolic link on the way.

    Raises:
        ValueError: it is a link, not a folder, or resolves elsewhere.
    """
    base = os.path.realpath(workdir / sub)
    real = os.path.realpath(folder)
    path = folder
    links = []
    for _ in range(depth):
        links.append(path.is_symlink())
        path = path.parent
    parent = real
    for _ in range(depth):
        parent = os.path.dirname(parent)
    if any(links) or not folder.is_dir() or parent != base:
        raise ValueError(
            f"{folder} is not a real folder under {base} (a symbolic link, or it leads"
            " elsewhere): xpm deletes nothing outside the workspace"
        )
    return real


def remove_run(workdir: str | os.PathLike[str], run: RunRecord) -> None:
    """Delete a run folder, checked to be a real `experiments/<name>/<run id>` folder.

    Raises:
        ValueError: the folder is a link or resolves outside the workspace.
        OSError: it cannot be deleted.
    """
    shutil.rmtree(_inside(Path(workdir), "experiments", run.folder, 2))
