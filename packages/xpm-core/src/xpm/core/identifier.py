"""Configuration identifiers: the canonical byte encoding and its SHA-256 digest.

This is a contract: the same configuration gets the same identifier on every machine and
in every release, equal to experimaestro's (so its job folders keep their names). The
byte format is specified in docs/identifiers.md; golden vectors in the tests pin it.
"""

from __future__ import annotations

import enum
import hashlib
import struct
from typing import Any

from .config import FACTORY, Config, State
from .errors import ValidationError
from .params import MISSING

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


class Identifier:
    """The identifier of a configuration: a SHA-256 digest, shown as 64 hex characters."""

    __slots__ = ("digest",)

    def __init__(self, digest: bytes) -> None:
        self.digest = digest

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Identifier) and other.digest == self.digest

    def __hash__(self) -> int:
        return hash(self.digest)

    def __repr__(self) -> str:
        return f"Identifier({self.digest.hex()!r})"

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


class _Unhashable(Exception):
    """Raised inside the encoder; `identifier()` turns it into a located error."""


def identifier(config: Config) -> Identifier:
    """Return the identifier of `config` (see the module docstring).

    Raises:
        ValidationError: a required parameter is unset, or a value cannot be hashed; the
            message gives the parameter path.
    """
    try:
        return Identifier(_digest(config, _Context()))
    except (_Unhashable, struct.error):
        from .task import validate

        validate(config)
        raise _locate(config) from None


def _is_meta(value: Any) -> bool:
    if isinstance(value, Config):
        state = value._xpm
        return state is not None and bool(state.meta)
    return False


def _is_forced(value: Any) -> bool:
    """True for a config that `setmeta(cfg, False)` forces into the identifier."""
    return isinstance(value, Config) and value._xpm is not None and value._xpm.meta is False


def _without_meta(value: Any) -> Any:
    if isinstance(value, list):
        return [v for v in value if not _is_meta(v)]
    if isinstance(value, set):
        return {v for v in value if not _is_meta(v)}
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if not _is_meta(v)}
    return value


_SCALARS: dict[type, Any] = {
    int: lambda v: _INT + _pack_q(v),
    bool: lambda v: _INT + _pack_q(v),
    float: lambda v: _FLOAT + _pack_d(v),
    str: lambda v: _STR + v.encode("utf-8"),
    type(None): lambda v: _NONE,
}


def _digest(config: Config, ctx: _Context) -> bytes:
    state: State | None = config._xpm
    if state is not None and state.digest is not None:
        return state.digest
    key = id(config)
    memo = ctx.memo.get(key)
    if memo is not None:
        return memo
    spec = type(config).__xpm_spec__
    tainted = ctx.tainted
    ctx.index[key] = len(tainted)
    tainted.append(False)
    try:
        parts = [_OBJECT]
        if state is not None and state.task is not None and state.task is not config:
            parts.append(_TASK)
            _encode_config(state.task, parts, ctx)
        parts.append(spec.type_bytes)
        values = config.__dict__
        params = spec.hashed
        if spec.ignored_params:
            forced = [p for p in spec.ignored_params if _is_forced(values.get(p.name))]
            if forced:
                params = sorted(params + forced, key=lambda p: p.name)
        for param in params:
            value = values.get(param.name, MISSING)
            if value is MISSING:
                raise _Unhashable
            skip = param.skip_equal
            if skip is not MISSING:
                if value is None and skip is None:
                    continue
                scalar = _SCALARS.get(type(value))
                if scalar is not None:
                    if skip is FACTORY:
                        if _at_default(param, value):
                            continue
                    elif skip is not None and value == skip:
                        continue
                elif param.ignore_default and _at_default(param, value):
                    continue
            else:
                scalar = _SCALARS.get(type(value))
            if scalar is not None:
                parts.append(param.name_bytes)
                parts.append(scalar(value))
            elif isinstance(value, Config):
                vstate = value._xpm
                if vstate is None or not vstate.meta:
                    parts.append(param.name_bytes)
                    _encode_config(value, parts, ctx)
            else:
                parts.append(param.name_bytes)
                _encode(value, parts, ctx)
        if state is not None and state.init_tasks:
            parts.append(_INIT_TASKS)
            for task in state.init_tasks:
                _encode_config(task, parts, ctx)
    finally:
        del ctx.index[key]
        is_tainted = tainted.pop()
    digest = _sha256(b"".join(parts)).digest()
    if not is_tainted:
        ctx.memo[key] = digest
        if state is not None and state.sealed and not ctx.instances:
            state.digest = digest
    return digest


def _at_default(param: Any, value: Any) -> bool:
    default = param.default
    if default is MISSING and param.default_factory is not MISSING:
        default = param.default_factory()
    return default is not MISSING and default is not None and default == _without_meta(value)


def _encode(value: Any, parts: list[bytes], ctx: _Context) -> None:
    scalar = _SCALARS.get(type(value))
    if scalar is not None:
        parts.append(scalar(value))
    elif isinstance(value, Config):
        _encode_config(value, parts, ctx)
    elif isinstance(value, float):
        parts.append(_FLOAT + _pack_d(value))
    elif isinstance(value, int):
        parts.append(_INT + _pack_q(value))
    elif isinstance(value, str):
        parts.append(_STR + value.encode("utf-8"))
    elif isinstance(value, (list, tuple)):
        items = [v for v in value if not _is_meta(v)]
        parts.append(_LIST + _pack_d(len(items)))
        for item in items:
            _encode(item, parts, ctx)
    elif isinstance(value, (set, frozenset)):
        items = [v for v in value if not _is_meta(v)]
        parts.append(_SET + _pack_d(len(items)))
        for item in sorted(items, key=_sort_key):
            _encode(item, parts, ctx)
    elif isinstance(value, enum.Enum):
        cls = type(value)
        parts.append(_ENUM + f"{cls.__module__}.{cls.__qualname__}:{value.name}".encode())
    elif isinstance(value, dict):
        parts.append(_DICT)
        for key, item in sorted((k, v) for k, v in value.items() if not _is_meta(v)):
            _encode(key, parts, ctx)
            _encode(item, parts, ctx)
    else:
        raise _Unhashable


def _encode_config(value: Config, parts: list[bytes], ctx: _Context) -> None:
    parts.append(_OBJECT)
    index = ctx.index.get(id(value))
    if index is not None:
        depth = len(ctx.tainted)
        for i in range(index, depth):
            ctx.tainted[i] = True
        parts.append(_CYCLE + _pack_q(depth - index))
        return
    digest = _digest(value, ctx)
    parts.append(digest)
    if type(value).__xpm_spec__.is_instance:
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
    _encode(value, parts, _Context())
    return _sha256(b"".join(parts)).digest()


def _locate(root: Config) -> ValidationError:
    """Find the first value of `root`'s graph that the identifier format cannot hold."""
    seen: set[int] = set()

    def visit(value: Any, path: str) -> ValidationError | None:
        if isinstance(value, Config):
            if id(value) in seen:
                return None
            seen.add(id(value))
            spec = type(value).__xpm_spec__
            for param in spec.hashed:
                if param.name in value.__dict__:
                    found = visit(value.__dict__[param.name], f"{path}.{param.name}")
                    if found is not None:
                        return found
            return None
        if isinstance(value, (list, tuple, set, frozenset)):
            for i, item in enumerate(value):
                found = visit(item, f"{path}[{i}]")
                if found is not None:
                    return found
            return None
        if isinstance(value, dict):
            for key, item in value.items():
                found = visit(key, f"{path} key") or visit(item, f"{path}[{key!r}]")
                if found is not None:
                    return found
            return None
        if isinstance(value, int) and not -(2**63) <= value < 2**63:
            return ValidationError(
                "integers must fit in 64 bits to be hashed", path=path, value=value
            )
        if value is None or isinstance(value, (int, float, str, enum.Enum)):
            return None
        return ValidationError(
            f"cannot be hashed: {type(value).__qualname__} values are not part of the "
            "identifier format (use int, float, str, bool, None, Enum, list, set, dict or "
            "a Config; declare paths with Meta or a path generator)",
            path=path,
            value=value,
        )

    return visit(root, type(root).__name__) or ValidationError(
        "cannot be hashed", path=type(root).__name__
    )
