"""The scheduler's only door into xpm.core's internals.

Submitting a task and running a job need a few things xpm.core does not offer to users:
the type id of a task, the dependencies added with `add_dependencies`, the job a task
was submitted as, the serialization of a task's graph, and the hooks of the job process.
Every module of xpm.scheduler gets them from here, so that a change of xpm.core's
plumbing is a change of this file only. The job process imports it too: it loads
nothing beyond xpm.core.
"""

from __future__ import annotations

from typing import Any

from xpm.core import (
    JobContext,
    Task,
    enter_job,
    execute_task,
    from_dict,
    submit_hooks,
    submitting_to,
    task_dependencies,
    to_dict,
)
from xpm.core.config import prepare

__all__ = [
    "JobContext",
    "declared_dependencies",
    "enter_job",
    "execute_task",
    "from_dict",
    "submit_hooks",
    "submitted_job",
    "submitting_to",
    "task_dependencies",
    "to_dict",
    "type_id",
]


def type_id(task: Task) -> str:
    """Return the type id of `task`'s class (its job folder's parent folder)."""
    return prepare(type(task)).type_id


def declared_dependencies(task: Task) -> list[Any]:
    """Return what `task.add_dependencies()` was given (tasks, jobs, token dependencies)."""
    state = task._xpm
    return state.dependencies if state is not None else []


def submitted_job(task: Task) -> Any:
    """Return the job `task` was submitted as (an `xpm.scheduler.Job`), or None."""
    state = task._xpm
    return state.job if state is not None else None
