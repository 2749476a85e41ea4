"""The identifier's hot path, generated once per configuration class.

Like the `__init__` that attrs and dataclasses write, the code is specialised to one
class: one block per hashed parameter (no loop, no test on how the parameter is skipped,
byte prefixes as constants, the branch for the declared type first). The bytes are those
`identifier.py` specifies; `identifier.py` supplies the helpers the code calls.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .params import FACTORY, MISSING
from .state import ConfigBase

Encoder = Callable[[dict[str, Any], list[bytes], dict[int, Any], Any], None]
Digester = Callable[[ConfigBase, Any], bytes]

_SCALARS = (bool, int, float, str)

# The test that leaves a parameter out, by `Parameter.skip_equal` (MISSING: never).
_SKIP_IF_NONE = "value is None"
_SKIP_IF_DEFAULT = (
    "(value == skip_{i}) if kind in _SCALAR_TYPES else (skip_{i} == _without_meta(value))"
)

# How one value is encoded after the parameter's `name_bytes`. The branches exclude each
# other, so their order (the declared type first) does not change the bytes.
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
    ConfigBase: """\
if isinstance(value, ConfigBase):
    vstate = value._xpm
    if vstate is None or not vstate.meta:
        append({prefix_config!r})
        vspec = type(value).__xpm_spec__
        known = memo.get(id(value))
        if known is None:
            fast = vspec.plan
            digest = fast(value, ctx) if fast is not None else _digest(value, ctx)
        elif isinstance(known, int):
            _cycle(known, parts, ctx)
            digest = None
        else:
            digest = known
        if digest is not None:
            append(digest)
            if vspec.is_instance:
                _instance(value, digest, parts, ctx)
""",
}
_OTHER = """\
else:
    append({prefix!r})
    _encode(value, parts, ctx)
"""
# In a leaf class (every hashed parameter declared int, float, str or bool), a value of
# another type sends the config to the general path, which tracks cycles.
_LEAF_OTHER = """\
else:
    raise _NotLeafError
"""


def _declared(annotation: Any) -> Any:
    """Return the `_BRANCHES` key that most values of a parameter so declared take."""
    if annotation is bool:
        return int
    if annotation in (str, int, float):
        return annotation
    if isinstance(annotation, type) and issubclass(annotation, ConfigBase):
        return ConfigBase
    return None


def _blocks(params: list[Any], namespace: dict[str, Any], *, leaf: bool) -> list[str]:
    """Return the lines (indented by 4) that append the encodings of `params`."""
    lines: list[str] = []
    for i, param in enumerate(params):
        namespace[f"param_{i}"] = param
        skip = param.skip_equal
        if skip is FACTORY:
            skip = param.factory_skip()
        namespace[f"skip_{i}"] = skip
        prefix = param.name_bytes
        lines += [
            "    try:",
            f"        value = values[{param.name!r}]",
            "    except KeyError:",
            "        raise _UnhashableError from None",
            "    kind = type(value)",
        ]
        first = _declared(param.annotation)
        indent = "    "
        if skip is not MISSING and skip is not None and first in _SCALARS:
            # The usual case, a scalar parameter with a bare default: when the value has
            # the declared type, `value == skip` is the whole test.
            test = _SKIP_IF_DEFAULT.format(i=i)
            lines.append(
                f"    if not ((value == skip_{i}) if kind is {first.__name__} else ({test})):"
            )
            indent = "        "
        elif skip is not MISSING:
            test = _SKIP_IF_NONE if skip is None else _SKIP_IF_DEFAULT
            lines.append(f"    if not ({test.format(i=i)}):")
            indent = "        "
        if leaf:
            order: list[Any] = [first, *(key for key in (str, int, float) if key is not first)]
            tail = _LEAF_OTHER
        else:
            order = [first, *(key for key in _BRANCHES if key is not first)]
            tail = _OTHER
        code = "el".join(_BRANCHES[key] for key in order) + tail
        code = code.format(
            prefix=prefix,
            prefix_str=prefix + b"\x03",
            prefix_int=prefix + b"\x01",
            prefix_float=prefix + b"\x02",
            prefix_none=prefix + b"\x06",
            prefix_config=prefix + b"\x00",
        )
        lines += [indent + line for line in code.splitlines()]
    return lines


def _run(lines: list[str], namespace: dict[str, Any], name: str) -> Any:
    exec(compile("\n".join(lines) + "\n", f"<xpm {name}>", "exec"), namespace)
    return namespace[name]


def compile_encoder(params: list[Any], helpers: dict[str, Any]) -> Encoder:
    """Return `encode(values, parts, memo, ctx)`, appending `params`' encodings to `parts`.

    `params` are sorted by name; `helpers` are the functions of `identifier.py`.
    """
    namespace = dict(helpers)
    lines = ["def encode(values, parts, memo, ctx):", "    append = parts.append"]
    lines += _blocks(params, namespace, leaf=False)
    encode: Encoder = _run(lines, namespace, "encode")
    return encode


def compile_digester(spec: Any, helpers: dict[str, Any]) -> Digester:
    """Return `digest(config, ctx)` for configs of `spec`'s class.

    It handles configs without state (no tags, task, meta mark or seal) whose ignored
    parameters hold no config forced into the identifier; it hands any other config to
    `helpers["_general"]`, which handles them all.
    """
    namespace = dict(helpers)
    namespace["head"] = b"\x00" + spec.type_bytes
    leaf = all(p.annotation in _SCALARS for p in spec.hashed)
    lines = [
        "def digest(config, ctx):",
        "    if config._xpm is not None:",
        "        return _general(config, ctx)",
        "    values = config.__dict__",
    ]
    for i, param in enumerate(spec.ignored_params):
        namespace[f"ignored_{i}"] = param.name
        lines += [
            f"    value = values.get(ignored_{i})",
            "    if isinstance(value, ConfigBase) and value._xpm is not None:",
            "        return _general(config, ctx)",
        ]
    lines += ["    memo = ctx.memo", "    parts = [head]", "    append = parts.append"]
    if leaf:
        # No config below: no cycle and no instance can taint the digest.
        lines += ["    try:", "        pass"]
        lines += ["    " + line for line in _blocks(spec.hashed, namespace, leaf=True)]
        lines += ["    except _NotLeafError:", "        return _general(config, ctx)"]
    else:
        lines += [
            "    key = id(config)",
            "    tainted = ctx.tainted",
            "    memo[key] = len(tainted)",
            "    tainted.append(False)",
        ]
        lines += _blocks(spec.hashed, namespace, leaf=False)
    lines += [
        "    data = b''.join(parts)",
        "    digest = _KNOWN.get(data)",
        "    if digest is None:",
        "        digest = _hash(data)",
    ]
    if leaf:
        lines.append("    memo[id(config)] = digest")
    else:
        lines += [
            "    if tainted.pop():",
            "        del memo[key]",
            "    else:",
            "        memo[key] = digest",
        ]
    lines.append("    return digest")
    digest: Digester = _run(lines, namespace, "digest")
    return digest
