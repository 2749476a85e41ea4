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

import xpm.core
from xpm.core import Config, Meta, Param, Task, field, submitting_to

from .golden.compat import VECTORS


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


def test_groups_stay_with_a_default_and_with_an_optional_parameter() -> None:
    """A default (converted at the class statement) and `X | None` (whose default is
    None) keep the parameter's groups: the partial still leaves it out."""
    core: Any = xpm.core
    iterations = core.param_group("iterations")

    class Run(Task):
        __xpmid__ = "compat.Run"
        checkpoints = core.partial(exclude_groups=[iterations])
        max_iter: Param[int] = field(default=10, groups=[iterations])
        warmup: Param[int | None] = field(groups=[iterations])
        lr: Param[float]

    base = Run.C(lr=0.1)  # type: ignore[call-arg]  # warmup: None, as in experimaestro
    longer = Run.C(lr=0.1, max_iter=20, warmup=5)
    assert base.__identifier__() != longer.__identifier__()
    assert base.__partial_identifier__(Run.checkpoints) == longer.__partial_identifier__(
        Run.checkpoints
    )
    other = Run.C(lr=0.2)  # type: ignore[call-arg]
    assert base.__partial_identifier__(Run.checkpoints) != other.__partial_identifier__(
        Run.checkpoints
    )


def test_resumable_task_api() -> None:
    """Outside a job with a time limit, remaining_time() is None."""
    core: Any = xpm.core

    class Train(core.ResumableTask):  # type: ignore[misc]
        epochs: Param[int]

    assert issubclass(core.ResumableTask, Task)
    assert issubclass(core.GracefulTimeout, Exception)
    assert Train.C(epochs=1).remaining_time() is None


def test_a_partial_identifier_counts_what_setmeta_forces_in() -> None:
    """Like the full identifier: a Meta configuration forced in by setmeta(cfg, False)."""
    core: Any = xpm.core
    iterations = core.param_group("iterations")

    class Probe(Task):
        __xpmid__ = "compat.Probe"
        shared = core.partial(exclude_groups=[iterations])
        steps: Param[int] = field(groups=[iterations])  # type: ignore[call-overload]
        helper: Meta[Leaf]

    def pid(steps: int, helper: Leaf) -> str:
        probe = Probe.C(steps=steps, helper=helper)
        return str(probe.__partial_identifier__(Probe.shared))

    forced = [pid(1, xpm.core.setmeta(Leaf.C(x=1), False)), pid(2, Leaf.C(x=1))]
    assert pid(1, Leaf.C(x=1)) == forced[1] != forced[0]
    assert pid(2, xpm.core.setmeta(Leaf.C(x=1), False)) == forced[0]
