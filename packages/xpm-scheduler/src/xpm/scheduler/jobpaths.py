"""The name of every file in a job folder `<workspace>/jobs/<type id>/<identifier>/`.

The names follow experimaestro's, so that tools reading one workspace layout read the
other: `params.json`, and `<name>.out`, `.err`, `.done`, `.failed`, `.pid`, `.lock`,
where `<name>` is the last dot-separated part of the lower-cased type id. xpm adds
`<name>.attempts.json` (see `attempts`) and `<name>.progress`; `<name>.started` is only
read, from folders of older xpm versions.
"""

from __future__ import annotations

import errno
import os
from dataclasses import FrozenInstanceError
from pathlib import Path
from typing import final

from .errors import JobPathError


@final
class JobPaths:
    """Every path of one job folder; computing them touches no file.

    Attributes:
        folder: The job folder, `<workspace>/jobs/<type id>/<identifier>`.
        folder_text: The same, as text.
        name: The file-name stem shared by the job's files (`learner` for the type id
            `my.package.Learner`).

    Immutable, and equal when folder and name are. Made with `within`, it keeps its
    type's folder and its identifier and makes the `Path` on first use only: an
    experiment finding 100,000 jobs done needs no `Path`, which costs more to make than
    the job's look at its `.done`.
    """

    __slots__ = ("_folder", "_leaf", "_parent", "name")
    _folder: Path | None
    _parent: Path | None
    _leaf: str
    name: str

    def __init__(self, folder: str | os.PathLike[str], name: str) -> None:
        set_ = object.__setattr__
        made = (
            None
            if isinstance(folder, str)
            else folder
            if isinstance(folder, Path)
            else Path(folder)
        )
        set_(self, "_folder", made)
        set_(self, "_parent", None)
        set_(self, "_leaf", folder if made is None else made.name)
        set_(self, "name", name)

    @classmethod
    def within(cls, parent: Path, leaf: str, name: str) -> JobPaths:
        """The paths of the folder `parent / leaf`, not made until asked for (`leaf`
        is a single name, not checked: see `of` for a checked one)."""
        paths = cls.__new__(cls)
        set_ = object.__setattr__
        set_(paths, "_folder", None)
        set_(paths, "_parent", parent)
        set_(paths, "_leaf", leaf)
        set_(paths, "name", name)
        return paths

    @property
    def folder(self) -> Path:
        """The job folder, `<workspace>/jobs/<type id>/<identifier>`."""
        folder = self._folder
        if folder is None:
            parent = self._parent
            folder = Path(self._leaf) if parent is None else parent / self._leaf
            object.__setattr__(self, "_folder", folder)
        return folder

    @property
    def folder_text(self) -> str:
        """The job folder as text: `os.fspath(paths.folder)`, without making a `Path`."""
        if self._folder is not None:
            return os.fspath(self._folder)
        if self._parent is not None:
            return f"{os.fspath(self._parent)}/{self._leaf}"
        return self._leaf

    @property
    def folder_name(self) -> str:
        """The job folder's own name: the job's identifier."""
        if self._parent is not None or self._folder is not None:
            return self._leaf
        return self._leaf.rpartition("/")[2]

    def __setattr__(self, key: str, value: object) -> None:
        raise FrozenInstanceError(f"cannot assign to field {key!r}")

    def __delattr__(self, key: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {key!r}")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, JobPaths):
            return NotImplemented
        return self.name == other.name and self.folder == other.folder

    def __hash__(self) -> int:
        return hash((self.folder, self.name))

    def __repr__(self) -> str:
        return f"JobPaths(folder={self.folder!r}, name={self.name!r})"

    def __reduce__(self) -> tuple[type[JobPaths], tuple[str, str]]:
        return (JobPaths, (self.folder_text, self.name))

    @classmethod
    def of(cls, workspace: str | Path, type_id: str, identifier: str) -> JobPaths:
        """Return the paths of the job of type `type_id` and identifier `identifier`.

        Raises:
            JobPathError: `type_id` or `identifier` is empty, `.`, `..`, or holds a `/`
                or a NUL character.
        """
        _check_part("type id", type_id)
        _check_part("job identifier", identifier)
        folder = Path(f"{os.fspath(workspace) or '.'}/jobs/{type_id}/{identifier}")
        return cls(folder, cls.name_of(type_id))

    @staticmethod
    def name_of(type_id: str) -> str:
        """Return the file stem of `type_id`: its last dotted part, lower-cased."""
        return type_id.lower().rsplit(".", 1)[-1]

    @property
    def params(self) -> Path:
        """`params.json`: the task's serialized parameters, written before launching."""
        return self.folder / "params.json"

    @property
    def stdout(self) -> Path:
        """`<name>.out`: the job's standard output, appended to across runs."""
        return self.folder / f"{self.name}.out"

    @property
    def stderr(self) -> Path:
        """`<name>.err`: the job's standard error, appended to across runs."""
        return self.folder / f"{self.name}.err"

    @property
    def done(self) -> Path:
        """`<name>.done`: exists once the job has succeeded."""
        return self.folder / f"{self.name}.done"

    @property
    def failed(self) -> Path:
        """`<name>.failed`: exists once the job has failed; holds the reason."""
        return self.folder / f"{self.name}.failed"

    @property
    def pid(self) -> Path:
        """`<name>.pid`: identifies the running process (pid and start time)."""
        return self.folder / f"{self.name}.pid"

    @property
    def lock(self) -> Path:
        """`<name>.lock`: locked by the job's process while it runs; never deleted."""
        return self.folder / f"{self.name}.lock"

    @property
    def started(self) -> Path:
        """`<name>.started`: when the job began, as older xpm versions wrote it (read
        only; the start of each attempt is in `<name>.attempts.json` now)."""
        return self.folder / f"{self.name}.started"

    @property
    def progress(self) -> Path:
        """`<name>.progress`: progress records reported by the running task."""
        return self.folder / f"{self.name}.progress"

    def markers(self) -> tuple[Path, ...]:
        """Return the files that describe one run: done, failed, pid, started, progress.

        Remove them before running a job again; the lock, parameters and logs stay.
        """
        return (self.done, self.failed, self.pid, self.started, self.progress)


def clear_for_start(paths: JobPaths) -> None:
    """Remove what a previous run left (`.failed`, `.started`, `.progress`) before a start.

    The logs are appended to by whatever starts the job (a local process, SLURM), which
    would follow a symbolic link out of the workspace: a linked log is refused.

    Raises:
        OSError: a marker cannot be removed (a folder in its place), or a log is a
            symbolic link (`ELOOP`); the job cannot start.
    """
    for marker in (paths.failed, paths.started, paths.progress):
        marker.unlink(missing_ok=True)
    for log in (paths.stdout, paths.stderr):
        if os.path.islink(log):
            raise OSError(
                errno.ELOOP, "a symbolic link: xpm writes a job's logs in its folder", log
            )


def _check_part(what: str, value: str) -> None:
    if value in ("", ".", "..") or "/" in value or "\0" in value:
        raise JobPathError(what, value)
