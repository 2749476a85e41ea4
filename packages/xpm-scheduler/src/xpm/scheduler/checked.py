"""Values read back from workspace files, checked before anyone uses them.

Every file of a workspace can be damaged: a disk fills, a user edits one, another tool
writes it. Readers take each value through these functions, which return None for a
value that is not what the format says (a string for a time, a huge number, NaN), so
that the CLI and the monitor read a damaged value as absent instead of failing on it.
"""

from __future__ import annotations

import math
from typing import Any

_LAST_TIME = 253402300799.0
"""The last second of the year 9999: no later time is a date Python can print."""

_MAX_PID = 1 << 22
"""Linux never hands out a pid above 2**22 (`/proc/sys/kernel/pid_max`'s ceiling)."""


def number(value: Any) -> float | None:
    """Return `value` as a finite float, or None if it is not a number JSON can hold."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        result = float(value)
    except OverflowError:
        return None
    return result if math.isfinite(result) else None


def timestamp(value: Any) -> float | None:
    """Return `value` as Unix seconds, or None if no date can show it."""
    result = number(value)
    return result if result is not None and 0.0 <= result <= _LAST_TIME else None


def pid(value: Any) -> int | None:
    """Return `value` as a process id, or None: never 0 or negative (process groups)."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if 0 < value < _MAX_PID else None


def integer(value: Any) -> int | None:
    """Return `value` if it is an int (not a bool), else None."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def skipped(path: object, line: int | None, why: str) -> None:
    """Warn that a damaged record was skipped: `xpm: skipped line 3 of <path>: <why>`.

    `logging` is imported here, not by job processes: it brings `threading`, whose fork
    hook costs each job the fork server forks half a millisecond.
    """
    import logging

    where = f"line {line} of {path}" if line is not None else str(path)
    logging.getLogger("xpm.scheduler").warning("xpm: skipped %s: %s", where, why)
