"""The values of `launchers.yaml`, read from YAML nodes that know their line and key.

`configfile` walks the file with `ConfigValue`: each accessor checks the type it expects
and, when the value does not fit, raises a `LauncherConfigError` naming the file, the
line and the dotted key, with a hint ("did you mean ...?", the known keys).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml

from .errors import LauncherConfigError, RequirementSyntaxError
from .requirements import parse_duration, parse_memory
from .suggest import close_matches, did_you_mean

GpuOption = Literal["gpus_per_node", "gres"]
"""How a SLURM partition is asked for GPUs: `--gpus-per-node=a100:2` or `--gres=gpu:a100:2`."""


@dataclass(frozen=True)
class ConfigKey:
    """A mapping key as written: its name and its node (for the line)."""

    name: str
    node: yaml.Node
    key: str
    file: Path

    def error(self, problem: str, hint: str = "") -> LauncherConfigError:
        """Return the error to raise for `problem` here, at this line and key."""
        return config_error(self.node, self.key, self.file, problem, hint)


@dataclass(frozen=True)
class ConfigValue:
    """A YAML node with the dotted key that leads to it, to read it or to blame it."""

    node: yaml.Node
    key: str
    file: Path

    def error(self, problem: str, hint: str = "") -> LauncherConfigError:
        """Return the error to raise for `problem` here, at this line and key."""
        return config_error(self.node, self.key, self.file, problem, hint)

    def raw_items(self) -> list[tuple[ConfigKey, ConfigValue]]:
        """Return the pairs of a mapping, checking that keys are text and not repeated."""
        if isinstance(self.node, yaml.ScalarNode) and self.node.tag.endswith(":null"):
            return []
        if not isinstance(self.node, yaml.MappingNode):
            raise self.error(f"expected a mapping (key: value lines), got {self._describe()}")
        pairs: list[tuple[ConfigKey, ConfigValue]] = []
        seen: dict[str, yaml.Node] = {}
        for key_node, value_node in self.node.value:
            if not isinstance(key_node, yaml.ScalarNode) or not key_node.tag.endswith(":str"):
                raise config_error(key_node, self.key, self.file, "keys must be names")
            name = str(key_node.value)
            path = f"{self.key}.{name}" if self.key else name
            if name in seen:
                first = seen[name].start_mark.line + 1
                raise config_error(
                    key_node, path, self.file, f"given twice (first on line {first})"
                )
            seen[name] = key_node
            pairs.append(
                (
                    ConfigKey(name, key_node, path, self.file),
                    ConfigValue(value_node, path, self.file),
                )
            )
        return pairs

    def mapping(
        self, known: Sequence[str], *, required: Sequence[str] = (), allow_null: bool = False
    ) -> dict[str, ConfigValue]:
        """Return the values of a mapping by key; refuse unknown keys, require some."""
        if (
            not allow_null
            and isinstance(self.node, yaml.ScalarNode)
            and self.node.tag.endswith(":null")
        ):
            raise self.error("expected a mapping (key: value lines), got nothing")
        values: dict[str, ConfigValue] = {}
        for key, value in self.raw_items():
            if key.name not in known:
                raise key.error(f"unknown key {key.name!r}", hint=_hint(key.name, known))
            values[key.name] = value
        missing = [name for name in required if name not in values]
        if missing:
            raise self.error(f"missing key {missing[0]!r}", hint=f"known keys: {', '.join(known)}")
        return values

    def named_entries(self) -> list[tuple[str, ConfigValue]]:
        """Return the pairs of a mapping whose keys are free names (partition names)."""
        return [(key.name, value) for key, value in self.raw_items()]

    def sequence(self) -> list[ConfigValue]:
        """Return the items of a list; a single mapping counts as a list of one."""
        if isinstance(self.node, yaml.MappingNode):
            return [self]
        if not isinstance(self.node, yaml.SequenceNode):
            raise self.error(f"expected a list, got {self._describe()}")
        return [
            ConfigValue(node, f"{self.key}[{index}]", self.file)
            for index, node in enumerate(self.node.value)
        ]

    def scalar(self) -> object:
        """Return the Python value of a scalar (text, number, boolean or None)."""
        if not isinstance(self.node, yaml.ScalarNode):
            raise self.error(f"expected a single value, got {self._describe()}")
        return yaml.SafeLoader("").construct_object(self.node)

    def integer(self, at_least: int | None = None) -> int:
        """Return a whole number, at least `at_least`."""
        value = self.scalar()
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.error(f"expected a whole number, got {self._describe()}")
        if at_least is not None and value < at_least:
            raise self.error(f"{value} is too small: use at least {at_least}")
        return value

    def text(self) -> str:
        """Return a piece of text (numbers are read as their text, `2` as "2")."""
        value = self.scalar()
        if value is None or isinstance(value, bool | list | dict):
            raise self.error(f"expected text, got {self._describe()}")
        return str(self.node.value)

    def memory(self) -> int:
        """Return a memory size in bytes, written with a unit (`64G`)."""
        return self._measure(parse_memory, "a memory size with a unit, like 64G or 512M")

    def duration(self) -> int:
        """Return a duration in seconds, written with a unit (`2 days`, `90min`)."""
        return self._measure(parse_duration, "a duration with a unit, like 2d, 12h or 90min")

    def choice(self, words: Sequence[str]) -> str:
        """Return one of `words`."""
        text = self.text()
        if text not in words:
            raise self.error(
                f"{text!r} is not one of {', '.join(words)}",
                hint=_hint(text, words, "values"),
            )
        return text

    def gpu_option(self) -> GpuOption:
        """Return how GPUs are asked for: `gpus_per_node` or `gres`."""
        return "gres" if self.choice(("gpus_per_node", "gres")) == "gres" else "gpus_per_node"

    def _measure(self, read: Callable[[str], int], expected: str) -> int:
        value = self.scalar()
        if not isinstance(value, str):
            raise self.error(f"expected {expected}, got {self._describe()}")
        try:
            return read(value)
        except RequirementSyntaxError as e:
            raise self.error(f"{value!r} is not {expected}: {e.problem}") from None

    def _describe(self) -> str:
        if isinstance(self.node, yaml.MappingNode):
            return "a mapping"
        if isinstance(self.node, yaml.SequenceNode):
            return "a list"
        if self.node.tag.endswith(":null"):
            return "nothing"
        if self.node.tag.endswith(":str"):
            return f"the text {self.node.value!r}"
        return f"{self.node.value}"


def config_error(
    node: yaml.Node, key: str, file: Path, problem: str, hint: str = ""
) -> LauncherConfigError:
    """Return the error for `problem` at `node`'s line, under the dotted `key`."""
    return LauncherConfigError(
        problem, file=file, line=node.start_mark.line + 1, key=key or "(top level)", hint=hint
    )


def _hint(word: str, known: Sequence[str], what: str = "keys") -> str:
    listing = f"known {what}: {', '.join(known)}"
    phrase = did_you_mean(close_matches(word, known, n=1))
    return f"{phrase} ({listing})" if phrase else listing
