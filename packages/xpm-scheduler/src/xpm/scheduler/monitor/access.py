"""Who may ask the monitor anything, and which files of the workspace it may read.

The monitor serves a workspace to a browser on the same machine. Two rules keep that
safe: every request carries the random token printed with the URL (or the cookie set
from it), and every file it reads is named by a validated job id and opened from the
job folder without following any symbolic link (`open_in_job`). A request that breaks
either rule gets 403 or 404 and reads nothing.
"""

from __future__ import annotations

import hmac
import os
import re
from http.cookies import CookieError, SimpleCookie
from pathlib import Path

from ..errors import JobFolderError, JobPathError
from ..jobfolders import check_job_folder, open_job_file
from ..jobpaths import JobPaths

_PART = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]{0,254}")
_RESULT_PART = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]{0,127}")


class AccessDenied(Exception):
    """A request names something the monitor will not read (outside the workspace)."""


def cookie_name(port: int) -> str:
    """Return the cookie that holds the token; cookies ignore ports, so the name has it."""
    return f"xpm_monitor_{port}"


def is_token_valid(given: str | None, token: str) -> bool:
    """Whether `given` is the server's token, compared in constant time."""
    return given is not None and hmac.compare_digest(given.encode(), token.encode())


def cookie_token(header: str | None, name: str) -> str | None:
    """Return the value of cookie `name` in a `Cookie` header, None if absent or malformed."""
    if not header:
        return None
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(header)
    except CookieError:
        return None
    morsel = jar.get(name)
    return None if morsel is None else morsel.value


def is_name_valid(name: str) -> bool:
    """Whether `name` can be one path part (type id, identifier, experiment, run id)."""
    return _PART.fullmatch(name) is not None and ".." not in name


def job_paths(workdir: Path, job_id: str) -> JobPaths:
    """Return the paths of job `<type id>/<identifier>` after checking it names a job folder.

    Raises:
        AccessDenied: the id is malformed (`..`, absolute, extra `/`), or its folder is
            missing, or it or its type folder is a symbolic link.
    """
    type_id, sep, identifier = job_id.partition("/")
    if not sep or not is_name_valid(type_id) or not is_name_valid(identifier):
        raise AccessDenied(f"not a job id: {job_id!r}")
    try:
        paths = JobPaths.of(workdir, type_id, identifier)
    except JobPathError as e:
        raise AccessDenied(str(e)) from e
    if not os.path.lexists(paths.folder):
        raise AccessDenied(f"no job folder for {job_id!r}")
    try:
        check_job_folder(workdir, paths.folder)
    except JobFolderError as e:
        raise AccessDenied(str(e)) from e
    return paths


def relative_parts(relative: str) -> list[str]:
    """Return the parts of a file name relative to a job folder (`metrics.json`, `out/m.json`).

    Raises:
        AccessDenied: `relative` is absolute, empty, deeper than 4 parts, or has a part
            that is `..`, hidden or holds unusual characters.
    """
    parts = relative.split("/")
    if len(parts) > 4 or not all(_RESULT_PART.fullmatch(p) and ".." not in p for p in parts):
        raise AccessDenied(f"not a file name of a job folder: {relative!r}")
    return parts


def open_in_job(paths: JobPaths, relative: str) -> int | None:
    """Open the file `relative` (e.g. `metrics.json`) of a job folder; None when missing.

    Every monitor read of a job's file goes through here: no symbolic link is followed
    from the job folder down, and only regular files are opened. Close the descriptor.

    Raises:
        AccessDenied: `relative` is absolute, has an unusual or `..` part, or one of its
            parts is a symbolic link, or it is not a regular file.
    """
    parts = relative_parts(relative)
    try:
        return open_job_file(paths.folder, parts)
    except FileNotFoundError:
        return None
    except OSError as e:
        raise AccessDenied(f"{relative} of {paths.folder}: {e.strerror or e}") from e
