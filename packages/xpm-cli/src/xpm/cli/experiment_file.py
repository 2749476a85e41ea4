"""Experiment files: the YAML that `xpm run-experiment FILE.yaml` reads.

An experiment file names the experiment (`id`), the Python code that runs it (`file`,
default `experiment` next to the YAML, or `module`), extra import folders
(`pythonpath`), and the files it builds on (`parent`, `imports`). Every other key
belongs to the experiment's own configuration, checked later against its
`@configuration` class.

Inheritance is a deep merge. A file's layers are merged in this order, each winning
over the ones before: its `parent`, then its `imports` in order, then its own keys.
So a user's file imports an optimizer's defaults, then a task's defaults; the task's
values win over the optimizer's, and the user's own keys win over both. Paths are
relative to the file that writes them.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, TypeVar

from .configuration_classes import as_plain, is_configuration, load_configuration
from .errors import ConfigurationError, Source
from .grid_search import GRID_KEY, attach_grid, read_grid, split_grid
from .located import Located, Plain, compose, from_node, merge

T = TypeVar("T")

RESERVED_KEYS: Final = ("id", "file", "module", "pythonpath", "parent", "imports")
DEFAULT_FILE: Final = "experiment"


@dataclass(frozen=True)
class ExperimentFile:
    """An experiment file merged with every file it inherits from.

    Attributes:
        path: the file given on the command line, absolute.
        id: the experiment's name.
        file: the Python file that defines the experiment, or None when `module` is set.
        module: the module that defines the experiment, or None when `file` is set.
        pythonpath: folders to put first on `sys.path`, highest precedence first.
        configuration: the merged experiment keys (a mapping), with their sources.
        files: every YAML file read, in merge order (the given file last).
    """

    path: Path
    id: str
    file: Path | None
    module: str | None
    pythonpath: tuple[Path, ...]
    configuration: Located
    files: tuple[Path, ...]


@dataclass
class _Layer:
    configuration: Located
    id: str | None = None
    file: Path | None = None
    module: str | None = None
    pythonpath: list[Path] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)


def load_experiment_file(path: str | os.PathLike[str]) -> ExperimentFile:
    """Return the experiment file at `path`, merged with its parents and imports.

    Raises:
        ConfigurationError: a file cannot be read or parsed, a reserved key has the
            wrong type, a parent is missing, files inherit in a cycle, or no file sets
            `id`. The message names the file and line.
    """
    top = Path(path).absolute()
    layer = _load_layer(top, (), None)
    if layer.id is None:
        raise ConfigurationError(
            "missing required key 'id' (the experiment's name)",
            source=Source(_shown(top)),
        )
    file = layer.file
    if file is None and layer.module is None:
        file = _python_file(top.parent / DEFAULT_FILE)
    return ExperimentFile(
        path=top,
        id=layer.id,
        file=file,
        module=layer.module,
        pythonpath=tuple(layer.pythonpath),
        configuration=layer.configuration,
        files=tuple(layer.files),
    )


def _shown(path: Path) -> str:
    """Return `path` as errors show it: relative to the working folder if inside."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _python_file(path: Path) -> Path:
    return path if path.suffix == ".py" else path.with_name(path.name + ".py")


def _read(
    path: Path,
    chain: tuple[Path, ...],
    named_at: Source | None,
    what: str = "an experiment file",
) -> Located:
    shown = _shown(path)
    where = named_at if named_at is not None else Source(shown)
    if path.resolve() in chain:
        start = chain.index(path.resolve())
        cycle = " -> ".join(_shown(p) for p in (*chain[start:], path.resolve()))
        raise ConfigurationError(f"files inherit from each other in a cycle: {cycle}", source=where)
    from xpm.launchers.plumbing import read_yaml_file

    try:
        text = read_yaml_file(path)
    except OSError as error:
        raise ConfigurationError(
            f"cannot read {shown}: {error.strerror or error}", source=where
        ) from None
    except UnicodeDecodeError as error:
        raise ConfigurationError(f"cannot read {shown}: {error}", source=where) from None
    node = compose(text, shown)
    if node is None:
        return Located({}, Source(shown, 1))
    document = from_node(node, shown)
    if not isinstance(document.value, dict):
        raise ConfigurationError(
            f"{what} must be a mapping of keys to values",
            source=document.source,
        )
    return document


def _string(entry: Located, key: str) -> str:
    if not isinstance(entry.value, str):
        raise ConfigurationError(
            f"expected a string, got {_describe(entry)}", source=entry.source, path=key
        )
    return entry.value


def _strings(entry: Located, key: str) -> list[tuple[str, Source]]:
    if not isinstance(entry.value, list):
        raise ConfigurationError(
            f"expected a list of strings, got {_describe(entry)}",
            source=entry.source,
            path=key,
        )
    return [
        (_string(item, f"{key}[{index}]"), item.source) for index, item in enumerate(entry.value)
    ]


def _describe(entry: Located) -> str:
    if isinstance(entry.value, dict):
        return "a mapping"
    if isinstance(entry.value, list):
        return "a list"
    return f"{entry.value!r} ({type(entry.value).__name__})"


def _load_layer(path: Path, chain: tuple[Path, ...], named_at: Source | None) -> _Layer:
    document = _read(path, chain, named_at)
    assert isinstance(document.value, dict)
    own = dict(document.value)
    reserved = {key: own.pop(key) for key in RESERVED_KEYS if key in own}
    folder = path.parent

    bases: list[tuple[str, Source]] = []
    if "parent" in reserved:
        bases.append((_string(reserved["parent"], "parent"), reserved["parent"].source))
    if "imports" in reserved:
        bases.extend(_strings(reserved["imports"], "imports"))

    layer = _Layer(Located({}, document.source))
    for name, source in bases:
        base_path = Path(os.path.normpath(folder / name))
        base = _load_layer(base_path, (*chain, path.resolve()), source)
        layer.configuration = merge(layer.configuration, base.configuration)
        layer.id = base.id if base.id is not None else layer.id
        if base.file is not None or base.module is not None:
            layer.file, layer.module = base.file, base.module
        layer.pythonpath = base.pythonpath + layer.pythonpath
        layer.files.extend(f for f in base.files if f not in layer.files)

    if "file" in reserved and "module" in reserved:
        raise ConfigurationError(
            "set either 'file' or 'module', not both", source=reserved["module"].where
        )
    if "id" in reserved:
        layer.id = _string(reserved["id"], "id")
    if "file" in reserved:
        layer.file = _python_file(folder / _string(reserved["file"], "file"))
        layer.module = None
    if "module" in reserved:
        layer.module = _string(reserved["module"], "module")
        layer.file = None
    if "pythonpath" in reserved:
        own_paths = [folder / p for p, _ in _strings(reserved["pythonpath"], "pythonpath")]
        layer.pythonpath = own_paths + layer.pythonpath
    layer.pythonpath = list(dict.fromkeys(layer.pythonpath))
    layer.configuration = merge(layer.configuration, Located(own, document.source))
    layer.files.append(path)
    return layer


def merge_layers(*layers: str | os.PathLike[str] | Located) -> Located:
    """Return the deep merge of `layers`, lowest precedence first.

    For experiment code that layers defaults itself: a benchmark merges, for each
    (task, optimizer) pair, the task's `default.yaml`, the optimizer's and the user's
    keys (`helper.configuration`), then checks the result with `load_configuration`.
    A layer is a plain YAML file (`parent` and `imports` are not followed) or a tree
    already read. Mappings merge key by key and other values replace; each value keeps
    where it was written, so an error names the file and line of the winning value.

    Raises:
        ConfigurationError: a file cannot be read, is not YAML, or does not hold a
            mapping; the message names the file and line.
    """
    merged = Located({}, Source("(no layer)"))
    for layer in layers:
        if not isinstance(layer, Located):
            layer = _read(Path(layer).absolute(), (), None, what="a YAML layer")
        merged = merge(merged, layer)
    return merged


def experiment_configuration(
    cls: type[T], experiment: ExperimentFile, overrides: Sequence[str] = ()
) -> T:
    """Return the `@configuration` instance for `experiment`, after `-c` overrides.

    Raises:
        ConfigurationError: an override is malformed, or the merged keys do not fit
            `cls`; a misspelled top-level key may also be suggested as a reserved key
            (`parent`, `imports`, ...).
        ConfigurationTypeError: a field of `cls` has an unsupported annotation.
    """
    return configuration_of(cls, apply_overrides(experiment.configuration, overrides))


def configuration_of(cls: type[T], tree: Located) -> T:
    """Check `tree` (an experiment file's keys) against `cls`; the reserved keys are known.

    A `grid_search` key is checked too, against the fields it sweeps (see grid_search.py).
    """
    own, grid = split_grid(tree)
    cfg = load_configuration(cls, own, reserved=(*RESERVED_KEYS, GRID_KEY))
    read_grid(cfg, grid)
    attach_grid(cfg, grid)
    return cfg


def apply_overrides(configuration: Located, overrides: Sequence[str]) -> Located:
    """Return `configuration` with each `KEY.SUB=VALUE` override merged in, in order.

    VALUE is read as YAML (`10`, `0.1`, `true`, `[1, 2]`, `{lr: 0.1}`); a mapping merges
    into the existing one. Errors name the option, e.g. `option -c lr=0.1`.

    Raises:
        ConfigurationError: the override lacks `=` or a key, or VALUE is not YAML.
    """
    from xpm.launchers.plumbing import YamlSyntaxError, compose_yaml

    for override in overrides:
        origin = f"option -c {override}"
        source = Source(origin)
        key, equal, text = override.partition("=")
        parts = key.strip().split(".")
        if not equal or not all(part.strip() for part in parts):
            raise ConfigurationError(
                "expected KEY=VALUE, where KEY is a dotted path such as optimizer.lr",
                source=source,
            )
        try:
            node = compose_yaml(text)
        except YamlSyntaxError as error:
            raise ConfigurationError(
                f"cannot read the value as YAML: {error.problem}", source=source
            ) from None
        if node is None:
            value = Located(None, source, source, text)
        else:
            value = from_node(node, origin, has_lines=False)
            if not isinstance(value.value, list | dict):
                value = Located(value.value, source, source, text.strip())
        for part in reversed(parts[1:]):
            value = Located({part.strip(): value}, source, source)
        update = Located({parts[0].strip(): value}, source)
        configuration = merge(configuration, update)
    return configuration


def render_yaml(value: Located | Plain | object) -> str:
    """Return `value` as YAML text, for `show`: a merged tree, plain data or a
    `@configuration` instance (enums as their values, paths as strings)."""
    import yaml

    if isinstance(value, Located):
        data: object = value.plain()
    elif is_configuration(value):
        data = as_plain(value)
    else:
        data = value
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=False)
