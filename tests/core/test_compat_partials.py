"""Partial identifiers and resumable tasks, spelled as in experimaestro 2.7.0 (issue 15).

Facts: docs/dev/experimaestro-compat.md, section 8; identifiers: golden/compat-vectors.json.
Proposed xpm API: `param_group`, `partial`, `field(groups=...)`,
`PathGenerator(path, partial=...)` and `ResumableTask`, `GracefulTimeout` from xpm.core,
as experimaestro names them; `config.__partial_identifier__(partial)` (experimaestro keeps
this internal).
"""

from __future__ import annotations

import hashlib
import struct
from pathlib import Path
from typing import Any

import pytest

import xpm.core
from xpm.core import Config, Meta, Param, Task, field, submitting_to

from .golden.compat import VECTORS

ISSUE_15 = pytest.mark.xfail(strict=True, reason="issue 15")


class Workspace:
    """A submitter that runs nothing, with a workspace folder for partial folders."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir

    def job_folder(self, task: Task) -> Path:
        return self.workdir / "jobs" / str(task.__identifier__())

    def submit(self, task: Task, *, launcher: Any, outputs: Any) -> Any:
        return self


class Leaf(Config):
    __xpmid__ = "compat.Leaf"
    x: Param[int]


def _learn_class() -> Any:
    """`Learn` of the vectors: `max_iter` is left out of the `checkpoints` partial."""
    core: Any = xpm.core
    iterations = core.param_group("iterations")
    optimizer = core.param_group("optimizer")

    class Learn(Task):
        __xpmid__ = "compat.Learn"
        checkpoints = core.partial(exclude_groups=[iterations])
        max_iter: Param[int] = field(groups=[iterations])  # type: ignore[call-overload]
        lr: Param[float] = field(groups=[optimizer])  # type: ignore[call-overload]
        model: Param[Leaf]
        path: Meta[Path] = field(default_factory=core.PathGenerator("ckpt", partial=checkpoints))

    return Learn


@ISSUE_15
def test_a_partial_identifier_skips_the_excluded_groups() -> None:
    """Only the top-level parameters outside the excluded groups are hashed."""
    learn_cls = _learn_class()
    learn = learn_cls.C(max_iter=10, lr=0.1, model=Leaf.C(x=1))
    encoding = (
        b"\x00compat.learn"
        + b"\x03lr\x05\x02"
        + struct.pack("!d", 0.1)
        + b"\x03model\x05\x00"
        + Leaf.C(x=1).__identifier__().digest
    )
    partial_id = learn.__partial_identifier__(learn_cls.checkpoints)
    assert partial_id.hex() == hashlib.sha256(encoding).hexdigest()
    assert partial_id.hex() == VECTORS["partial_exclude_group_10"]["partial_identifier"]


@ISSUE_15
def test_tasks_differing_only_in_excluded_groups_share_the_partial_folder(
    tmp_path: Path,
) -> None:
    learn_cls = _learn_class()
    with submitting_to(Workspace(tmp_path)):
        short = learn_cls.C(max_iter=10, lr=0.1, model=Leaf.C(x=1))
        short.submit()
        long = learn_cls.C(max_iter=20, lr=0.1, model=Leaf.C(x=1))
        long.submit()
        other = learn_cls.C(max_iter=10, lr=0.2, model=Leaf.C(x=1))
        other.submit()
    assert short.__identifier__() != long.__identifier__()
    assert short.path == long.path != other.path
    partial_id = VECTORS["partial_exclude_group_10"]["partial_identifier"]
    assert (
        short.path == tmp_path / "partials" / "compat.learn" / "checkpoints" / partial_id / "ckpt"
    )


@ISSUE_15
def test_include_groups_and_exclude_no_group() -> None:
    core: Any = xpm.core
    iterations = core.param_group("iterations")
    optimizer = core.param_group("optimizer")

    class Tune(Task):
        __xpmid__ = "compat.Tune"
        only_optimizer = core.partial(exclude_all=True, include_groups=[optimizer])
        grouped_only = core.partial(exclude_no_group=True)
        max_iter: Param[int] = field(groups=[iterations])  # type: ignore[call-overload]
        lr: Param[float] = field(groups=[optimizer])  # type: ignore[call-overload]
        seed: Param[int]

    tune = Tune.C(max_iter=10, lr=0.1, seed=1)
    only = tune.__partial_identifier__(Tune.only_optimizer).hex()
    grouped = tune.__partial_identifier__(Tune.grouped_only).hex()
    assert only == VECTORS["partial_include_only"]["partial_identifier"]
    assert grouped == VECTORS["partial_exclude_no_group"]["partial_identifier"]


def test_resumable_task_api() -> None:
    """Outside a job with a time limit, remaining_time() is None."""
    core: Any = xpm.core

    class Train(core.ResumableTask):  # type: ignore[misc]
        epochs: Param[int]

    assert issubclass(core.ResumableTask, Task)
    assert issubclass(core.GracefulTimeout, Exception)
    assert Train.C(epochs=1).remaining_time() is None
