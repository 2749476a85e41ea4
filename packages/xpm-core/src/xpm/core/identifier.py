"""Configuration identifiers: the canonical byte encoding and its SHA-256 digest.

This is a contract: the same configuration gets the same identifier on every machine and
in every release, equal to experimaestro's (so its job folders keep their names). The
byte format is specified in docs/identifiers.md; golden vectors in the tests pin it.
"""

from __future__ import annotations

import enum
import hashlib
import struct
from collections.abc import Callable
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
    """What one identifier computation tracks: the path (for cycles), instance order.

    `memo` maps `id(config)` to its digest once known, or to its depth on the path while
    it is being hashed (so one lookup tells a cycle from a config hashed already);
    `tainted[d]` is true when the config at depth `d` met a cycle or an `InstanceConfig`,
    whose encoding depends on the path: its digest is then not memoized.
    """

    __slots__ = ("instances", "memo", "tainted")

    def __init__(self) -> None:
        self.tainted: list[bool] = []
        self.instances: dict[bytes, list[int]] = {}
        self.memo: dict[int, bytes | int] = {}


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


_SCALAR_TYPES = frozenset((int, bool, float, str, type(None)))

# The skip test of each kind of `Parameter.skip_equal` (MISSING: never skipped).
_SKIP_IF_NONE = "value is None"
_SKIP_IF_FACTORY = "_at_default(param_{i}, value)"
_SKIP_IF_DEFAULT = (
    "(value == skip_{i}) if kind in _SCALAR_TYPES else (skip_{i} == _without_meta(value))"
)

# How one parameter value is encoded, after `name_bytes`; the branches exclude each
# other, and the one for the declared type comes first.
_BRANCHES = {
    str: """\
if kind is str:
    append({prefix_str!r} + value.encode("utf-8"))
""",
    int: """\
if kind is int or kind is bool:
    append({prefix_int!r} + _pack_q(value))
""",
    float: """\
if kind is float:
    append({prefix_float!r} + _pack_d(value))
""",
    None: """\
if value is None:
    append({prefix_none!r})
""",
    Config: """\
if isinstance(value, Config):
    vstate = value._xpm
    if vstate is None or not vstate.meta:
        append({prefix_config!r})
        known = memo.get(id(value))
        if known is None:
            digest = _digest(value, ctx)
        elif isinstance(known, int):
            _cycle(known, parts, ctx)
            digest = None
        else:
            digest = known
        if digest is not None:
            append(digest)
            if type(value).__xpm_spec__.is_instance:
                _instance(value, digest, parts, ctx)
""",
}
_OTHER = """\
else:
    append({prefix!r})
    _encode(value, parts, ctx)
"""

_Encoder = Callable[[dict[str, Any], list[bytes], dict[int, Any], "_Context"], None]


def _compile(params: list[Any]) -> _Encoder:
    """Return a function appending the encoding of `params` (sorted by name) to `parts`.

    The identifier's hot loop, generated once per class (as attrs and dataclasses
    generate `__init__`): no loop over parameters and no test on how each is skipped;
    byte prefixes are constants.
    """
    lines = ["def encode(values, parts, memo, ctx):", "    append = parts.append"]
    namespace: dict[str, Any] = {
        "Config": Config,
        "_SCALAR_TYPES": _SCALAR_TYPES,
        "_Unhashable": _Unhashable,
        "_at_default": _at_default,
        "_cycle": _cycle,
        "_digest": _digest,
        "_encode": _encode,
        "_instance": _instance,
        "_pack_d": _pack_d,
        "_pack_q": _pack_q,
        "_without_meta": _without_meta,
    }
    for i, param in enumerate(params):
        namespace[f"param_{i}"] = param
        namespace[f"skip_{i}"] = skip = param.skip_equal
        prefix = param.name_bytes
        lines += [
            "    try:",
            f"        value = values[{param.name!r}]",
            "    except KeyError:",
            "        raise _Unhashable from None",
            "    kind = type(value)",
        ]
        if skip is MISSING:
            indent = "    "
        else:
            if skip is None:
                test = _SKIP_IF_NONE
            elif skip is FACTORY:
                test = _SKIP_IF_FACTORY
            else:
                test = _SKIP_IF_DEFAULT
            lines.append(f"    if not ({test.format(i=i)}):")
            indent = "        "
        first = _declared(param.annotation)
        order = [first, *(key for key in _BRANCHES if key is not first)]
        code = "el".join(_BRANCHES[key] for key in order) + _OTHER
        code = code.format(
            prefix=prefix,
            prefix_str=prefix + _STR,
            prefix_int=prefix + _INT,
            prefix_float=prefix + _FLOAT,
            prefix_none=prefix + _NONE,
            prefix_config=prefix + _OBJECT,
        )
        lines += [indent + line for line in code.splitlines()]
    source = "\n".join(lines) + "\n"
    exec(compile(source, "<xpm identifier encoder>", "exec"), namespace)
    encode: _Encoder = namespace["encode"]
    return encode


def _declared(annotation: Any) -> Any:
    """Return the `_BRANCHES` key most values of a parameter declared so will take."""
    if annotation is bool:
        return int
    if annotation in (str, int, float):
        return annotation
    if isinstance(annotation, type) and issubclass(annotation, Config):
        return Config
    return None


_PLANS: dict[Any, tuple[bytes, _Encoder]] = {}
_FORCED: dict[tuple[Any, ...], _Encoder] = {}


def _plan(spec: Any, values: dict[str, Any]) -> tuple[bytes, _Encoder]:
    """Return the first bytes of the encoding of a config of `spec`, and its encoder.

    `values` are the config's own: an ignored parameter holding a config forced into the
    identifier (`setmeta(cfg, False)`) is encoded too. `spec.plan` keeps the result for
    classes without ignored parameters, the only ones that need no `values`.
    """
    plan = _PLANS.get(spec)
    if plan is None:
        plan = _PLANS[spec] = (_OBJECT + spec.type_bytes, _compile(spec.hashed))
    if not spec.ignored_params:
        spec.plan = plan
        return plan
    forced = [p for p in spec.ignored_params if _is_forced(values.get(p.name))]
    if not forced:
        return plan
    params = sorted(spec.hashed + forced, key=lambda p: p.name)
    key = tuple(params)
    encode = _FORCED.get(key)
    if encode is None:
        encode = _FORCED[key] = _compile(params)
    return plan[0], encode


# Digests of encodings met recently: sub-configurations are often equal from one
# configuration to the next (a grid over a few parameters), and a lookup costs less than
# SHA-256. A pure cache: cleared when full.
_KNOWN: dict[bytes, bytes] = {}
_KNOWN_MAX = 4096


def _digest(config: Config, ctx: _Context) -> bytes:
    """Return the digest of `config`, which is neither on the path nor in `ctx.memo`.

    After an exception `ctx` is left inconsistent; `identifier()` then drops it.
    """
    state: State | None = config._xpm
    if state is not None and state.digest is not None:
        return state.digest
    memo = ctx.memo
    key = id(config)
    spec = type(config).__xpm_spec__
    values = config.__dict__
    head, encode = spec.plan or _plan(spec, values)
    tainted = ctx.tainted
    memo[key] = len(tainted)
    tainted.append(False)
    if state is not None and state.task is not None and state.task is not config:
        parts = [_OBJECT, _TASK]
        _encode_config(state.task, parts, ctx)
        parts.append(spec.type_bytes)
    else:
        parts = [head]
    encode(values, parts, memo, ctx)
    if state is not None and state.init_tasks:
        parts.append(_INIT_TASKS)
        for task in state.init_tasks:
            _encode_config(task, parts, ctx)
    data = b"".join(parts)
    cached = _KNOWN.get(data)
    if cached is None:
        digest = _sha256(data).digest()
        if len(_KNOWN) >= _KNOWN_MAX:
            _KNOWN.clear()
        _KNOWN[data] = digest
    else:
        digest = cached
    if tainted.pop():
        del memo[key]
    else:
        memo[key] = digest
        if state is not None and state.sealed and not ctx.instances:
            state.digest = digest
    return digest


def _at_default(param: Any, value: Any) -> bool:
    default = param.default
    if default is MISSING and param.default_factory is not MISSING:
        default = param.default_factory()
    return default is not MISSING and default is not None and default == _without_meta(value)


def _encode(value: Any, parts: list[bytes], ctx: _Context) -> None:
    kind = type(value)
    if kind is str:
        parts.append(_STR + value.encode("utf-8"))
    elif kind is int or kind is bool:
        parts.append(_INT + _pack_q(value))
    elif kind is float:
        parts.append(_FLOAT + _pack_d(value))
    elif value is None:
        parts.append(_NONE)
    elif kind is list:
        _encode_list(value, parts, ctx)
    elif isinstance(value, Config):
        _encode_config(value, parts, ctx)
    elif isinstance(value, float):
        parts.append(_FLOAT + _pack_d(value))
    elif isinstance(value, int):
        parts.append(_INT + _pack_q(value))
    elif isinstance(value, str):
        parts.append(_STR + value.encode("utf-8"))
    elif isinstance(value, (list, tuple)):
        _encode_list(value, parts, ctx)
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


def _encode_list(value: list[Any] | tuple[Any, ...], parts: list[bytes], ctx: _Context) -> None:
    items: Any = value
    for item in value:
        if isinstance(item, Config) and item._xpm is not None and item._xpm.meta:
            items = [v for v in value if not _is_meta(v)]
            break
    parts.append(_LIST + _pack_d(len(items)))
    for item in items:
        kind = type(item)
        if kind is float:
            parts.append(_FLOAT + _pack_d(item))
        elif isinstance(item, Config):
            _encode_config(item, parts, ctx)
        else:
            _encode(item, parts, ctx)


def _encode_config(value: Config, parts: list[bytes], ctx: _Context) -> None:
    parts.append(_OBJECT)
    known = ctx.memo.get(id(value))
    if known is None:
        digest = _digest(value, ctx)
    elif isinstance(known, int):
        _cycle(known, parts, ctx)
        return
    else:
        digest = known
    parts.append(digest)
    if type(value).__xpm_spec__.is_instance:
        _instance(value, digest, parts, ctx)


def _cycle(index: int, parts: list[bytes], ctx: _Context) -> None:
    """Encode a config met again on the path, at depth `index`: its distance up the path."""
    depth = len(ctx.tainted)
    for i in range(index, depth):
        ctx.tainted[i] = True
    parts.append(_CYCLE + _pack_q(depth - index))


def _instance(value: Config, digest: bytes, parts: list[bytes], ctx: _Context) -> None:
    """Number the distinct `InstanceConfig` objects that share `digest`, after the first."""
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
