"""YAML parsed to nodes, which keep the line of every value for messages.

`launchers.yaml`, experiment files (and their `parent` and `imports`), `-c` overrides
and the CLI's settings are all read through `read_yaml_file` and `compose_yaml`, so a
syntax error names its line the same way everywhere; each reader then walks the nodes
and blames the node it cannot use.

The nodes handed out are safe to walk recursively: hostile YAML is refused here, with
its line, before anyone expands it. Aliases may repeat values but not multiply them
past `MAX_VALUES` (a "billion laughs" file would otherwise take minutes and gigabytes),
an alias cannot contain itself, nesting stops at `MAX_DEPTH`, integers keep within
Python's 4,300 digits and strings are real Unicode (no unpaired surrogate).
"""

from __future__ import annotations

import errno
import os
import stat
import sys
from typing import TYPE_CHECKING, Final

from .errors import YamlFileError, YamlSyntaxError

if TYPE_CHECKING:
    import yaml

MAX_BYTES: Final = 1 << 20
"""The largest YAML file xpm reads (1 MiB): configurations are a few kilobytes."""

MAX_VALUES: Final = 100_000
"""The most values a document may hold once its aliases are expanded."""

MAX_DEPTH: Final = 100
"""The deepest nesting of lists and mappings a document may have, aliases expanded."""

_INT_TAG: Final = "tag:yaml.org,2002:int"


def read_yaml_file(path: str | os.PathLike[str]) -> str:
    """Return the text of the YAML file at `path`.

    Devices and FIFOs (`/dev/zero`, a named pipe) are refused without reading a byte
    (they could be endless or block forever), and so is a file over `MAX_BYTES`.

    Raises:
        FileNotFoundError: no file at `path`.
        YamlFileError: not a regular file, or larger than `MAX_BYTES`.
        OSError: the file cannot be read.
        UnicodeDecodeError: the file is not UTF-8 text.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    with os.fdopen(fd, "rb") as file:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = "a folder" if stat.S_ISDIR(mode) else _kind(mode)
            raise YamlFileError(
                errno.EINVAL, f"not a regular file ({kind}); xpm reads YAML from files only"
            )
        data = file.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise YamlFileError(
            errno.EFBIG, f"larger than {MAX_BYTES // 1024} KiB, the most xpm reads from YAML"
        )
    return data.decode("utf-8")


def _kind(mode: int) -> str:
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    return "a socket" if stat.S_ISSOCK(mode) else "not a file"


def compose_yaml(text: str) -> yaml.Node | None:
    """Return the root node of the YAML document `text`, or None when it is empty.

    Nodes carry `start_mark.line` (from 0), which the caller turns into file:line.
    An alias is the node it names (the same object), so walking the tree expands it;
    the checks of this module's docstring make that walk safe.

    Raises:
        YamlSyntaxError: `text` is not valid YAML, or is refused by a check; `line`
            (from 1) is where the parser stopped or the value that was refused.
    """
    import yaml

    try:
        root = yaml.compose(text, Loader=_loader())
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problem = error.problem or error.context or "invalid YAML"
        raise YamlSyntaxError(problem, line=None if mark is None else mark.line + 1) from None
    except yaml.YAMLError as error:
        raise YamlSyntaxError(str(error)) from None
    if root is not None:
        _check_expansion(root)
    return root


_LOADER: type | None = None


def _loader() -> type:
    """A SafeLoader that refuses to nest deeper than `MAX_DEPTH` while composing (the
    composer recurses once per level: 5,000 levels would exhaust Python's stack)."""
    global _LOADER
    if _LOADER is None:
        import yaml

        class DepthLimitedLoader(yaml.SafeLoader):
            depth = 0

            def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
                self.depth += 1
                try:
                    if self.depth > MAX_DEPTH:
                        line = self.peek_event().start_mark.line + 1  # type: ignore[no-untyped-call]
                        raise YamlSyntaxError(
                            f"values nested more than {MAX_DEPTH} levels deep", line=line
                        )
                    return super().compose_node(parent, index)
                finally:
                    self.depth -= 1

        _LOADER = DepthLimitedLoader
    return _LOADER


def _check_expansion(root: yaml.Node) -> None:
    """Refuse a tree whose walk would be endless, huge, too deep or fail on a scalar.

    One pass, without recursion, over each distinct node: the size and depth of a node
    once expanded are computed from its children's, so a billion laughs costs a few
    hundred steps to refuse.
    """
    import yaml

    sizes: dict[int, int] = {}
    depths: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        children = _children(node)
        if children_done:
            open_nodes.discard(key)
            size = 1 + sum(sizes[id(child)] for child in children)
            depth = 1 + max((depths[id(child)] for child in children), default=0)
            if size > MAX_VALUES:
                raise YamlSyntaxError(
                    f"aliases expand this value to more than {MAX_VALUES:,} values; "
                    "an alias (*name) may repeat a value, not multiply a document",
                    line=node.start_mark.line + 1,
                )
            if depth > MAX_DEPTH:
                raise YamlSyntaxError(
                    f"aliases nest this value more than {MAX_DEPTH} levels deep",
                    line=node.start_mark.line + 1,
                )
            sizes[key], depths[key] = size, depth
            continue
        if key in sizes:
            continue
        if isinstance(node, yaml.ScalarNode):
            _check_scalar(node)
        open_nodes.add(key)
        stack.append((node, True))
        for child in children:
            if id(child) in open_nodes:
                raise YamlSyntaxError(
                    "an alias names a value that contains it (a value cannot hold itself)",
                    line=child.start_mark.line + 1,
                )
            if id(child) not in sizes:
                stack.append((child, False))


def _children(node: yaml.Node) -> list[yaml.Node]:
    value = node.value
    if isinstance(value, str):
        return []
    if value and isinstance(value[0], tuple):
        return [item for pair in value for item in pair]
    return list(value)


def _check_scalar(node: yaml.ScalarNode) -> None:
    value: str = node.value
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as error:
        code = ord(value[error.start])
        raise YamlSyntaxError(
            f"the string holds an unpaired surrogate (\\u{code:04x}), which is not a "
            "character; write the character itself, or both halves of its pair",
            line=node.start_mark.line + 1,
        ) from None
    limit = sys.get_int_max_str_digits()
    if node.tag == _INT_TAG and limit and len(value) > limit:
        import yaml

        try:
            yaml.SafeLoader("").construct_object(node)
        except ValueError:
            raise YamlSyntaxError(
                f"an integer of more than {limit:,} digits, the most Python reads; "
                "quote it to keep it as a string",
                line=node.start_mark.line + 1,
            ) from None
