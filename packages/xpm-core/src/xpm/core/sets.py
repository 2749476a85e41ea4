"""`sealed_set`: a set of configurations, as experimaestro builds one."""

from __future__ import annotations

from .errors import ConfigError, ValidationError
from .graph import never_runs, validate, walk_own
from .state import ConfigBase, state_of

TYPE_CHECKING = False  # not typing's: importing xpm.core must stay fast
if TYPE_CHECKING:
    from typing import Any, TypeVar

    C = TypeVar("C", bound=ConfigBase)


def sealed_set(*configs: C) -> set[C]:
    """Seal `configs` and return them as a set holding one configuration per identifier.

    experimaestro's spelling for a set of configurations (a `Param[set[Model]]` value):
    equal configurations (same identifier) count once, as they do in the identifier of
    any set. Sealed, they can no longer change, so the set stays right.

    Raises:
        ConfigError: an argument is not a configuration.
        ValidationError: a required parameter of one of them is unset, or one is a task
            never submitted (sealed, it would pass for submitted and never run).
    """
    kept: dict[Any, C] = {}
    for i, config in enumerate(configs):
        if not isinstance(config, ConfigBase):
            raise ConfigError(
                f"sealed_set() takes configurations, got {type(config).__qualname__} "
                f"(argument {i + 1})"
            )
        if getattr(type(config), "__xpm_task__", False) and never_runs(config):
            raise ValidationError(
                f"{type(config).__name__} was never submitted, so it would never run: call "
                ".submit() on it before giving it to sealed_set() (or give what its submit() "
                "returns)",
                path=f"sealed_set() argument {i + 1}",
            )
        validate(config)
        for reached in walk_own(config):
            state_of(reached).sealed = True
        identifier = config.__identifier__()  # type: ignore[attr-defined]
        kept.setdefault(identifier, config)
    return set(kept.values())
