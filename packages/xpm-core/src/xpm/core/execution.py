"""Running a task in its job process: folders, restored state, init tasks, `execute()`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .config import Config
from .graph import children, iter_configs, walk_own
from .serializedconfig import SerializedConfig
from .state import state_of
from .task import Task


def execute_task(task: Task, folder: Path) -> None:
    """Run `task` as its job: the job process's whole life after loading params.json.

    Sets `__taskdir__` (and `__maintaskdir__` on sub-tasks), restores every
    `SerializedConfig` (each `initialize()` runs once, and parameters then hold the
    restored configuration itself), calls `__post_init__()` on every configuration that
    defines it (sub-configurations first, as experimaestro does on its instances; it may
    assign parameters, which changes nothing of the job's identity), runs the init tasks
    in order, then `task.execute()`.
    """
    configs = list(walk_own(task))
    for config in configs:
        if isinstance(config, Task):
            state = state_of(config)
            if config is task:
                state.taskdir = folder
            state.maintaskdir = folder
    restored: dict[int, Any] = {}
    for config in reversed(configs):
        if isinstance(config, SerializedConfig) and id(config) not in restored:
            config.initialize()
            restored[id(config)] = config.config
    if restored:
        for config in configs:
            values = config.__dict__
            for name in type(config).__xpm_spec__.params:
                if name in values:
                    values[name] = _substitute(values[name], restored)
    _post_init(task)
    task_state = task._xpm
    for init in task_state.init_tasks if task_state is not None else ():
        init.execute()
    task.execute()


def _post_init(task: Task) -> None:
    done: set[int] = set()

    def visit(config: Config) -> None:
        done.add(id(config))
        for _, child in children(config):
            if id(child) not in done and isinstance(child, Config):
                visit(child)
        hook = getattr(config, "__post_init__", None)
        if hook is not None:
            state = state_of(config)
            sealed, state.sealed = state.sealed, False
            try:
                hook()
            finally:
                state.sealed = sealed

    state = task._xpm
    for root in [*(state.init_tasks if state is not None else ()), task]:
        if id(root) not in done:
            visit(root)


def _substitute(value: Any, restored: dict[int, Any]) -> Any:
    if isinstance(value, Config):
        return restored.get(id(value), value)
    if not any(True for _ in iter_configs(value)):
        return value
    if isinstance(value, list):
        return [_substitute(v, restored) for v in value]
    if isinstance(value, tuple):
        return tuple(_substitute(v, restored) for v in value)
    if isinstance(value, dict):
        return {k: _substitute(v, restored) for k, v in value.items()}
    if isinstance(value, set):
        return {_substitute(v, restored) for v in value}
    return value
