"""The values one swept key takes: a list, `range`, `range_mult`, `value`; `GridSearch[T]`.

A key of `grid_search`, and a field annotated `GridSearch[T]`, take the same forms,
as in experimaestro:

```yaml
lr: [0.1, 0.01]                       # these values (also {values_list: [...]})
epochs: {range: [10, 40, 10]}         # range(10, 40, 10): 10, 20, 30 (also values_range)
decay: {range_mult: [0.0001, 3, 10]}  # 0.0001, 0.001, 0.01 (also values_mult)
layers: {value: 2}                    # one value
```

Each value is checked against the field's type, and errors name the YAML line.
"""

from __future__ import annotations

import difflib
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Final, TypeVar, Union

from .errors import ConfigurationError
from .located import Located

T = TypeVar("T")

FORMS: Final = ("range", "range_mult", "value", "values_list", "values_mult", "values_range")


@dataclass(frozen=True)
class GenericParams:
    """The values a `GridSearch[T]` field was given in the file, checked and converted.

    A field holds one when its YAML value is a list or a mapping such as
    `{range: [1, 4]}`; a single value is stored as itself. `generate_grid(cfg)` (or
    `helper.grid(cfg)`) turns the fields that hold one into combinations.

    Attributes:
        values: the values, in the file's order, converted to the field's type.
    """

    values: tuple[Any, ...]

    @property
    def is_grid(self) -> bool:
        """Whether there are several values (a key with one value is not a tag)."""
        return len(self.values) > 1

    def as_list(self) -> list[Any]:
        """Return the values as a list."""
        return list(self.values)


class _GridMarker:
    """Marks a `GridSearch[T]` annotation for the configuration loader."""


GRID_MARKER: Final = _GridMarker()

GridSearch = Annotated[Union[T, GenericParams], GRID_MARKER]  # noqa: UP007
"""A `@configuration` field that may take several values: `lr: GridSearch[float] = 0.1`.

In YAML the field takes one value (`lr: 0.1`, then it holds a float) or the values to
sweep (`lr: [0.1, 0.01]`, `{range: [...]}`, `{range_mult: [...]}`; then it holds a
`GenericParams`), each checked against `T`.
"""


def swept_type(annotation: Any) -> Any | None:
    """Return T when `annotation` is `GridSearch[T]`, else None."""
    if typing.get_origin(annotation) is not Annotated:
        return None
    inner, *metadata = typing.get_args(annotation)
    if not any(isinstance(m, _GridMarker) for m in metadata):
        return None
    options = tuple(a for a in typing.get_args(inner) if a is not GenericParams)
    return options[0] if len(options) == 1 else Union[options]  # noqa: UP007


Convert = Callable[[Located, str], object]


def grid_values(convert: Convert, node: Located, path: str) -> list[object]:
    """Return the values that `node` gives a swept key, each converted with `convert`.

    Raises:
        ConfigurationError: an unknown form, an empty list or range, a malformed range,
            or a value `convert` refuses; the message names the file, line and key.
    """
    if isinstance(node.value, list):
        return _list(convert, node, path)
    if not isinstance(node.value, dict):
        return [convert(node, path)]
    forms = list(node.value)
    unknown = [form for form in forms if form not in FORMS]
    if unknown or len(forms) != 1:
        bad = node.value[unknown[0]] if unknown else node
        problem = f"unknown form {unknown[0]!r}" if unknown else f"{len(forms)} forms given"
        raise ConfigurationError(
            f"{problem}: give a list of values, or a mapping with one of {', '.join(FORMS)}",
            source=bad.where,
            path=path,
            suggestions=difflib.get_close_matches(unknown[0], FORMS, n=2) if unknown else (),
        )
    form, given = forms[0], node.value[forms[0]]
    where = f"{path}.{form}"
    if form == "value":
        return [convert(given, where)]
    if form == "values_list":
        return _list(convert, given, where)
    numbers: Sequence[float | int] = (
        _range(given, where) if form in ("range", "values_range") else _range_mult(given, where)
    )
    return [convert(Located(n, given.source), where) for n in numbers]


def _list(convert: Convert, node: Located, path: str) -> list[object]:
    if not isinstance(node.value, list):
        raise ConfigurationError("expected a list of values", source=node.source, path=path)
    if not node.value:
        raise ConfigurationError(
            "an empty list sweeps nothing: give at least one value", source=node.source, path=path
        )
    return [convert(item, f"{path}[{i}]") for i, item in enumerate(node.value)]


def _numbers(node: Located, path: str, shape: str, sizes: Sequence[int]) -> list[Located]:
    if not isinstance(node.value, list) or len(node.value) not in sizes:
        raise ConfigurationError(f"expected {shape}", source=node.source, path=path)
    return node.value


def _range(node: Located, path: str) -> list[int]:
    """`[start, stop]` or `[start, stop, step]`: Python's range, stop excluded."""
    shape = "[start, stop] or [start, stop, step], integers (stop is excluded)"
    items = _numbers(node, path, shape, (2, 3))
    for i, item in enumerate(items):
        if not isinstance(item.value, int) or isinstance(item.value, bool):
            raise ConfigurationError(
                f"expected an integer, got {item.value!r}: {shape}",
                source=item.source,
                path=f"{path}[{i}]",
            )
    bounds = [int(typing.cast(int, item.value)) for item in items]
    if len(bounds) == 3 and bounds[2] == 0:
        raise ConfigurationError("the step cannot be 0", source=items[2].source, path=f"{path}[2]")
    numbers = list(range(*bounds))
    if not numbers:
        raise ConfigurationError(
            f"range {bounds} is empty (it counts from start up to stop, excluded):"
            " give a stop beyond the start",
            source=node.source,
            path=path,
        )
    return numbers


def _range_mult(node: Located, path: str) -> list[float | int]:
    """`[start, count, factor]`: start, start * factor, ... (count values)."""
    shape = "[start, count, factor]: count values from start, each factor times the last"
    start, count, factor = _numbers(node, path, shape, (3,))
    first, times = _number(start, f"{path}[0]"), _number(factor, f"{path}[2]")
    if not isinstance(count.value, int) or isinstance(count.value, bool) or count.value < 1:
        raise ConfigurationError(
            f"expected a count of values of at least 1, got {count.value!r}: {shape}",
            source=count.source,
            path=f"{path}[1]",
        )
    return [first * times**i for i in range(count.value)]


def _number(node: Located, path: str) -> float | int:
    """A number; `1e-4` too, which YAML 1.1 (PyYAML) reads as a string."""
    value = node.value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            pass
    raise ConfigurationError(f"expected a number, got {value!r}", source=node.source, path=path)
