"""Write files so that readers see either the old content or the new, never a mix.

Each function writes to a temporary file in the target's folder, then renames it over
the target with `os.replace`, which is atomic on POSIX file systems (NFS included, as
long as both names are in the same folder). `read_json` is the reading side: a file
being replaced is read whole or not at all.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .jobfolders import read_regular_file


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes, *, fsync: bool = False) -> None:
    """Replace the file at `path` by `data` in one step.

    The new file gets the usual permissions (0666 minus the umask). With `fsync=True`
    the data and the rename are flushed to disk before returning, so they survive a
    power loss; leave it off for files that are cheap to rebuild.

    Raises:
        OSError: the folder does not exist or cannot be written; no temporary file is
            left behind.
    """
    write_chunks_atomic(path, (data,), fsync=fsync)


def write_chunks_atomic(
    path: str | os.PathLike[str], chunks: Iterable[bytes], *, fsync: bool = False
) -> None:
    """`write_bytes_atomic` for content made piece by piece, never whole in memory (the
    status of a run of 100,000 jobs). An exception from `chunks` leaves the target as
    it was."""
    target = Path(path)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
    try:
        try:
            for chunk in chunks:
                view = memoryview(chunk)
                while view:
                    view = view[os.write(fd, view) :]
            if fsync:
                os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if fsync:
        _fsync_folder(target.parent)


def write_text_atomic(
    path: str | os.PathLike[str],
    text: str,
    *,
    encoding: str = "utf-8",
    fsync: bool = False,
) -> None:
    """Replace the file at `path` by `text`, encoded with `encoding`, in one step.

    Raises:
        OSError: as `write_bytes_atomic`.
        UnicodeEncodeError: `text` cannot be encoded; the target is left untouched.
    """
    write_bytes_atomic(path, text.encode(encoding), fsync=fsync)


def write_json_atomic(
    path: str | os.PathLike[str],
    obj: object,
    *,
    indent: int | None = None,
    fsync: bool = False,
) -> None:
    """Replace the file at `path` by `obj` as JSON (UTF-8), in one step.

    `obj` is serialized before any file is created, so a value JSON cannot hold
    leaves the target untouched.

    Raises:
        OSError: as `write_bytes_atomic`.
        TypeError: `obj` holds a value JSON cannot represent.
        ValueError: `obj` holds a circular reference.
    """
    text = json.dumps(obj, indent=indent, ensure_ascii=False)
    write_bytes_atomic(path, text.encode("utf-8"), fsync=fsync)


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_json(path: str | os.PathLike[str]) -> Any:
    """Return the JSON in `path`, or None when it is missing, not JSON (being replaced, or
    damaged: nested too deeply, not UTF-8, an integer of more than 4,300 digits), or a
    symbolic link (never followed: xpm writes none among its records)."""
    try:
        return json.loads(read_regular_file(path))
    except (OSError, ValueError, RecursionError):
        return None
