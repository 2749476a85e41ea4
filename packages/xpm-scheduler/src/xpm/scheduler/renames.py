"""Job folders whose identifier the current code computes differently (`xpm deprecated`).

When a parameter is renamed or a class moved with `@deprecate`, the same configuration
gets a new identifier, so a new job folder. `find_renamed_jobs` reloads each job's
`params.json` with the current code and recomputes its name; `move_renamed_jobs` moves
the folder to that name, so that the job is found done instead of being run again.
Nothing outside the workspace is touched: only `jobs/` and the runs' records.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from .atomic import read_json, write_json_atomic, write_text_atomic
from .attempts import attempts_path
from .jobfolders import job_folders
from .jobpaths import JobPaths
from .locks import is_job_locked


@dataclass(frozen=True)
class RenamedJob:
    """A job folder and the name the current code gives its configuration.

    Attributes:
        folder: The job folder, `<workspace>/jobs/<type id>/<identifier>`.
        type_id, identifier: Its names on disk.
        new_type_id, new_identifier: What the current code computes (equal to the old
            ones when nothing changed); empty when `problem` is set.
        problem: Why the job could not be reloaded (a class that no longer imports, a
            parameter removed without `@deprecate`...), else empty.
    """

    folder: Path
    type_id: str
    identifier: str
    new_type_id: str = ""
    new_identifier: str = ""
    problem: str = ""

    @property
    def renamed(self) -> bool:
        """True when the current code names this job otherwise."""
        return not self.problem and (self.new_type_id, self.new_identifier) != (
            self.type_id,
            self.identifier,
        )


def find_renamed_jobs(workdir: str | os.PathLike[str]) -> Iterator[RenamedJob]:
    """Yield each job folder of the workspace with its name under the current code,
    sorted by type id then identifier; symbolic links under `jobs/` are not followed.

    The classes are imported as the job process would: from the folders recorded in
    `params.json`, and from the experiment script (run up to its `experiment(...)`
    call) for classes defined there.
    """
    for type_id, identifier, folder in job_folders(workdir):
        yield _recompute(Path(folder), type_id, identifier)


def _recompute(folder: Path, type_id: str, identifier: str) -> RenamedJob:
    from xpm.core.plumbing import from_dict
    from xpm.core.plumbing import type_id as type_id_of

    try:
        data = json.loads((folder / "params.json").read_text(encoding="utf-8"))
        for root in data.get("pythonpath", ()):
            if root not in sys.path:
                sys.path.append(root)
        if isinstance(data.get("main"), str):
            _load_script(data["main"])
        elif isinstance(data.get("main_code"), dict):
            from .jobprocess import _load_main_code

            _load_main_code(data["main_code"], folder)
        config = from_dict(data, folder, keep_identifiers=False)
        new_id = config.__identifier__().hex()
        return RenamedJob(folder, type_id, identifier, type_id_of(config), new_id)
    except Exception as exc:  # any failure of user code: reported, the scan goes on
        problem = f"{type(exc).__name__}: {exc}".rstrip(": ")
        return RenamedJob(folder, type_id, identifier, problem=problem)


_SCRIPTS: list[str] = []


def _load_script(script: str) -> None:
    """Load an experiment script's classes once (as `__main__`, as a job does)."""
    if _SCRIPTS and _SCRIPTS[-1] == script:
        return
    from .jobprocess import _load_main_script

    _load_main_script(script)
    _SCRIPTS.append(script)


def move_renamed_jobs(jobs: Sequence[RenamedJob]) -> Iterator[tuple[RenamedJob, str]]:
    """Move each job folder to the name the current code gives it; yield what was done.

    A job keeps being a real folder (xpm never links under `jobs/`): it is renamed to
    `jobs/<new type id>/<new identifier>` (atomically, within the workspace), its
    `params.json` is rewritten with the new names (paths inside the folder follow it;
    `job.renamed_from` lists the former names),
    its log and marker files are renamed when the type id's last part changed, and the
    runs that list it (`experiments/*/*/jobs.jsonl` and `status.json`) name it anew, so
    that it keeps its tags and is no orphan. A running job, or one whose new name is
    taken, is left alone.

    Call it in the process that found `jobs` (`find_renamed_jobs`): the classes of the
    jobs are imported there.
    """
    moved: dict[str, str] = {}
    workdir: Path | None = None
    try:
        for job in jobs:
            workdir = job.folder.parent.parent.parent
            try:
                done = _move(workdir, job)
            except Exception as exc:  # user code reloaded, or the file system: reported
                done = f"left alone: {type(exc).__name__}: {exc}"
            if done.startswith("moved"):
                moved[f"{job.type_id}/{job.identifier}"] = f"{job.new_type_id}/{job.new_identifier}"
            yield job, done
    finally:
        if moved and workdir is not None:
            _rename_in_runs(workdir, moved)


def _move(workdir: Path, job: RenamedJob) -> str:
    from xpm.core.plumbing import from_dict, to_dict

    old = JobPaths.of(workdir, job.type_id, job.identifier)
    new = JobPaths.of(workdir, job.new_type_id, job.new_identifier)
    if os.path.lexists(new.folder):
        return f"left alone: {new.folder} exists (a job run with the current code)"
    if is_job_locked(old.lock):
        return "left alone: it is running; move it once it has ended"
    data = json.loads(old.params.read_text(encoding="utf-8"))
    config = from_dict(data, new.folder, keep_identifiers=False)
    data["objects"] = to_dict(config, new.folder)["objects"]
    before = data.get("job", {})
    former = [*before.get("renamed_from", []), f"{job.type_id}/{job.identifier}"]
    names = {"type_id": job.new_type_id, "identifier": job.new_identifier, "name": new.name}
    data["job"] = {**before, **names, "renamed_from": former}
    new.folder.parent.mkdir(parents=True, exist_ok=True)
    os.rename(old.folder, new.folder)
    if old.name != new.name:
        files = JobPaths(new.folder, old.name)
        markers = ("stdout", "stderr", "done", "failed", "pid", "lock", "started", "progress")
        moves = [(getattr(files, name), getattr(new, name)) for name in markers]
        moves.append((attempts_path(files), attempts_path(new)))
        for source, target in moves:
            if source.exists() and not target.exists():
                source.rename(target)
    write_text_atomic(new.params, json.dumps(data, indent=1, ensure_ascii=False))
    return f"moved from {job.type_id}/{job.identifier}"


def _rename_in_runs(workdir: Path, moved: dict[str, str]) -> None:
    """Name the moved jobs anew in every run that lists them."""
    experiments = workdir / "experiments"
    for experiment in _real_folders(experiments):
        for run in _real_folders(experiment):
            jobs_file = run / "jobs.jsonl"
            if jobs_file.is_file() and not jobs_file.is_symlink():
                lines = jobs_file.read_text(encoding="utf-8").splitlines(keepends=True)
                changed = [_renamed_line(line, moved) for line in lines]
                if changed != lines:
                    write_text_atomic(jobs_file, "".join(changed))
            status_file = run / "status.json"
            status = read_json(status_file) if not status_file.is_symlink() else None
            if isinstance(status, dict) and isinstance(status.get("jobs"), dict):
                jobs = {moved.get(k, k): v for k, v in status["jobs"].items()}
                if jobs != status["jobs"]:
                    write_json_atomic(status_file, {**status, "jobs": jobs})


def _renamed_line(line: str, moved: dict[str, str]) -> str:
    try:
        entry = json.loads(line)
    except json.JSONDecodeError:
        return line  # a torn last line stays as it is
    if not isinstance(entry, dict):
        return line
    job = entry.get("job")
    depends = entry.get("depends_on")
    if job not in moved and not (isinstance(depends, list) and set(depends) & set(moved)):
        return line
    if job in moved:
        type_id, _, identifier = moved[job].partition("/")
        entry.update(job=moved[job], type_id=type_id, identifier=identifier)
    if isinstance(depends, list):
        entry["depends_on"] = [moved.get(d, d) for d in depends]
    return json.dumps(entry) + "\n"


def _real_folders(folder: Path) -> list[Path]:
    try:
        with os.scandir(folder) as entries:
            return sorted(Path(e.path) for e in entries if e.is_dir(follow_symlinks=False))
    except OSError:
        return []
