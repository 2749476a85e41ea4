"""Grid search in experiment files: the `grid_search` key sweeps keys of the configuration.

```yaml
grid_search:
  lr: [0.1, 0.01]                          # these values
  epochs: {range: [10, 40, 10]}            # range(10, 40, 10): 10, 20, 30
  optimizer.weight_decay: {range_mult: [0.0001, 3, 10]}   # 0.0001, 0.001, 0.01
  config_dicts:                            # values that go together
    - {model.hidden: 16, model.layers: 1}
    - {model.hidden: 64, model.layers: 2}
```

Keys are dotted paths to fields of the experiment's `@configuration` class; values are
a list, or a mapping with one of `value`, `values_list`, `range` (`values_range`) and
`range_mult` (`values_mult`), as in experimaestro. The grid is every combination (the
first key varies slowest, `config_dicts` rows fastest). Everything is checked when the
file is loaded, each value against its field's type, and errors name the YAML line.
"""

from __future__ import annotations

import dataclasses
import difflib
import itertools
import types
import typing
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Generic, NamedTuple, TypeVar

from .configuration import as_plain, convert_value, describe, is_configuration
from .errors import ConfigurationError
from .located import Located

if TYPE_CHECKING:
    from .experiment_helper import ExperimentHelper

T = TypeVar("T")

GRID_KEY: Final = "grid_search"
COUPLED_KEY: Final = "config_dicts"
_FORMS: Final = ("range", "range_mult", "value", "values_list", "values_mult", "values_range")


class GridPoint(NamedTuple, Generic[T]):
    """One combination of a grid: the configuration, and the swept values as tags.

    Attributes:
        cfg: the experiment's configuration with this combination's values set.
        tags: the values of the keys that take several values in the grid, by dotted
            key (`optimizer.lr`); keys with one value are not tags.
    """

    cfg: T
    tags: dict[str, str | int | float | bool]


@dataclass(frozen=True)
class Grid:
    """The combinations that a `grid_search` key describes, checked and converted.

    Attributes:
        axes: each independently swept key with its values, in the file's order.
        rows: the `config_dicts` rows (key to value), or a single empty row.
    """

    axes: tuple[tuple[str, tuple[object, ...]], ...]
    rows: tuple[dict[str, object], ...] = ({},)

    def __len__(self) -> int:
        count = len(self.rows)
        for _, values in self.axes:
            count *= len(values)
        return count

    def points(self, cfg: T) -> list[GridPoint[T]]:
        """Return every combination applied to `cfg` (which is left unchanged)."""
        swept = {path for path, values in self.axes if len(values) > 1}
        swept |= {key for key in self.rows[0] if len({repr(r[key]) for r in self.rows}) > 1}
        points = []
        for combination in itertools.product(*(values for _, values in self.axes), self.rows):
            assigned = dict(zip((path for path, _ in self.axes), combination, strict=False))
            assigned.update(combination[-1])  # type: ignore[call-overload]
            point = cfg
            for path, value in assigned.items():
                point = _replaced(point, path.split("."), value)
            tags = {p: _tag(v) for p, v in assigned.items() if p in swept and _tag(v) is not None}
            points.append(GridPoint(point, tags))  # type: ignore[arg-type]
        return points


def unused_grid(helper: ExperimentHelper) -> str | None:
    """Return a warning when the file sweeps keys that `run` never asked for, else None."""
    grid = split_grid(helper.configuration)[1]
    if helper.grid_used or grid is None or grid.value in (None, {}):
        return None
    return (
        f"[xpm] warning: {grid.where}: grid_search is set, but run() never iterates"
        " helper.grid(cfg): nothing was swept"
    )


def split_grid(tree: Located) -> tuple[Located, Located | None]:
    """Return the configuration keys without `grid_search`, and `grid_search` (or None)."""
    if not isinstance(tree.value, dict) or GRID_KEY not in tree.value:
        return tree, None
    rest = {key: value for key, value in tree.value.items() if key != GRID_KEY}
    return dataclasses.replace(tree, value=rest), tree.value[GRID_KEY]


def read_grid(cfg: object, node: Located | None) -> Grid | None:
    """Return the grid that `node` (the `grid_search` value) describes for `cfg`.

    None when there is no grid (no key, or an empty one).

    Raises:
        ConfigurationError: a key names no field, a value does not fit its field, a
            range is empty or malformed, or `config_dicts` rows disagree; the message
            names the file, line and key (`grid_search.lr[1]`).
    """
    if node is None or node.value is None or node.value == {}:
        return None
    if not isinstance(node.value, dict):
        raise ConfigurationError(
            "expected a mapping of dotted keys to the values they take",
            source=node.source,
            path=GRID_KEY,
        )
    axes: list[tuple[str, tuple[object, ...]]] = []
    rows: tuple[dict[str, object], ...] = ({},)
    for key, values in node.value.items():
        if key == COUPLED_KEY:
            rows = _rows(cfg, values)
        else:
            field = _field(cfg, key, values)
            axes.append((key, tuple(_values(field, values, f"{GRID_KEY}.{key}"))))
    both = sorted(set(rows[0]) & {path for path, _ in axes})
    if both:
        where = node.value[COUPLED_KEY]
        raise ConfigurationError(
            f"{', '.join(both)} is swept both alone and in {COUPLED_KEY}: keep one",
            source=where.where,
            path=f"{GRID_KEY}.{COUPLED_KEY}",
        )
    return Grid(tuple(axes), rows)


def _field(cfg: object, dotted: str, node: Located) -> tuple[type, str]:
    """Return the field (class, name) that `dotted` names in `cfg`; check that it is set."""
    path = f"{GRID_KEY}.{dotted}"
    current: object = cfg
    annotation: Any = type(cfg)
    parts = dotted.split(".")
    for depth, part in enumerate(parts):
        owner = _unwrap(annotation)
        if not is_configuration(owner):
            above = ".".join(parts[:depth])
            raise ConfigurationError(
                f"{above} is {describe(annotation)}, not a mapping of keys: grid_search sweeps"
                " fields of @configuration classes",
                source=node.where,
                path=path,
            )
        if current is None:
            above = ".".join(parts[:depth])
            raise ConfigurationError(
                f"{above} is null in the configuration: give it a value to sweep its keys",
                source=node.where,
                path=path,
            )
        fields = [f.name for f in dataclasses.fields(owner) if f.init]
        if part not in fields:
            raise ConfigurationError(
                f"unknown key {part!r} for {owner.__name__} (its keys: {', '.join(fields)})",
                source=node.where,
                path=path,
                suggestions=difflib.get_close_matches(part, fields, n=3),
            )
        annotation = typing.get_type_hints(owner, include_extras=True)[part]
        current = getattr(current, part)
    return owner, parts[-1]


def _unwrap(annotation: Any) -> Any:
    """Return the class an Optional or Annotated annotation holds (itself otherwise)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    options = [a for a in typing.get_args(annotation) if a is not type(None)]
    if origin in (typing.Union, types.UnionType) and len(options) == 1:
        return _unwrap(options[0])
    return annotation


def _values(field: tuple[type, str], node: Located, path: str) -> list[object]:
    """Return the values `node` gives the field `field`, converted to its type."""
    if isinstance(node.value, list):
        return _list(field, node, path)
    if not isinstance(node.value, dict):
        return [convert_value(field, node, path)]
    forms = list(node.value)
    unknown = [form for form in forms if form not in _FORMS]
    if unknown or len(forms) != 1:
        bad = node.value[unknown[0]] if unknown else node
        problem = f"unknown form {unknown[0]!r}" if unknown else f"{len(forms)} forms given"
        raise ConfigurationError(
            f"{problem}: give a list of values, or a mapping with one of {', '.join(_FORMS)}",
            source=bad.where,
            path=path,
            suggestions=difflib.get_close_matches(unknown[0], _FORMS, n=2) if unknown else (),
        )
    form, given = forms[0], node.value[forms[0]]
    where = f"{path}.{form}"
    if form == "value":
        return [convert_value(field, given, where)]
    if form == "values_list":
        return _list(field, given, where)
    numbers: Sequence[float | int] = (
        _range(given, where) if form in ("range", "values_range") else _range_mult(given, where)
    )
    return [convert_value(field, Located(n, given.source), where) for n in numbers]


def _list(field: tuple[type, str], node: Located, path: str) -> list[object]:
    if not isinstance(node.value, list):
        raise ConfigurationError("expected a list of values", source=node.source, path=path)
    if not node.value:
        raise ConfigurationError(
            "an empty list sweeps nothing: give at least one value", source=node.source, path=path
        )
    return [convert_value(field, item, f"{path}[{i}]") for i, item in enumerate(node.value)]


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


def _rows(cfg: object, node: Located) -> tuple[dict[str, object], ...]:
    """The `config_dicts` rows: mappings with the same keys, values checked per key."""
    path = f"{GRID_KEY}.{COUPLED_KEY}"
    if not isinstance(node.value, list) or not node.value:
        raise ConfigurationError(
            "expected a non-empty list of mappings, each setting the same keys together",
            source=node.source,
            path=path,
        )
    rows: list[dict[str, object]] = []
    keys: list[str] | None = None
    for i, row in enumerate(node.value):
        where = f"{path}[{i}]"
        if not isinstance(row.value, dict) or not row.value:
            raise ConfigurationError(
                "expected a non-empty mapping of dotted keys to values",
                source=row.source,
                path=where,
            )
        if keys is None:
            keys = list(row.value)
        elif set(row.value) != set(keys):
            missing = sorted(set(keys) - set(row.value))
            extra = sorted(set(row.value) - set(keys))
            what = "; ".join(
                part
                for part in (
                    f"missing {', '.join(missing)}" if missing else "",
                    f"extra {', '.join(extra)}" if extra else "",
                )
                if part
            )
            raise ConfigurationError(
                f"every row sets the same keys as the first ({', '.join(keys)}): {what}",
                source=row.source,
                path=where,
            )
        rows.append(
            {
                key: convert_value(_field(cfg, key, value), value, f"{where}.{key}")
                for key, value in row.value.items()
            }
        )
    return tuple(rows)


def _replaced(obj: Any, parts: list[str], value: object) -> Any:
    """Return a copy of the @configuration `obj` with the field at `parts` set to `value`."""
    head = parts[0]
    if len(parts) > 1:
        value = _replaced(getattr(obj, head), parts[1:], value)
    return dataclasses.replace(obj, **{head: value})


def _tag(value: object) -> str | int | float | bool | None:
    plain = as_plain(value)
    return plain if isinstance(plain, str | int | float | bool) else None
