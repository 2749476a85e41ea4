"""Partial identifiers: a folder shared by tasks that differ only in some parameters.

Spelled as in experimaestro. Parameters join groups (`field(groups=[iterations])`); a
`partial(exclude_groups=[iterations])` class attribute names an identifier computed
without them; `PathGenerator("ckpt", partial=checkpoints)` puts a path in the folder
`<workspace>/partials/<type id>/<partial name>/<partial identifier>/`, so that
`Learn(epochs=10)` and `Learn(epochs=20)` share their checkpoints.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing's: importing xpm.core must stay fast
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any


class ParameterGroup:
    """A named group of parameters (see `param_group`); groups are equal by name."""

    __slots__ = ("name",)
    if TYPE_CHECKING:
        name: str

    def __init__(self, name: str) -> None:
        object.__setattr__(self, "name", name)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("a parameter group cannot be changed")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ParameterGroup) and other.name == self.name

    def __hash__(self) -> int:
        return hash(("ParameterGroup", self.name))

    def __repr__(self) -> str:
        return f"param_group({self.name!r})"


def param_group(name: str) -> ParameterGroup:
    """Return the parameter group `name`, for `field(groups=[...])` and `partial(...)`."""
    return ParameterGroup(name)


class Partial:
    """Which parameters a partial identifier leaves out; see `partial`.

    Declared as a class attribute, it takes the attribute's name, which names its
    folder (`<workspace>/partials/<type id>/<name>/...`).
    """

    __slots__ = ("exclude_all", "exclude_groups", "exclude_no_group", "include_groups", "name")

    def __init__(
        self,
        exclude_groups: Iterable[ParameterGroup],
        include_groups: Iterable[ParameterGroup],
        exclude_no_group: bool,
        exclude_all: bool,
    ) -> None:
        self.exclude_groups = frozenset(exclude_groups)
        self.include_groups = frozenset(include_groups)
        self.exclude_no_group = exclude_no_group
        self.exclude_all = exclude_all
        self.name: str | None = None

    def __set_name__(self, owner: type, name: str) -> None:
        if self.name is None:
            self.name = name

    def excludes(self, groups: frozenset[ParameterGroup]) -> bool:
        """True when a parameter in `groups` is left out (experimaestro's order of rules)."""
        if groups & self.include_groups:
            return False
        if self.exclude_all:
            return True
        if not groups:
            return self.exclude_no_group
        return bool(groups & self.exclude_groups)

    def __repr__(self) -> str:
        return f"<partial {self.name or '(unnamed)'}>"


def partial(
    *,
    exclude_groups: Iterable[ParameterGroup] = (),
    include_groups: Iterable[ParameterGroup] = (),
    exclude_no_group: bool = False,
    exclude_all: bool = False,
) -> Any:
    """Declare a partial identifier as a class attribute of a task.

    ```python
    iterations = param_group("iterations")

    class Learn(Task):
        checkpoints = partial(exclude_groups=[iterations])
        epochs: Param[int] = field(groups=[iterations])
        path: Meta[Path] = field(default_factory=PathGenerator("ckpt", partial=checkpoints))
    ```

    A parameter is left out when, in this order: it is in one of `include_groups` (kept),
    `exclude_all` is set (left out), it has no group and `exclude_no_group` is set (left
    out), it is in one of `exclude_groups` (left out); otherwise it is kept. Only the
    top-level parameters are filtered: a sub-configuration counts with its full
    identifier. Typed `Any` so that type checkers accept it in a class body.
    """
    return Partial(exclude_groups, include_groups, exclude_no_group, exclude_all)
