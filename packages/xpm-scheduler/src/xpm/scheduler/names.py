"""The rule for names that become file names of a workspace: experiments and tokens.

An experiment `x` keeps its runs in `<workspace>/experiments/x/` and a token `t` its state
in `<workspace>/tokens/t.json`. A name is therefore one plain path part: letters, digits,
`_`, `.` and `-`, starting with a letter or digit, at most 200 characters. `..`, `/`,
an absolute path, an empty name, a NUL or a newline can never reach the file system.
"""

from __future__ import annotations

import re
from typing import Final

from .errors import ExperimentNameError

MAX_NAME: Final = 200
"""Longest name: a file name (255 bytes) must still hold the suffixes xpm adds."""

_NAME: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


def is_plain_name(name: object) -> bool:
    """Whether `name` is a string that can be one path part of the workspace, as is."""
    return isinstance(name, str) and len(name) <= MAX_NAME and _NAME.fullmatch(name) is not None


def check_experiment_name(name: object, where: str = "") -> str:
    """Return `name` if it can name an experiment's folder.

    Raises:
        ExperimentNameError: `name` is not a string, is empty, or holds anything but
            letters, digits, `_`, `.` and `-` (`../x`, `/abs`, `a/b`, `.`, a NUL...).
    """
    if not is_plain_name(name):
        raise ExperimentNameError(name, where)
    assert isinstance(name, str)
    return name
