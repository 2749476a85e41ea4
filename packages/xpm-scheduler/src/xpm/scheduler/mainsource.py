"""The code of task classes that no file holds: notebook cells and `python -c` programs.

A job process rebuilds its task by importing the task's classes. A class defined in a
module or in a script file is found there (the script is re-run up to its first
`experiment(...)`, see `jobprocess`). A class defined in a Jupyter notebook or an IPython
session, or in a `python -c` program, has no file: its code is saved in `params.json`
(`main_code`) at submission, and the job process runs that code instead:

- for a `python -c` program, the program itself (`sys.orig_argv` holds it), which the
  job runs like a script, up to its first `experiment(...)`;
- for a notebook (any IPython shell), the definitions of the classes the task needs,
  with what they use from the notebook: its imports, plain constants and its other
  classes and functions (`notebookcode` builds it).

What cannot be saved is refused at submission with an `XpmError` that says what to do:
a class read from standard input or typed at the plain Python prompt (no source kept),
or a notebook class that uses a notebook value that is neither (a data frame, an open
file, a model): a job process cannot get it.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from xpm.core import XpmError


@dataclass
class MainCode:
    """Code a job process runs as `__main__` before loading its task.

    Attributes:
        origin: Where it comes from, for people: `python -c` or `notebook`.
        source: The code.
        modules: The modules it imports (their folders go on the job's `sys.path`).
        whole_program: True for a program run up to its first `experiment(...)`.
    """

    origin: str
    source: str
    modules: list[str] = field(default_factory=list)
    whole_program: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"origin": self.origin, "source": self.source, "program": self.whole_program}


def main_code(classes: Iterable[type]) -> MainCode | None:
    """Return the code that defines `classes` (all from `__main__`) for a job process.

    None when `__main__` is a script file (the job runs the file itself).

    Raises:
        XpmError: the code cannot be found or saved; the message says what to do.
    """
    classes = list(classes)
    main = sys.modules.get("__main__")
    script = getattr(main, "__file__", None)
    if isinstance(script, str) and os.path.isfile(script):
        return None
    names = ", ".join(sorted({cls.__qualname__ for cls in classes}))
    shell = _ipython()
    if shell is not None:
        # A loop of submissions in one cell builds the code once: any change to the
        # notebook's definitions is a new cell, so the history's length is in the key.
        history = shell.history_manager.input_hist_parsed
        key = (id(shell), len(history), history[-1] if history else "", *map(id, classes))
        if key not in _BUILT:
            from .notebookcode import NotebookCode

            _BUILT.clear()
            source, modules = NotebookCode(shell, names).build(classes)
            _BUILT[key] = MainCode("notebook", source, modules)
        return _BUILT[key]
    if sys.argv[:1] == ["-c"]:
        program = _command_program()
        if program is not None:
            return MainCode("python -c", program, whole_program=True)
    if script == "<stdin>":
        where = "a script read from standard input (python - < file)"
        what = "save the script in a file and run it as `python experiment.py`"
    else:
        where = "the interactive Python prompt"
        what = (
            "define it in a file (a module you import, or the script you run), or in a"
            " Jupyter notebook, whose cells xpm saves with each job"
        )
    raise XpmError(
        f"{names} is defined in {where}, whose code Python does not keep: a job process"
        f" could not load it; {what}"
    )


def _ipython() -> Any:
    ipython = sys.modules.get("IPython")
    get = getattr(ipython, "get_ipython", None)
    return get() if callable(get) else None


def _command_program() -> str | None:
    """The program of `python -c PROGRAM`, from the interpreter's own arguments."""
    argv = sys.orig_argv
    for position, arg in enumerate(argv[1:], start=1):
        if arg == "-c" or re.fullmatch(r"-[bBdEiIOqsSuv]+c", arg):
            return argv[position + 1] if position + 1 < len(argv) else None
        if not arg.startswith("-") or arg in ("-m", "-"):
            return None
    return None


_BUILT: dict[tuple[Any, ...], MainCode] = {}
