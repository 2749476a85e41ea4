"""What the monitor's JSON API answers about one job: details (with the environment it
was submitted from) and log tails. Results are read by `xpm.scheduler.results`.

Every function takes paths already checked by `access` and opens files with
`access.open_in_job` (no symbolic link followed); each reads a bounded amount (a log
chunk, a result file of at most 1 MiB) so a huge file cannot stall the server.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ..attempts import read_attempts
from ..jobpaths import JobPaths
from ..records import read_job
from .access import AccessDenied, open_in_job
from .snapshot import job_summary

LOG_CHUNK = 256 * 1024
"""Most bytes of a log sent in one answer; the page asks again from the new offset."""
LOG_TAIL = 64 * 1024
"""How much of the end of a log the page shows when it opens it."""
RESULT_LIMIT = 1024 * 1024
"""Largest result file read, in bytes."""
PARAMS_LIMIT = 16 * 1024 * 1024
"""Largest `params.json` shown, in bytes."""


def job_detail(paths: JobPaths) -> dict[str, Any]:
    """Return a job's summary, folder, process record, parameters (`params.json`) and,
    for a job submitted more than once, its attempts in words."""
    record = read_job(paths)
    attempts = read_attempts(paths)
    try:
        data = read_job_file(paths, paths.params.name, PARAMS_LIMIT)
        params: Any = None if data is None else json.loads(data)
    except (AccessDenied, ValueError, RecursionError):
        params = None
    return {
        **job_summary(record),
        "folder": str(paths.folder),
        "process": None if record.process is None else dict(record.process),
        "params": params,
        "environment": params.get("environment") if isinstance(params, dict) else None,
        "attempts": [a.describe(record.state.value) for a in attempts] if len(attempts) > 1 else [],
    }


def log_chunk(workdir: Path, paths: JobPaths, stream: str, offset: int) -> dict[str, Any]:
    """Return the bytes of the job's `out` or `err` log from `offset` (negative: the tail).

    The answer holds `start` and `offset` (where the text begins and where to ask
    next), `size` and `text` (decoded as UTF-8, bad bytes replaced). A log that shrank
    (rewritten by a new run) is read again from its start.

    Raises:
        AccessDenied: `stream` is neither `out` nor `err`, or the log is a symbolic link
            or not a regular file.
    """
    if stream not in ("out", "err"):
        raise AccessDenied(f"no log stream {stream!r}")
    path = paths.stdout if stream == "out" else paths.stderr
    fd = open_in_job(paths, path.name)
    if fd is None:
        return {"start": 0, "offset": 0, "size": 0, "text": "", "exists": False}
    with os.fdopen(fd, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        # A negative offset asks for the tail; an offset past the end means the log
        # was rewritten, so read it again from the start.
        start = max(0, size - LOG_TAIL) if offset < 0 else offset if offset <= size else 0
        f.seek(start)
        data = f.read(LOG_CHUNK)
    if offset < 0 and start > 0:
        # Begin the tail at a line start, so no partial line or character is shown.
        cut = data.find(b"\n")
        if cut >= 0:
            data = data[cut + 1 :]
            start += cut + 1
    return {
        "start": start,
        "offset": start + len(data),
        "size": size,
        "text": data.decode("utf-8", errors="replace"),
        "exists": True,
    }


def read_job_file(paths: JobPaths, relative: str, limit: int) -> bytes | None:
    """Read at most `limit` bytes of a job's file; None when it is missing."""
    fd = open_in_job(paths, relative)
    if fd is None:
        return None
    with os.fdopen(fd, "rb") as f:
        return f.read(limit)
