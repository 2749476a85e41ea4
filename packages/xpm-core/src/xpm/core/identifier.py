"""Configuration identifiers: the canonical byte encoding and its SHA-256 digest.

This is a contract: the same configuration gets the same identifier on every machine and
in every release, equal to experimaestro's (so its job folders keep their names). The
byte format is specified in docs/identifiers.md; golden vectors in the tests pin it.
"""

from __future__ import annotations

import enum
import hashlib
import struct
from dataclasses import dataclass
from typing import Any

from .config import MISSING, Config, Kind, prepare
from .errors import ValidationError

_NONE = b"\x06"
_FLOAT = b"\x02"
_INT = b"\x01"
_STR = b"\x03"
_LIST = b"\x07"
_SET = b"\x0e"
_ENUM = b"\x0a"
_DICT = b"\x09"
_OBJECT = b"\x00"
_TASK = b"\x08"
_CYCLE = b"\x0b"
_INIT_TASKS = b"\x0c"
_INSTANCE = b"\x0d"
_pack_d = struct.Struct("!d").pack
_pack_q = struct.Struct("!q").pack
_sha256 = hashlib.sha256


@dataclass(frozen=True, slots=True)
class Identifier:
    """The identifier of a configuration: a SHA-256 digest, shown as 64 hex characters."""

    digest: bytes

    def hex(self) -> str:
        """Return the 64 lowercase hex characters that name the job folder."""
        return self.digest.hex()

    def __str__(self) -> str:
        return self.digest.hex()


class _Context:
    """What one identifier computation tracks: the path (for cycles), instance order."""

    __slots__ = ("index", "instances", "memo", "tainted")

    def __init__(self) -> None:
        self.index: dict[int, int] = {}
        self.tainted: list[bool] = []
        self.instances: dict[bytes, list[int]] = {}
        self.memo: dict[int, bytes] = {}


def identifier(config: Config) -> Identifier:
    """Return the identifier of `config` (see the module docstring).

    Raises:
        ValidationError: a required parameter is unset, or a value cannot be hashed; the
            message gives the parameter path.
    """
    return Identifier(_digest(config, _Context(), type(config).__qualname__))


def _is_meta(value: Any) -> bool:
    if isinstance(value, Config):
        state = value._xpm
        return state is not None and bool(state.meta)
    return False


def _without_meta(value: Any) -> Any:
    if isinstance(value, list):
        return [v for v in value if not _is_meta(v)]
    if isinstance(value, set):
        return {v for v in value if not _is_meta(v)}
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if not _is_meta(v)}
    return value


def _digest(config: Config, ctx: _Context, path: str) -> bytes:
    state = config._xpm
    if state is not None and state.digest is not None:
        return state.digest
    key = id(config)
    memo = ctx.memo.get(key)
    if memo is not None:
        return memo
    spec = type(config).__dict__.get("__xpm_spec__") or prepare(type(config))
    depth = len(ctx.tainted)
    ctx.index[key] = depth
    ctx.tainted.append(False)
    try:
        parts = [_OBJECT]
        if state is not None and state.task is not None and state.task is not config:
            parts.append(_TASK)
            _encode(state.task, parts, ctx, path + "<task>")
        parts.append(spec.type_bytes)
        values = config.__dict__
        params = spec.hashed
        if spec.ignored_params:
            forced = [p for p in spec.ignored_params if _is_forced(values.get(p.name))]
            if forced:
                params = sorted(params + forced, key=lambda p: p.name)
        _encode_params(parts, params, values, ctx, path)
        if state is not None and state.init_tasks:
            parts.append(_INIT_TASKS)
            for task in state.init_tasks:
                _encode(task, parts, ctx, path + "<init task>")
    finally:
        del ctx.index[key]
        tainted = ctx.tainted.pop()
    digest = _sha256(b"".join(parts)).digest()
    if not tainted:
        ctx.memo[key] = digest
        if state is not None and state.sealed and not ctx.instances:
            state.digest = digest
    return digest


def _is_forced(value: Any) -> bool:
    """True for a config that `setmeta(cfg, False)` forces into the identifier."""
    return isinstance(value, Config) and value._xpm is not None and value._xpm.meta is False


def _encode_params(
    parts: list[bytes], params: list[Any], values: dict[str, Any], ctx: _Context, path: str
) -> None:
    for param in params:
        value = values.get(param.name, MISSING)
        if value is MISSING:
            raise ValidationError(
                "is required but was not set", path=f"{path}.{param.name}"
            )
        if param.kind is not Kind.CONSTANT:
            if value is None and param.default is None:
                continue
            if param.ignore_default:
                default = param.default
                if default is MISSING and param.default_factory is not MISSING:
                    default = param.default_factory()
                if default is not MISSING and default is not None:
                    if default == _without_meta(value):
                        continue
        if _is_meta(value):
            continue
        parts.append(param.name_bytes)
        _encode(value, parts, ctx, f"{path}.{param.name}")


def _encode(value: Any, parts: list[bytes], ctx: _Context, path: str) -> None:
    if value is None:
        parts.append(_NONE)
    elif isinstance(value, float):
        parts.append(_FLOAT + _pack_d(value))
    elif isinstance(value, int):
        try:
            parts.append(_INT + _pack_q(value))
        except struct.error:
            raise ValidationError(
                "integers must fit in 64 bits to be hashed", path=path, value=value
            ) from None
    elif isinstance(value, str):
        parts.append(_STR + value.encode("utf-8"))
    elif isinstance(value, (list, tuple)):
        items = [v for v in value if not _is_meta(v)]
        parts.append(_LIST + _pack_d(len(items)))
        for i, item in enumerate(items):
            _encode(item, parts, ctx, f"{path}[{i}]")
    elif isinstance(value, (set, frozenset)):
        items = [v for v in value if not _is_meta(v)]
        parts.append(_SET + _pack_d(len(items)))
        for item in sorted(items, key=_sort_key):
            _encode(item, parts, ctx, path + "{}")
    elif isinstance(value, enum.Enum):
        cls = type(value)
        parts.append(_ENUM + f"{cls.__module__}.{cls.__qualname__}:{value.name}".encode())
    elif isinstance(value, dict):
        parts.append(_DICT)
        items = sorted((k, v) for k, v in value.items() if not _is_meta(v))
        for key, item in items:
            _encode(key, parts, ctx, f"{path} key")
            _encode(item, parts, ctx, f"{path}[{key!r}]")
    elif isinstance(value, Config):
        _encode_config(value, parts, ctx, path)
    else:
        raise ValidationError(
            f"cannot be hashed: {type(value).__qualname__} values are not part of the "
            "identifier format (use int, float, str, bool, None, Enum, list, set, dict or "
            "a Config; declare paths with Meta or a generator)",
            path=path,
            value=value,
        )


def _encode_config(value: Config, parts: list[bytes], ctx: _Context, path: str) -> None:
    parts.append(_OBJECT)
    index = ctx.index.get(id(value))
    if index is not None:
        depth = len(ctx.tainted)
        for i in range(index, depth):
            ctx.tainted[i] = True
        parts.append(_CYCLE + _pack_q(depth - index))
        return
    digest = _digest(value, ctx, path)
    parts.append(digest)
    spec = type(value).__dict__.get("__xpm_spec__") or prepare(type(value))
    if spec.is_instance:
        for i in range(len(ctx.tainted)):
            ctx.tainted[i] = True
        seen = ctx.instances.setdefault(digest, [])
        if id(value) not in seen:
            seen.append(id(value))
        position = seen.index(id(value))
        if position > 0:
            parts.append(_INSTANCE + _pack_q(position))


def _sort_key(value: Any) -> bytes:
    parts: list[bytes] = []
    _encode(value, parts, _Context(), "")
    return _sha256(b"".join(parts)).digest()
