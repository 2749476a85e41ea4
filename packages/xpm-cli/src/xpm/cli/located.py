"""YAML values that remember where they were written, so errors can name file and line.

Experiment files are read with yaml's `compose`, which keeps a mark on every node; each
node becomes a `Located` value carrying its `Source`. Merging files (inheritance) and
applying `-c` overrides keep the source of whichever value wins.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, TypeAlias

from .errors import ConfigurationError, Source

if TYPE_CHECKING:
    import yaml

Scalar: TypeAlias = bool | int | float | str | None
Plain: TypeAlias = Scalar | list["Plain"] | dict[str, "Plain"]

_SCALAR_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("null", "bool", "int", "float", "str")
)


@dataclass(frozen=True)
class Located:
    """A configuration value and where it was written.

    Attributes:
        value: a scalar, a list of `Located`, or a dict from key to `Located`.
        source: where the value was written.
        key_source: where the key holding this value was written, when in a mapping.
        text: for a scalar given on the command line, the text as typed; a `str`
            field takes it verbatim, so `-c name=007` gives "007", not 7.
    """

    value: Scalar | list[Located] | dict[str, Located]
    source: Source
    key_source: Source | None = None
    text: str | None = None

    @property
    def where(self) -> Source:
        """Return the best place to point at for this value: its key, else itself."""
        return self.key_source if self.key_source is not None else self.source

    def plain(self) -> Plain:
        """Return the value as plain Python data, without sources."""
        if isinstance(self.value, list):
            return [item.plain() for item in self.value]
        if isinstance(self.value, dict):
            return {key: item.plain() for key, item in self.value.items()}
        return self.value


def compose(
    text: str, shown: str, error: type[ConfigurationError] = ConfigurationError
) -> yaml.Node | None:
    """Parse YAML `text` into nodes, which keep line numbers; None for an empty document.

    Raises:
        ConfigurationError: (or the subclass `error`) invalid YAML, naming the file
            `shown` and the line of the problem.
    """
    from xpm.launchers.plumbing import YamlSyntaxError, compose_yaml

    try:
        return compose_yaml(text)
    except YamlSyntaxError as problem:
        raise error(
            f"invalid YAML: {problem.problem}", source=Source(shown, problem.line)
        ) from None


def from_node(node: yaml.Node, origin: str, *, has_lines: bool = True) -> Located:
    """Return the `Located` tree of a composed YAML node read from `origin`.

    Sources name `origin` and the node's line, or `origin` alone when `has_lines` is
    false (a value typed on the command line).

    Scalars tagged null, bool, int, float or str become those Python values; any other
    scalar (a date, say) keeps its text as a string.

    Raises:
        ConfigurationError: a mapping key is not a string, or is written twice.
    """
    import yaml

    constructor = yaml.SafeLoader("")

    def source_of(item: yaml.Node) -> Source:
        mark = item.start_mark
        return Source(origin, mark.line + 1 if has_lines and mark else None)

    def convert(item: yaml.Node, key_source: Source | None) -> Located:
        if isinstance(item, yaml.MappingNode):
            constructor.flatten_mapping(item)
            entries: dict[str, Located] = {}
            for key_node, value_node in item.value:
                key = constructor.construct_object(key_node, deep=True)
                where = source_of(key_node)
                if not isinstance(key, str):
                    raise ConfigurationError(
                        f"keys must be strings, got {key!r} ({type(key).__name__})",
                        source=where,
                    )
                if key in entries:
                    first = entries[key].where.line
                    at = f" (first at line {first})" if first is not None else ""
                    raise ConfigurationError(f"key {key!r} is written twice{at}", source=where)
                entries[key] = convert(value_node, where)
            return Located(entries, source_of(item), key_source)
        if isinstance(item, yaml.SequenceNode):
            items = [convert(child, None) for child in item.value]
            return Located(items, source_of(item), key_source)
        value: Scalar
        if item.tag in _SCALAR_TAGS:
            value = constructor.construct_object(item, deep=True)
        else:
            value = str(item.value)
        return Located(value, source_of(item), key_source)

    return convert(node, None)


def merge(base: Located, update: Located) -> Located:
    """Return `base` deep-merged with `update`; `update` wins.

    Mappings merge key by key, recursively; any other value (scalar or list) in
    `update` replaces the one in `base`. A key added by `update` keeps its source, so
    errors point at the file that wrote the winning value.
    """
    if isinstance(base.value, dict) and isinstance(update.value, dict):
        entries = dict(base.value)
        for key, item in update.value.items():
            entries[key] = merge(entries[key], item) if key in entries else item
        return replace(update, value=entries)
    return update
