"""`params.json`: what a job process reads to rebuild its task, written at submission.

It holds the task's serialized graph (`objects`), the job's names and workspace
(`job`), the folders the job process must put on `sys.path` to import the graph's
classes (`pythonpath`), and for tasks defined in the experiment script itself the path
of that script (`main`), which the job process loads without running its experiment.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from xpm.core import Task, XpmError
from xpm.core.plumbing import to_dict

from .jobpaths import JobPaths


def job_params(task: Task, paths: JobPaths, type_id: str, workdir: Path) -> dict[str, Any]:
    """Return the content of `params.json` for `task`'s job.

    Raises:
        XpmError: the task's class was defined in an interactive session, where a job
            process cannot import it.
    """
    params = to_dict(task, paths.folder)
    params["job"] = {
        "type_id": type_id,
        "identifier": paths.folder.name,
        "name": paths.name,
        "workspace": str(workdir),
    }
    params["pythonpath"] = _import_roots(params["objects"])
    if type(task).__module__ == "__main__":
        script = getattr(sys.modules["__main__"], "__file__", None)
        if script is None:
            raise XpmError(
                f"{type(task).__qualname__} is defined in an interactive session: job "
                "processes cannot import it; move it to a module (a .py file) and import it"
            )
        params["main"] = str(Path(script).absolute())
    return params


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
