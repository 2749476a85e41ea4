"""Walk, read and delete job folders without ever leaving the workspace.

Every job folder xpm makes is a real folder, `jobs/<type id>/<identifier>/`, and every
file xpm writes in it is a real file. A symbolic link found there (a type folder, a job
folder or a marker pointing elsewhere) was not made by xpm: walkers skip it with a
warning, readers refuse it, and nothing is deleted through it, so that listing,
cleaning or monitoring a workspace never reads or deletes anything outside it.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator, Sequence

from .errors import JobFolderError


def job_folders(workdir: str | os.PathLike[str]) -> Iterator[tuple[str, str, str]]:
    """Yield (type id, identifier, folder) of every job folder, sorted, as plain strings.

    Symbolic links under `jobs/` are skipped with a warning (logged as
    `xpm: skipped <path>: a symbolic link ...`); other files are ignored.
    """
    root = os.path.join(os.fspath(workdir), "jobs")
    for type_id in real_folders(root):
        type_folder = f"{root}/{type_id}"
        for identifier in real_folders(type_folder):
            yield type_id, identifier, f"{type_folder}/{identifier}"


def real_folders(
    folder: str, *, where: str = "under jobs/", expected: frozenset[str] = frozenset()
) -> list[str]:
    """Names of the real folders in `folder`, sorted; a symbolic link is skipped with a
    warning (`xpm: skipped <path>: a symbolic link (xpm never follows links <where>)`),
    silently where its name is `expected` (an experiment's `current`)."""
    names: list[str] = []
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_symlink():
                    if entry.name in expected:
                        continue
                    import logging  # only now: a job process imports this module

                    logging.getLogger(__name__).warning(
                        "xpm: skipped %s: a symbolic link (xpm never follows links %s)",
                        entry.path,
                        where,
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
    import shutil

    shutil.rmtree(check_job_folder(workdir, folder))


_NO_LINK = os.O_NOFOLLOW | os.O_CLOEXEC
_READ = os.O_RDONLY | os.O_NONBLOCK | _NO_LINK
_FOLDER = os.O_RDONLY | os.O_DIRECTORY | _NO_LINK


def open_job_file(folder: str | os.PathLike[str], parts: Sequence[str]) -> int:
    """Open the regular file `folder/parts[0]/.../parts[-1]` for reading; return its fd.

    No symbolic link is followed: not `folder` itself, not any part (each one is opened
    with `O_NOFOLLOW` from the descriptor of the one before), so the file lies in the
    folder whatever the names say. FIFOs and devices are refused too (they could block
    the reader).

    Raises:
        FileNotFoundError: a part is missing.
        OSError: a part is a symbolic link (`ELOOP` or `ENOTDIR`), or the file is not a
            regular file (`EINVAL`).
    """
    fd = os.open(folder, _FOLDER)
    try:
        for part in parts[:-1]:
            inner = os.open(part, _FOLDER, dir_fd=fd)
            os.close(fd)
            fd = inner
        opened = os.open(parts[-1], _READ, dir_fd=fd)
    finally:
        os.close(fd)
    return _regular(opened, os.path.join(folder, *parts))


def read_regular_file(path: str | os.PathLike[str], limit: int = -1) -> bytes:
    """Return the bytes of the regular file `path` (at most `limit`), not following a link.

    Only the last part of `path` is checked: use `open_job_file` to check every part
    under a folder.

    Raises:
        FileNotFoundError: the file is missing.
        OSError: `path` is a symbolic link or not a regular file.
    """
    with os.fdopen(_regular(os.open(path, _READ), path), "rb") as file:
        return file.read(limit)


def _regular(fd: int, path: str | os.PathLike[str]) -> int:
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise OSError(errno.EINVAL, "not a regular file", os.fspath(path))
    return fd
