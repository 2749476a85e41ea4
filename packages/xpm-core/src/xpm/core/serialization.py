"""Configuration graphs to JSON and back: the scheduler stores them as params.json.

Shared sub-configurations stay shared and cycles survive (objects are listed once and
referred to by index); paths under the job folder are stored relative to it; enums, sets,
tuples and dicts with any keys round-trip. A process that imports only xpm.core and the
user's modules can load the file.
"""

from __future__ import annotations

import enum
import importlib
import math
from pathlib import Path
from typing import Any

from .config import Config
from .errors import SerializationError
from .spec import prepare
from .state import State, set_state

FORMAT = "xpm-config"
VERSION = 1


def to_dict(root: Config, folder: Path | None = None) -> dict[str, Any]:
    """Return the JSON-ready form of `root`'s graph; paths under `folder` become relative."""
    index: dict[int, int] = {}
    order: list[Config] = []

    def ref(config: Config) -> int:
        key = id(config)
        if key not in index:
            index[key] = len(order)
            order.append(config)
        return index[key]

    ref(root)
    objects = []
    position = 0
    while position < len(order):
        config = order[position]
        position += 1
        objects.append(_object(config, ref, folder))
    return {"format": FORMAT, "version": VERSION, "root": 0, "objects": objects}


def _object(config: Config, ref: Any, folder: Path | None) -> dict[str, Any]:
    cls = type(config)
    spec = prepare(cls)
    own = config.__dict__
    values = {}
    for name in spec.params:
        if name in own:
            value = own[name]
            if type(value) in _PLAIN:
                values[name] = value
            else:
                values[name] = _value(value, ref, folder, f"{cls.__qualname__}.{name}")
    item: dict[str, Any] = {
        "class": f"{cls.__module__}:{cls.__qualname__}",
        "typeid": spec.type_id,
        "values": values,
    }
    state = config._xpm
    if state is not None:
        if state.sealed and spec.is_task:
            # The job's name: a job process keeps it even if the code now hashes otherwise.
            item["identifier"] = config.__identifier__().hex()
        if state.tags:
            item["tags"] = dict(state.tags)
        if state.meta is not None:
            item["meta"] = state.meta
        if state.task is not None:
            item["task"] = ref(state.task)
        if state.init_tasks:
            item["init_tasks"] = [ref(t) for t in state.init_tasks]
    return item


_PLAIN = frozenset((int, str, bool, type(None)))
"""Types stored as they are (floats are checked: NaN and infinities need a form)."""


def _value(value: Any, ref: Any, folder: Path | None, path: str) -> Any:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"$float": repr(value)}
    if isinstance(value, Config):
        return {"$config": ref(value)}
    if isinstance(value, enum.Enum):
        cls = type(value)
        return {"$enum": f"{cls.__module__}:{cls.__qualname__}", "name": value.name}
    if isinstance(value, Path):
        if folder is not None and value.is_relative_to(folder):
            return {"$path": str(value.relative_to(folder)), "relative": True}
        return {"$path": str(value)}
    if isinstance(value, list):
        return [_value(v, ref, folder, f"{path}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, tuple):
        return {"$tuple": [_value(v, ref, folder, path) for v in value]}
    if isinstance(value, (set, frozenset)):
        items = [_value(v, ref, folder, path) for v in value]
        return {"$set": sorted(items, key=repr)}
    if isinstance(value, dict):
        return {
            "$dict": [
                [_value(k, ref, folder, path), _value(v, ref, folder, f"{path}[{k!r}]")]
                for k, v in value.items()
            ]
        }
    raise SerializationError(
        f"{path}: cannot store a {type(value).__qualname__} value in params.json "
        "(use int, float, str, bool, None, Path, Enum, list, tuple, set, dict or a Config)"
    )


def from_dict(data: Any, folder: Path | None = None, *, keep_identifiers: bool = True) -> Config:
    """Rebuild the graph written by `to_dict`; relative paths are joined to `folder`.

    Parameters added to a class since the file was written get their default; values
    of parameters declared deprecated (`@deprecate`) go through their setter. A task
    keeps the identifier stored with it (its job's name), whatever the code now computes,
    unless `keep_identifiers` is false (`xpm deprecated` compares the two).

    Raises:
        SerializationError: not an xpm file, a newer format version, a class that
            cannot be imported, or a value for a parameter the class no longer declares.
    """
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise SerializationError("not an xpm configuration file (no 'format': 'xpm-config')")
    version = data.get("version")
    if not isinstance(version, int) or version > VERSION:
        raise SerializationError(
            f"configuration format version {version!r} is newer than this xpm-core "
            f"understands ({VERSION}): upgrade xpm-core in the job's environment"
        )
    items = data["objects"]
    configs: list[Config] = []
    for item in items:
        cls = _import_class(item["class"])
        config = object.__new__(cls)  # not cls(): no check, no conversion
        set_state(config, None)
        configs.append(config)
    removed: list[tuple[Config, str, Any]] = []
    for config, item in zip(configs, items, strict=True):
        spec = prepare(type(config))
        values = config.__dict__
        for name, raw in item["values"].items():
            if name in spec.params:
                values[name] = _load(raw, configs, folder)
            else:
                removed.append((config, name, _load(raw, configs, folder)))
        if any(k in item for k in ("tags", "meta", "task", "init_tasks", "identifier")):
            state = State()
            if "identifier" in item and keep_identifiers:
                state.digest = bytes.fromhex(item["identifier"])
                state.origin = (str(item.get("typeid") or spec.type_id), item["identifier"])
            state.tags = dict(item.get("tags", {}))
            state.meta = item.get("meta")
            if "task" in item:
                state.task = configs[item["task"]]
            state.init_tasks = [configs[i] for i in item.get("init_tasks", [])]
            set_state(config, state)
    for config, name, value in removed:
        _convert_removed(config, name, value)
    for config in configs:
        values = config.__dict__
        for param in prepare(type(config)).defaults:
            if param.name not in values:
                values[param.name] = param.make_default()
        own = config._xpm
        if own is None:
            own = State()
            set_state(config, own)
        own.sealed = True
    return configs[data.get("root", 0)]


def _convert_removed(config: Config, name: str, value: Any) -> None:
    """Hand a value stored for a parameter the class no longer declares to the class's
    `@deprecate` setter of that name, or refuse it, saying what to write."""
    setter = prepare(type(config)).deprecated.get(name)
    cls = type(config).__qualname__
    if setter is None:
        raise SerializationError(
            f"{cls}.{name}: the stored configuration sets it, but {cls} has no parameter "
            f"{name!r} any more. Declare it again, or say what it became with a method "
            f"`@deprecate def {name}(self, value): ...` in {cls} (an empty body drops it)"
        )
    setter(config, value)


def _load(raw: Any, configs: list[Config], folder: Path | None) -> Any:
    if isinstance(raw, list):
        return [_load(v, configs, folder) for v in raw]
    if not isinstance(raw, dict):
        return raw
    if "$config" in raw:
        return configs[raw["$config"]]
    if "$path" in raw:
        path = Path(raw["$path"])
        return folder / path if raw.get("relative") and folder is not None else path
    if "$enum" in raw:
        return getattr(_import_class(raw["$enum"]), raw["name"])
    if "$float" in raw:
        return float(raw["$float"])
    if "$tuple" in raw:
        return tuple(_load(v, configs, folder) for v in raw["$tuple"])
    if "$set" in raw:
        return {_load(v, configs, folder) for v in raw["$set"]}
    if "$dict" in raw:
        return {_load(k, configs, folder): _load(v, configs, folder) for k, v in raw["$dict"]}
    raise SerializationError(f"unknown value encoding in configuration file: {raw!r}")


def _import_class(name: str) -> Any:
    module_name, _, qualname = name.partition(":")
    try:
        target: Any = importlib.import_module(module_name)
        for part in qualname.split("."):
            target = getattr(target, part)
    except (ImportError, AttributeError) as exc:
        raise SerializationError(
            f"cannot load {qualname} from module {module_name!r} ({type(exc).__name__}: "
            f"{exc}): make the module importable in the job process (PYTHONPATH, or "
            "install the package)"
        ) from None
    return target


def dumps(root: Config, folder: Path | None = None) -> str:
    """Return `root`'s graph as JSON text (see `to_dict`)."""
    import json

    return json.dumps(to_dict(root, folder), indent=1, ensure_ascii=False)


def loads(text: str, folder: Path | None = None) -> Config:
    """Rebuild a graph from JSON text written by `dumps`.

    Raises:
        SerializationError: invalid JSON, or as `from_dict`.
    """
    import json

    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SerializationError(f"configuration file is not valid JSON: {exc}") from None
    return from_dict(data, folder)
