"""Tasks inside configurations as experimaestro 2.7.0 treats them (issue 12 items 1, 5, 7).

The facts are in docs/dev/experimaestro-compat.md, section 7; the identifiers in
golden/compat-vectors.json.
"""

from __future__ import annotations

import hashlib
import struct
from pathlib import Path
from typing import Any

import pytest

from xpm.core import (
    Config,
    ConfigError,
    LightweightTask,
    Param,
    Task,
    ValidationError,
    sealed_set,
    submitting_to,
    tag,
    task_dependencies,
)

from .golden.compat import expected


class Recorder:
    """A submitter keeping the tasks it was given; job folders under `root`."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.workdir = root
        self.submitted: list[Task] = []

    def job_folder(self, task: Task) -> Path:
        return self.root / "jobs" / str(task.__identifier__())

    def submit(self, task: Task, *, launcher: Any, outputs: Any) -> Any:
        self.submitted.append(task)
        return self


class Say(Task):
    __xpmid__ = "compat.Say"
    word: Param[str]


class Concat(Task):
    __xpmid__ = "compat.Concat"
    says: Param[list[Say]]


class Uses(Task):
    __xpmid__ = "compat.Uses"
    what: Param[Config]


def test_unsubmitted_task_is_refused_when_given_to_a_task_parameter() -> None:
    """experimaestro refuses it at `.C(...)`, naming the parameter; xpm names the element."""
    with pytest.raises(ConfigError, match=r"Concat\.says\[0\]: .*Say.* never submitted.*submit"):
        Concat.C(says=[Say.C(word="hi")])


def test_unsubmitted_task_is_refused_when_assigned() -> None:
    concat = Concat.C()
    with pytest.raises(ConfigError, match=r"Concat\.says\[0\]"):
        concat.says = [Say.C(word="hi")]


def test_unsubmitted_task_under_a_config_parameter_is_refused_at_submit(tmp_path: Path) -> None:
    """experimaestro silently never runs it; xpm refuses, saying where and what to do."""
    uses = Uses.C(what=Say.C(word="hi"))
    with (
        submitting_to(Recorder(tmp_path)) as recorder,
        pytest.raises(ValidationError, match=r"Uses\.what: Say was never submitted.*\.submit\(\)"),
    ):
        uses.submit()
    assert recorder.submitted == []


def test_submitted_tasks_given_as_parameters_are_dependencies(tmp_path: Path) -> None:
    with submitting_to(Recorder(tmp_path)) as recorder:
        say = Say.C(word="hi")
        say.submit()
        concat = Concat.C(says=[say])
        concat.submit()
    assert recorder.submitted == [say, concat]
    assert task_dependencies(concat) == [say]


class Prepare(LightweightTask):
    __xpmid__ = "compat.Prepare"
    p: Param[int]


class Warmup(Task):
    __xpmid__ = "compat.Warmup"
    p: Param[int]


class Main(Task):
    __xpmid__ = "compat.Main"
    x: Param[int]


def test_tags_of_init_tasks_are_tags_of_the_task(tmp_path: Path) -> None:
    main = Main.C(x=tag(1))
    with submitting_to(Recorder(tmp_path)):
        main.submit(init_tasks=[Prepare.C(p=tag(7))])
    assert main.tags() == {"p": 7, "x": 1}


def test_a_task_is_accepted_as_init_task_and_hashed_after_the_parameters(
    tmp_path: Path,
) -> None:
    """`0c`, then `00` and the init task's own digest, as for a lightweight task."""
    main = Main.C(x=2)
    warmup = Warmup.C(p=3)
    with submitting_to(Recorder(tmp_path)):
        main.submit(init_tasks=[warmup])
    encoding = (
        b"\x00compat.main"
        + b"\x03x\x05\x01"
        + struct.pack("!q", 2)
        + b"\x0c\x00"
        + warmup.__identifier__().digest
    )
    assert main.__identifier__().hex() == hashlib.sha256(encoding).hexdigest()
    assert main.__identifier__().hex() == expected("init_task_is_task")


def test_an_unsubmitted_task_as_init_task_is_accepted_and_its_tags_count(
    tmp_path: Path,
) -> None:
    """Item 1 refuses a task that would never run; an init task runs in the job (item 7),
    so it is accepted unsubmitted, and its tags are the task's (item 5)."""
    main = Main.C(x=tag(1))
    with submitting_to(Recorder(tmp_path)):
        main.submit(init_tasks=[Warmup.C(p=tag(5))])
    assert main.tags() == {"p": 5, "x": 1}


def test_sealed_set_refuses_a_task_never_submitted(tmp_path: Path) -> None:
    """Sealed, a task would pass for one being submitted: sealed_set (item 7) refuses an
    unsubmitted one as item 1 refuses it in a plain set, and keeps a submitted one."""
    with pytest.raises(ValidationError, match=r"sealed_set\(\) argument 1: Say was never"):
        sealed_set(Say.C(word="a"))
    with submitting_to(Recorder(tmp_path)):
        said = Say.C(word="c")
        said.submit()
        assert sealed_set(said) == {said}


def test_a_submitted_task_as_init_task_is_also_a_dependency(tmp_path: Path) -> None:
    with submitting_to(Recorder(tmp_path)):
        warmup = Warmup.C(p=4)
        warmup.submit()
        main = Main.C(x=3)
        main.submit(init_tasks=[warmup])
    assert task_dependencies(main) == [warmup]
    assert main.__identifier__().hex() == expected("init_task_submitted_task")


def test_init_tasks_must_still_be_tasks(tmp_path: Path) -> None:
    """A plain configuration is not work to run: refused, naming its position."""
    with (
        submitting_to(Recorder(tmp_path)),
        pytest.raises(ConfigError, match=r"init_tasks\[0\]"),
    ):
        Main.C(x=1).submit(init_tasks=[Plain.C(v=1)])  # type: ignore[list-item]


class Plain(Config):
    __xpmid__ = "compat.Plain"
    v: Param[int]


def test_the_task_being_submitted_is_accepted_in_its_own_outputs(tmp_path: Path) -> None:
    """Inside `task_outputs` the task is not yet submitted, but it will run."""

    class Follow(Task):
        __xpmid__ = "compat.Follow"
        word: Param[str]

        def task_outputs(self, dep: Any) -> Any:
            return Chain.C(first=self)

    class Chain(Task):
        __xpmid__ = "compat.Chain"
        first: Param[Follow]

    with submitting_to(Recorder(tmp_path)) as recorder:
        chain = Follow.C(word="a").submit()
        chain.submit()
    assert [type(t).__name__ for t in recorder.submitted] == ["Follow", "Chain"]


def test_an_unsubmitted_task_in_a_dict_is_named_by_its_key(tmp_path: Path) -> None:
    class Table(Task):
        __xpmid__ = "compat.Table"
        parts: Param[dict[str, Config]]

    with (
        submitting_to(Recorder(tmp_path)) as recorder,
        pytest.raises(ValidationError, match=r"Table\.parts\['a'\]: Say was never submitted"),
    ):
        Table.C(parts={"a": Say.C(word="hi")}).submit()
    assert recorder.submitted == []
