"""Partial identifiers and the folders they name (docs/tasks.md, "Sharing a folder").

A partial identifier is the identifier of a configuration computed without the
top-level parameters its `partial` leaves out; everything else (sub-configurations'
full digests, defaults, the task marker, init tasks) is as in the full identifier, so
it equals experimaestro's.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

from .encoders import Encoder, compile_encoder
from .errors import ConfigError
from .graph import unhashable, validate, walk_own
from .identifier import (
    _INIT_TASKS,
    _OBJECT,
    _TASK,
    Identifier,
    _Context,
    _encode_config,
    _helpers,
    _is_forced,
    _sha256,
    _UnhashableError,
)
from .partials import Partial
from .spec import prepare
from .state import ConfigBase

_ENCODERS: dict[tuple[Any, Partial, tuple[Any, ...]], Encoder] = {}


def partial_identifier(config: ConfigBase, partial: Partial) -> Identifier:
    """Return `config`'s identifier computed without the parameters `partial` leaves out.

    Raises:
        ValidationError: a required parameter is unset, or a value cannot be hashed.
    """
    spec = prepare(type(config))
    values = config.__dict__
    # Ignored parameters holding a configuration forced in with `setmeta(cfg, False)`
    # count, as in the full identifier.
    forced = tuple(p for p in spec.ignored_params if _is_forced(values.get(p.name)))
    encode = _ENCODERS.get((spec, partial, forced))
    if encode is None:
        params = sorted([*spec.hashed, *forced], key=lambda p: p.name)
        kept = [p for p in params if not partial.excludes(p.groups)]
        encode = _ENCODERS[spec, partial, forced] = compile_encoder(kept, _helpers())
    ctx = _Context()
    ctx.memo[id(config)] = 0
    ctx.tainted.append(False)
    state = config._xpm
    try:
        if state is not None and state.task is not None and state.task is not config:
            parts = [_OBJECT, _TASK]
            _encode_config(state.task, parts, ctx)
            parts.append(spec.type_bytes)
        else:
            parts = [_OBJECT + spec.type_bytes]
        encode(values, parts, ctx.memo, ctx)
        if state is not None and state.init_tasks:
            parts.append(_INIT_TASKS)
            for task in state.init_tasks:
                _encode_config(task, parts, ctx)
    except (_UnhashableError, struct.error):
        validate(config)
        raise unhashable(config) from None
    return Identifier(_sha256(b"".join(parts)).digest())


def partial_folder(config: ConfigBase, partial: Partial) -> Path:
    """Return `partials/<type id>/<partial name>/<partial identifier>`, relative to the
    workspace: the folder `config`'s paths generated with `partial` go in.

    Raises:
        ConfigError: `partial` is not a class attribute, so it has no name.
    """
    if partial.name is None:
        raise ConfigError(
            f"{type(config).__name__}: a partial(...) must be a class attribute "
            "(`checkpoints = partial(...)` in the class body): its name names its folder"
        )
    spec = prepare(type(config))
    return Path("partials", spec.type_id, partial.name, partial_identifier(config, partial).hex())


def partial_folders(task: ConfigBase) -> list[Path]:
    """Return the partial folders (relative to the workspace) that `task`'s job writes in:
    one per partial used by a generated path of its own graph, in graph order.

    The scheduler creates them and lets one job at a time write in each.
    """
    found: dict[Path, None] = {}
    for config in walk_own(task):
        for param in prepare(type(config)).generated:
            partial = param.generator.partial if param.generator is not None else None
            if partial is not None:
                found[partial_folder(config, partial)] = None
    return list(found)
