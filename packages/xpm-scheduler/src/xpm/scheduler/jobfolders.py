"""Walk `<workspace>/jobs/` and delete job folders without ever leaving the workspace.

Every job folder xpm makes is a real folder, `jobs/<type id>/<identifier>/`. A symbolic
link found there (a type folder or a job folder pointing elsewhere) was not made by xpm:
walkers skip it with a warning instead of following it, so that listing, cleaning or
monitoring a workspace never reads, and never deletes, anything outside it.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Iterator

from .errors import JobFolderError

_log = logging.getLogger(__name__)


def job_folders(workdir: str | os.PathLike[str]) -> Iterator[tuple[str, str, str]]:
    """Yield (type id, identifier, folder) of every job folder, sorted, as plain strings.

    Symbolic links under `jobs/` are skipped with a warning (logged as
    `xpm: skipped <path>: a symbolic link ...`); other files are ignored.
    """
    root = os.path.join(os.fspath(workdir), "jobs")
    for type_id in _real_folders(root):
        type_folder = f"{root}/{type_id}"
        for identifier in _real_folders(type_folder):
            yield type_id, identifier, f"{type_folder}/{identifier}"


def _real_folders(folder: str) -> list[str]:
    names: list[str] = []
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_symlink():
                    _log.warning(
                        "xpm: skipped %s: a symbolic link (xpm never follows links under jobs/)",
                        entry.path,
                    )
                elif entry.is_dir(follow_symlinks=False):
                    names.append(entry.name)
    except OSError:
        return []
    return sorted(names)


def check_job_folder(workdir: str | os.PathLike[str], folder: str | os.PathLike[str]) -> str:
    """Return `folder` resolved, once sure it is a real job folder of `workdir`.

    Raises:
        JobFolderError: `folder` is not `<workdir>/jobs/<type id>/<identifier>` with both
            parts real folders (no symbolic link), resolving inside the workspace.
    """
    jobs = os.path.realpath(os.path.join(os.fspath(workdir), "jobs"))
    path = os.fspath(folder)
    type_folder = os.path.dirname(path)
    real = os.path.realpath(path)
    if (
        os.path.islink(path)
        or os.path.islink(type_folder)
        or not os.path.isdir(path)
        or os.path.dirname(os.path.dirname(real)) != jobs
        or os.path.realpath(type_folder) != os.path.dirname(real)
    ):
        raise JobFolderError(path, jobs)
    return real


def remove_job_folder(workdir: str | os.PathLike[str], folder: str | os.PathLike[str]) -> None:
    """Delete a job folder of `workdir`, checked by `check_job_folder` first.

    Links inside the folder are removed, never followed (`shutil.rmtree`).

    Raises:
        JobFolderError: `folder` is not a real job folder inside the workspace.
        OSError: the folder cannot be deleted.
    """
    shutil.rmtree(check_job_folder(workdir, folder))
