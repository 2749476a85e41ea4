"""`params.json`: what a job process reads to rebuild its task, written at submission.

It holds the task's serialized graph (`objects`), the job's names and workspace
(`job`), the folders the job process must put on `sys.path` to import the graph's
classes (`pythonpath`), and for classes defined in the experiment script itself the path
of that script (`main`), which the job process loads without running its experiment, or,
when no file holds them (a notebook, `python -c`), their code (`main_code`, see
`mainsource`).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from xpm.core import Task, XpmError
from xpm.core.plumbing import is_alone, to_dict

from .jobpaths import JobPaths
from .mainsource import MainCode, main_code


def job_params(task: Task, paths: JobPaths, type_id: str, workdir: Path) -> dict[str, Any]:
    """Return the content of `params.json` for `task`'s job.

    Raises:
        XpmError: a class of the task was defined where its code cannot be saved for
            the job process (standard input, the plain Python prompt; see `mainsource`).
    """
    params = to_dict(task, paths.folder)
    params["job"] = {
        "type_id": type_id,
        "identifier": paths.folder.name,
        "name": paths.name,
        "workspace": str(workdir),
    }
    params["pythonpath"] = _import_roots(params["objects"])
    classes = _main_classes(task, params["objects"])
    if classes:
        code = main_code(classes)
        if code is None:
            params["main"] = str(Path(sys.modules["__main__"].__file__ or "").absolute())
        else:
            params["main_code"] = code.to_json()
            roots = params["pythonpath"]
            for root in [_root_of(module) for module in code.modules] + [_cwd(code)]:
                if root is not None and root not in roots:
                    roots.append(root)
    return params


def stores_surely(task: Task) -> bool:
    """Whether `job_params(task, ...)` cannot fail: a task holding only numbers,
    strings, booleans and None, whose class is not the script's. A dry-run, which builds
    `params.json` only for its errors, skips it then (most tasks of a large plan)."""
    return type(task).__module__ != "__main__" and is_alone(task)


def _cwd(code: MainCode) -> str | None:
    """A `python -c` program imports modules of the folder it was started in."""
    return os.getcwd() if code.whole_program else None


def _main_classes(task: Task, objects: list[dict[str, Any]]) -> list[type]:
    """The classes of the graph defined in `__main__` (configs, tasks and enums)."""
    names: list[str] = []

    def visit(value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if key in ("class", "$enum") and isinstance(item, str):
                    module, _, qualname = item.partition(":")
                    if module == "__main__" and qualname not in names:
                        names.append(qualname)
                elif isinstance(item, (dict, list)):
                    visit(item)
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, (dict, list)):
                    visit(item)

    visit(objects)
    if not names:
        return []
    namespaces = [vars(sys.modules["__main__"])] if "__main__" in sys.modules else []
    shell = getattr(sys.modules.get("IPython"), "get_ipython", lambda: None)()
    if shell is not None:
        namespaces.insert(0, shell.user_ns)
    classes: list[type] = []
    for qualname in names:
        cls: Any = type(task) if type(task).__qualname__ == qualname else None
        for namespace in namespaces:
            if cls is not None:
                break
            cls = namespace.get(qualname.partition(".")[0])
            for part in qualname.split(".")[1:]:
                cls = getattr(cls, part, None)
        if not isinstance(cls, type):
            raise XpmError(
                f"{qualname} is defined in __main__ but is not found there any more"
                " (deleted, or defined inside a function): define it at the top level"
            )
        classes.append(cls)
    return classes


_ROOTS: dict[str, str | None] = {}


def _import_roots(objects: list[dict[str, Any]]) -> list[str]:
    """Folders the job process needs on `sys.path` to import the graph's classes.

    A task module next to the experiment script is importable in the experiment (the
    script's folder is on `sys.path`) but not in the job, which runs elsewhere.
    """
    roots: list[str] = []
    for item in objects:
        module = str(item.get("class", "")).partition(":")[0]
        if module not in _ROOTS:
            _ROOTS[module] = _root_of(module)
        root = _ROOTS[module]
        if root is not None and root not in roots:
            roots.append(root)
    return roots


def _root_of(module_name: str) -> str | None:
    module = sys.modules.get(module_name)
    file = getattr(module, "__file__", None)
    if module_name == "__main__" or file is None:
        return None
    path = Path(file).resolve().parent
    for _ in range(module_name.count(".") + (0 if Path(file).stem != "__init__" else 1)):
        path = path.parent
    return str(path)
