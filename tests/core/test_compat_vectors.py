"""experimaestro 2.7.0's identifiers for the configurations of issues 12 and 15.

`golden/compat-vectors.json` was written by `golden/make_compat_vectors.py`, run with
experimaestro's interpreter. Each vector is a snippet using the names both libraries
share; here it runs against xpm and must give the same identifier (and, for partials, the
same partial identifier and folder). A shared name xpm does not have (none today: issues
12 and 15 brought `param_group`, `partial`, `deprecate` and `sealed_set`) would be a
stand-in that raises, its vectors failing until the feature lands; a vector xpm does not
reproduce yet is listed in `PENDING` with its issue item.
"""

from __future__ import annotations

import sys
import types
from pathlib import Path
from typing import Any

import pytest

import xpm.core
from xpm.core import XpmError, submitting_to

from .golden.compat import DATA, REFUSALS, VECTORS

SHARED = (
    "Config",
    "Task",
    "LightweightTask",
    "Param",
    "Meta",
    "field",
    "tag",
    "param_group",
    "partial",
    "PathGenerator",
    "deprecate",
    "sealed_set",
)

# Vectors xpm does not reproduce yet; remove an entry when its item is implemented
# (strict xfail: a vector that starts passing fails the suite until it is removed here).
PENDING: dict[str, str] = {}

# Snippets experimaestro refuses but xpm accepts on purpose; experimaestro cannot have
# written a job folder for them, so no identifier can disagree.
ACCEPTED_BY_XPM: dict[str, str] = {
    "list_from_tuple": "a tuple given for a list is stored as a list",
    "set_from_list": "a list given for a set is stored as a set",
    "set_of_unsealed_configs": "xpm configurations are hashable before sealing",
    "tuple_param": "tuples are hashed as lists (docs/identifiers.md)",
}


class DryRun:
    """A submitter that keeps nothing and runs nothing, with a workspace for partials."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir

    def job_folder(self, task: Any) -> Path:
        return self.workdir / "jobs" / str(task.__identifier__())

    def submit(self, task: Any, *, launcher: Any, outputs: Any) -> Any:
        return self


def _missing(name: str) -> Any:
    def stand_in(*args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"xpm.core has no {name} yet")

    return stand_in


def _module() -> types.ModuleType:
    module = types.ModuleType(DATA["module"])
    for name in SHARED:
        setattr(module, name, getattr(xpm.core, name, None) or _missing(name))
    sys.modules[DATA["module"]] = module
    return module


def run(source: str, workdir: Path, submit: bool) -> types.ModuleType:
    """Execute a vector's snippet against xpm, inside a submitter when it submits."""
    module = _module()
    try:
        code = compile(source, f"<{DATA['module']}>", "exec")
        if submit:
            with submitting_to(DryRun(workdir)):
                exec(code, module.__dict__)
        else:
            exec(code, module.__dict__)
    finally:
        sys.modules.pop(DATA["module"], None)
    return module


def _cases(table: dict[str, Any], pending: dict[str, str]) -> list[Any]:
    return [
        pytest.param(
            name,
            marks=pytest.mark.xfail(strict=True, reason=pending[name]) if name in pending else (),
        )
        for name in sorted(table)
    ]


def test_the_vectors_come_from_experimaestro_2_7_0() -> None:
    assert DATA["experimaestro"] == "2.7.0"
    assert len(VECTORS) == 69 and len(REFUSALS) == 9
    assert set(PENDING) <= set(VECTORS) | set(REFUSALS)


@pytest.mark.parametrize("name", _cases(VECTORS, PENDING))
def test_compat_identifier(name: str, tmp_path: Path) -> None:
    """The snippet of vector `name` has experimaestro's identifier under xpm."""
    vector = VECTORS[name]
    result = run(vector["source"], tmp_path, vector["submit"]).result
    assert result.__identifier__().hex() == vector["identifier"]
    if vector["partial"] is not None:
        which = getattr(type(result), vector["partial"])
        assert result.__partial_identifier__(which).hex() == vector["partial_identifier"]
    if vector["path_parameter"] is not None:
        value = getattr(result, vector["path_parameter"])
        assert value.relative_to(tmp_path).as_posix() == vector["partial_path"]


@pytest.mark.parametrize("name", _cases(REFUSALS, PENDING))
def test_compat_refusal(name: str, tmp_path: Path) -> None:
    """What experimaestro refuses, xpm refuses too, with its own error (or accepts on purpose)."""
    source = REFUSALS[name]["source"]
    if name in ACCEPTED_BY_XPM:
        run(source, tmp_path, submit=False).result.__identifier__()
        return
    with pytest.raises(XpmError):
        run(source, tmp_path, submit=False).result.__identifier__()
