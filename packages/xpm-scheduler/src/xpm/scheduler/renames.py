"""Job folders whose identifier the current code computes differently (`xpm deprecated`).

When a parameter is renamed or a class moved with `@deprecate`, the same configuration
gets a new identifier, so a new job folder. `find_renamed_jobs` reloads each job's
`params.json` with the current code and recomputes its name; `link_renamed_job` makes
the new name a symbolic link to the old folder, so that the job is found done instead
of being run again. Nothing outside `<workspace>/jobs/` is touched.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .jobpaths import JobPaths
from .records import _job_folders


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

    @property
    def new_folder(self) -> Path:
        """`<workspace>/jobs/<new type id>/<new identifier>`."""
        return self.folder.parent.parent / self.new_type_id / self.new_identifier


def find_renamed_jobs(workdir: str | os.PathLike[str]) -> Iterator[RenamedJob]:
    """Yield each job folder of the workspace (not the links) with its name under the
    current code, sorted by type id then identifier.

    The classes are imported as the job process would: from the folders recorded in
    `params.json`, and from the experiment script (run up to its `experiment(...)`
    call) for classes defined there.
    """
    for type_id, identifier, folder in _job_folders(workdir):
        if os.path.islink(folder):
            continue
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


def link_renamed_job(job: RenamedJob) -> str:
    """Make `job.new_folder` a symbolic link to `job.folder`; return what was done.

    The link is relative (`../<type id>/<identifier>`), so the workspace can move. When
    the new type id names its marker files otherwise (a class renamed), the job's
    `<name>.done` is also written under the new name, so that the job counts as done.

    Raises:
        JobPathError: a name would leave `<workspace>/jobs/`.
    """
    workdir = job.folder.parent.parent.parent
    new = JobPaths.of(workdir, job.new_type_id, job.new_identifier)
    old = JobPaths.of(workdir, job.type_id, job.identifier)
    if new.folder.is_symlink():
        if new.folder.resolve() == old.folder.resolve():
            return "already linked"
        return f"left alone: {new.folder} is a link to another folder"
    if new.folder.exists():
        return f"left alone: {new.folder} exists (a job run with the current code)"
    new.folder.parent.mkdir(parents=True, exist_ok=True)
    target = os.path.relpath(old.folder, new.folder.parent)
    temporary = new.folder.with_name(f".{new.folder.name}.link")
    temporary.unlink(missing_ok=True)
    temporary.symlink_to(target, target_is_directory=True)
    os.replace(temporary, new.folder)
    done = JobPaths(old.folder, JobPaths.name_of(job.new_type_id)).done
    if old.done.exists() and not done.exists():
        done.touch()
    return f"linked to {target}"
