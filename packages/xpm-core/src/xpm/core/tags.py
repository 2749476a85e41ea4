"""Tags: the few experimental values people want to see (in listings, paths and plots).

Tags never change an identifier: they label configurations, they do not define them.
"""

from __future__ import annotations

from .errors import ConfigError, TagConflictWarning
from .graph import children, is_alone
from .params import TaggedValue

TYPE_CHECKING = False  # not typing's: `config.py` imports this module
if TYPE_CHECKING:
    from typing import Any, TypeVar

    from .state import ConfigBase

    T = TypeVar("T")

TagValue = str | int | float | bool


def _safe(text: str) -> str:
    return "".join(c if c.isalnum() or c in "_.,+-" else "-" for c in text)


def tag(value: T) -> T:
    """Tag a parameter value with the parameter's name: `Model.C(epochs=tag(100))`."""
    check_tag("(tag)", value)
    return TaggedValue(value)  # type: ignore[return-value]


def check_tag(name: str, value: Any) -> TagValue:
    """Return `value` if it can be a tag value, else raise `ConfigError`."""
    if isinstance(value, (str, int, float, bool)):
        return value
    raise ConfigError(
        f"tag {name!r} must be a str, int, float or bool, got {type(value).__qualname__}"
    )


def collect_tags(root: ConfigBase) -> dict[str, TagValue]:
    """Return the tags of every configuration reachable from `root`, tasks included.

    The init tasks of a task count as part of it (as in experimaestro): their tags are
    the task's tags too.
    """
    if is_alone(root):
        state = root._xpm
        return dict(state.tags) if state is not None else {}
    found: dict[str, tuple[TagValue, str]] = {}
    seen = {id(root)}
    queue: list[tuple[ConfigBase, str]] = [(root, type(root).__name__)]
    while queue:
        config, where = queue.pop(0)
        state = config._xpm
        if state is not None:
            for name, value in state.tags.items():
                if name not in found:
                    found[name] = (value, where)
                elif found[name][0] != value or type(found[name][0]) is not type(value):
                    import warnings

                    first, first_where = found[name]
                    warnings.warn(
                        f"tag {name!r} has two values: {first!r} (on {first_where}) and "
                        f"{value!r} (on {where}); keeping {first!r}",
                        TagConflictWarning,
                        stacklevel=3,
                    )
            linked = [state.task] if state.task is not None else []
            inits = state.init_tasks
        else:
            linked, inits = [], []
        nexts = [(f"{where}.{name}", child) for name, child in children(config)]
        nexts += [(f"{where}<task>", task) for task in linked]
        nexts += [(f"{where}<init_tasks[{i}]>", init) for i, init in enumerate(inits)]
        for child_where, child in nexts:
            if id(child) not in seen:
                seen.add(id(child))
                queue.append((child, child_where))
    return {name: value for name, (value, _) in found.items()}


def tagspath(config: ConfigBase) -> str:
    """Return a folder name made of `config`'s tags: `k1=v1_k2=v2`, keys sorted.

    The same tags always give the same name, and the name is safe on every file system
    (characters other than letters, digits and `_.,+-` become `-`).
    """
    tags = collect_tags(config)
    return "_".join(f"{_safe(str(key))}={_safe(str(value))}" for key, value in sorted(tags.items()))
