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
first key varies slowest, `config_dicts` rows fastest). Fields annotated `GridSearch[T]`
that the file gives several values join the grid too, in field order. Everything is
checked when the file is loaded, each value against its field's type, and errors name
the YAML line. `helper.grid(cfg)` and `generate_grid(cfg)` expand it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import difflib
import itertools
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Generic, NamedTuple, TypeVar

from .configuration_classes import as_plain, convert_value, describe, is_configuration
from .errors import ConfigurationError
from .grid_values import GenericParams, grid_values
from .located import Located

if TYPE_CHECKING:
    from .experiment_helper import ExperimentHelper

T = TypeVar("T")

GRID_KEY: Final = "grid_search"
COUPLED_KEY: Final = "config_dicts"
Tag = str | int | float | bool


class GridPoint(NamedTuple, Generic[T]):
    """One combination of a grid: the configuration, and the swept values as tags.

    Attributes:
        cfg: the experiment's configuration with this combination's values set.
        tags: the values of the keys that take several values in the grid, by dotted
            key (`optimizer.lr`); keys with one value are not tags.
    """

    cfg: T
    tags: dict[str, Tag]


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


def unused_grid(helper: ExperimentHelper, cfg: object) -> str | None:
    """Return a warning when the file sweeps keys that `run` never expanded, else None."""
    node = split_grid(helper.configuration)[1]
    attached = getattr(cfg, _ATTACHED, None)
    if helper.grid_used or (isinstance(attached, _FileGrid) and attached.used):
        return None
    grid = read_grid(cfg, node)
    if grid is None or (node is None and len(grid) == 1):
        return None
    where = node.where if node is not None else helper.experiment_file.path
    what = "grid_search is set" if node is not None else "a GridSearch field takes several values"
    return (
        f"[xpm] warning: {where}: {what}, but run() never iterates"
        " helper.grid(cfg) (or generate_grid(cfg)): nothing was swept"
    )


def generate_grid(cfg: T) -> tuple[list[T], list[dict[str, Tag]]]:
    """Return every combination of the grid, and the tags of each, as experimaestro does.

    The grid is the file's `grid_search` keys (when `cfg` was built by `xpm
    run-experiment`) and the `GridSearch[T]` fields that hold several values, in field
    order (a `grid_search` key replaces the field's values). The first key varies
    slowest, `config_dicts` rows fastest. Tags hold the keys with several values::

        configs, tags = generate_grid(cfg)
        for point, point_tags in zip(configs, tags):
            task = Learn.C(lr=point.lr)
            for name, value in point_tags.items():
                task.tag(name, value)
            task.submit()

    `helper.grid(cfg)` yields the same points and tags the tasks itself.
    """
    attached = getattr(cfg, _ATTACHED, None)
    node = None
    if isinstance(attached, _FileGrid):
        attached.used = True
        node = attached.node
    grid = read_grid(cfg, node)
    points = grid.points(cfg) if grid is not None else [GridPoint(cfg, {})]
    return [point.cfg for point in points], [point.tags for point in points]


def attach_grid(cfg: object, node: Located | None) -> None:
    """Remember the file's `grid_search` on `cfg`, for `generate_grid(cfg)`."""
    with contextlib.suppress(AttributeError):  # __slots__: generate_grid sees the fields
        object.__setattr__(cfg, _ATTACHED, _FileGrid(node))


_ATTACHED: Final = "_xpm_grid_search"


@dataclass
class _FileGrid:
    node: Located | None
    used: bool = False


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
    inline = dict(_inline_axes(cfg, ""))
    explicit: dict[str, tuple[object, ...]] = {}
    rows: tuple[dict[str, object], ...] = ({},)
    if node is not None and node.value not in (None, {}):
        if not isinstance(node.value, dict):
            raise ConfigurationError(
                "expected a mapping of dotted keys to the values they take",
                source=node.source,
                path=GRID_KEY,
            )
        for key, values in node.value.items():
            if key == COUPLED_KEY:
                rows = _rows(cfg, values)
                continue
            field = _field(cfg, key, values)
            explicit[key] = tuple(
                grid_values(
                    lambda n, p, f=field: convert_value(f, n, p),  # type: ignore[misc]
                    values,
                    f"{GRID_KEY}.{key}",
                )
            )
        swept = set(explicit) | {key for key, values in inline.items() if len(values) > 1}
        both = sorted(set(rows[0]) & swept)
        if both:
            raise ConfigurationError(
                f"{', '.join(both)} is swept both alone and in {COUPLED_KEY}: keep one",
                source=node.value[COUPLED_KEY].where,
                path=f"{GRID_KEY}.{COUPLED_KEY}",
            )
    axes = {**inline, **explicit}
    for key in rows[0]:
        axes.pop(key, None)
    if not axes and rows == ({},):
        return None
    return Grid(tuple(axes.items()), rows)


def _inline_axes(cfg: object, prefix: str) -> Iterator[tuple[str, tuple[object, ...]]]:
    """The `GridSearch[T]` fields of `cfg` (nested ones too) that hold `GenericParams`."""
    if isinstance(cfg, type) or not is_configuration(cfg):
        return
    for fld in dataclasses.fields(cfg):  # type: ignore[arg-type]
        value = getattr(cfg, fld.name)
        if isinstance(value, GenericParams):
            yield f"{prefix}{fld.name}", value.values
        elif is_configuration(value):
            yield from _inline_axes(value, f"{prefix}{fld.name}.")


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
