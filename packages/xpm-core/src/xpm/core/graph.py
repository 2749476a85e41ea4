"""Walking a configuration graph: children, a task's own job, validation, dependencies.

A configuration graph is a configuration and everything its parameters hold, cycles
included. A submitted task met on the way belongs to its own job: `walk_own` does not
enter it, and `task_dependencies` lists it.
"""

from __future__ import annotations

from .errors import ValidationError
from .spec import prepare
from .state import ConfigBase

TYPE_CHECKING = False  # not typing's: importing xpm.core must stay fast
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any, TypeVar

    from .jobhandle import JobHandle

    T = TypeVar("T", bound=ConfigBase)


def iter_configs(value: Any) -> Iterator[ConfigBase]:
    """Yield the configurations directly held by `value` (itself or inside containers)."""
    if isinstance(value, ConfigBase):
        yield value
    elif isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            yield from iter_configs(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from iter_configs(item)


_LEAVES = frozenset({int, float, str, bool, type(None)})
"""Types of values that hold no configuration (skipped without a generator: hot path)."""


def children(config: ConfigBase) -> Iterator[tuple[str, ConfigBase]]:
    """Yield `(parameter name, sub-config)` for the configs held by `config`'s parameters."""
    values = config.__dict__
    for name in prepare(type(config)).params:
        if name in values:
            value = values[name]
            if type(value) in _LEAVES:
                continue
            if isinstance(value, ConfigBase):
                yield name, value
                continue
            for child in iter_configs(value):
                yield name, child


def walk(root: ConfigBase) -> Iterator[ConfigBase]:
    """Yield every configuration reachable from `root` once, `root` first (cycles are fine)."""
    seen = {id(root)}
    stack = [root]
    while stack:
        config = stack.pop()
        yield config
        for _, child in children(config):
            if id(child) not in seen:
                seen.add(id(child))
                stack.append(child)


def is_submitted(config: ConfigBase) -> bool:
    """True once `config` is a task handed to an experiment (it has a job)."""
    state = config._xpm
    return state is not None and state.job is not None


def submitted_job(task: ConfigBase) -> JobHandle | None:
    """Return the job the experiment gave `task` when it was submitted, or None."""
    state = task._xpm
    job: JobHandle | None = state.job if state is not None else None
    return job


def extra_dependencies(task: ConfigBase) -> list[object]:
    """Return what `task.add_dependencies(...)` added (tokens, tasks, jobs), in order."""
    state = task._xpm
    return list(state.dependencies) if state is not None else []


def is_alone(config: ConfigBase) -> bool:
    """True for a configuration linked to no other: its parameters hold only numbers,
    strings, booleans and None, and it has no init task and is no task's output.

    Large plans are mostly made of such tasks; `walk_own`, which the submission's walks
    go through, answers for them without walking.
    """
    state = config._xpm
    if state is not None and (state.init_tasks or state.task is not None):
        return False
    leaves = _LEAVES
    for value in config.__dict__.values():  # noqa: SIM110 (all() is twice as slow here)
        if type(value) not in leaves:
            return False
    return True


def walk_own(root: ConfigBase) -> Iterator[ConfigBase]:
    """Yield the configurations of `root`'s own job: its graph and its init tasks.

    Other submitted tasks met on the way are not entered: they are dependencies, with
    their own jobs.
    """
    if is_alone(root):
        return iter((root,))
    return _walk_own(root)


def _walk_own(root: ConfigBase) -> Iterator[ConfigBase]:
    state = root._xpm
    starts = [root, *(state.init_tasks if state is not None else ())]
    seen = {id(c) for c in starts}
    stack = list(reversed(starts))
    while stack:
        config = stack.pop()
        yield config
        for _, child in children(config):
            if id(child) not in seen and not is_submitted(child):
                seen.add(id(child))
                stack.append(child)


def validate(root: ConfigBase) -> None:
    """Check that every required parameter of `root`'s graph is set, and that every task
    in it will run.

    Raises:
        ValidationError: one or more parameters are unset (the message lists their full
            paths, `Learner.model.layers`), or the graph holds a task that was never
            submitted (`Concat.says[0]`), which no job would run.
    """
    missing: list[str] = []
    seen = {id(root)}
    queue: list[tuple[ConfigBase, str, Any]] = [(root, type(root).__name__, None)]
    state = root._xpm
    for i, init in enumerate(state.init_tasks if state is not None else ()):
        queue.append((init, f"{type(root).__name__}<init_tasks[{i}]>", None))
    while queue:
        config, path, holder = queue.pop(0)
        spec = prepare(type(config))
        if spec.is_task and holder is not None and never_runs(config):
            raise _never_submitted(root, config, holder, path)
        for name, param in spec.params.items():
            if name not in config.__dict__ and param.is_required:
                missing.append(f"{path}.{name}")
        if spec.stands_for:
            continue  # a SerializedConfig: what it restores is not run by this job
        for name, value in config.__dict__.items():
            if name not in spec.params:
                continue
            for child in iter_configs(value):
                if id(child) not in seen and not is_submitted(child):
                    seen.add(id(child))
                    queue.append((child, f"{path}.{name}", value))
    if missing:
        also = f" (also unset: {', '.join(missing[1:])})" if len(missing) > 1 else ""
        raise ValidationError(
            f"required parameter is not set{also}; set it before submitting",
            path=missing[0],
        )


def _located(value: Any, path: str) -> Iterator[tuple[str, ConfigBase]]:
    """Yield `(path, config)` for the configurations held by `value` (`says[0]`, `m['a']`)."""
    if isinstance(value, ConfigBase):
        yield path, value
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            yield from _located(item, f"{path}[{i}]")
    elif isinstance(value, (set, frozenset)):
        for item in value:
            yield from _located(item, f"{path}{{}}")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _located(item, f"{path}[{key!r}]")


def _never_submitted(root: ConfigBase, child: ConfigBase, value: Any, path: str) -> ValidationError:
    where = next((p for p, c in _located(value, path) if c is child), path)
    return ValidationError(
        f"{type(child).__name__} was never submitted, so it would never run: call "
        f".submit() on it before submitting {type(root).__name__} (or give what its "
        "submit() returns)",
        path=where,
    )


def never_runs(task: ConfigBase) -> bool:
    """True for a task nobody submitted: neither being submitted (sealed) nor an output
    of a task (`dep()`)."""
    state = task._xpm
    return state is None or not (state.sealed or state.task is not None)


def task_dependencies(task: T) -> list[T]:
    """Return the submitted tasks whose outputs `task`'s graph uses, once each."""
    found: dict[int, Any] = {}
    state = task._xpm
    for init in state.init_tasks if state is not None else ():
        if is_submitted(init):  # a submitted task given as init task
            found.setdefault(id(init), init)
    for config in walk_own(task):
        state = config._xpm
        producer = state.task if state is not None else None
        if producer is not None and producer is not task:
            found.setdefault(id(producer), producer)
        for _, child in children(config):
            if child is not task and is_submitted(child):
                found.setdefault(id(child), child)
    return list(found.values())


def unhashable(root: ConfigBase) -> ValidationError:
    """Return the error naming the first value of `root`'s graph that the identifier
    format cannot hold (`int`s beyond 64 bits, objects that are not configurations...).
    """
    import enum

    seen: set[int] = set()

    def visit(value: Any, path: str) -> ValidationError | None:
        if isinstance(value, ConfigBase):
            if id(value) in seen:
                return None
            seen.add(id(value))
            spec = prepare(type(value))
            for param in spec.hashed:
                if param.name in value.__dict__:
                    found = visit(value.__dict__[param.name], f"{path}.{param.name}")
                    if found is not None:
                        return found
            return None
        if isinstance(value, (list, tuple, set, frozenset)):
            for i, item in enumerate(value):
                found = visit(item, f"{path}[{i}]")
                if found is not None:
                    return found
            return None
        if isinstance(value, dict):
            for key, item in value.items():
                found = visit(key, f"{path} key") or visit(item, f"{path}[{key!r}]")
                if found is not None:
                    return found
            return None
        if isinstance(value, int) and not -(2**63) <= value < 2**63:
            return ValidationError(
                "integers must fit in 64 bits to be hashed", path=path, value=value
            )
        if value is None or isinstance(value, (int, float, str, enum.Enum)):
            return None
        return ValidationError(
            f"cannot be hashed: {type(value).__qualname__} values are not part of the "
            "identifier format (use int, float, str, bool, None, Enum, list, set, dict or "
            "a Config; declare paths with Meta or a path generator)",
            path=path,
            value=value,
        )

    return visit(root, type(root).__name__) or ValidationError(
        "cannot be hashed", path=type(root).__name__
    )
