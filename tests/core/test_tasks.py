"""Tasks: outputs marked with dep, init tasks, tags, hooks, serialization, execution."""

from __future__ import annotations

import json
import warnings
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, ClassVar

import pytest

from xpm.core import (
    Config,
    LightweightTask,
    Meta,
    Param,
    PathBasedSerializedConfig,
    PathGenerator,
    SerializationError,
    SubmitHook,
    TagConflictWarning,
    Task,
    UnsetParameterError,
    dumps,
    execute_task,
    field,
    loads,
    pathgenerator,
    submit_hooks,
    submitting_to,
    tag,
    tagspath,
    task_dependencies,
)


class Recorder:
    """A submitter keeping what it was given; job folders under `root`."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.submitted: list[Task] = []

    def job_folder(self, task: Task) -> Path:
        return self.root / str(task.__identifier__())

    def submit(self, task: Task, *, launcher: Any, outputs: Any) -> Any:
        self.submitted.append(task)
        return self


class Model(Config):
    layers: Param[int] = 2


class LearnedModel(Config):
    model: Param[Model]
    path: Param[Path]


class Learn(Task):
    model: Param[Model]
    epochs: Param[int] = 10
    gpus: Meta[int] = 1
    parameters: Annotated[Path, pathgenerator("parameters.pth")]
    model_path: Meta[Path] = field(default_factory=PathGenerator("model.pth"))

    def task_outputs(self, dep: Any) -> LearnedModel:
        return dep(LearnedModel.C(model=self.model, path=self.model_path))


class Evaluate(Task):
    model: Param[Config]


def test_generated_paths_live_in_the_job_folder(tmp_path: Path) -> None:
    learn = Learn.C(model=Model.C())
    with submitting_to(Recorder(tmp_path)):
        learn.submit()
    folder = tmp_path / str(learn.__identifier__())
    assert learn.parameters == folder / "parameters.pth"
    assert learn.model_path == folder / "model.pth"


class Export(Task):
    model: Param[Model]
    weights: Meta[Path] = pathgenerator("weights.npz")


def test_pathgenerator_as_a_default_is_a_generated_path(tmp_path: Path) -> None:
    export = Export.C(model=Model.C())
    with pytest.raises(UnsetParameterError, match=r"Export\.weights is a generated path"):
        _ = export.weights
    with submitting_to(Recorder(tmp_path)):
        export.submit()
    assert export.weights == tmp_path / str(export.__identifier__()) / "weights.npz"


def test_dep_outputs_make_dependencies_and_change_identifiers(tmp_path: Path) -> None:
    with submitting_to(Recorder(tmp_path)) as recorder:
        learn = Learn.C(model=Model.C())
        learned = learn.submit()
        evaluate = Evaluate.C(model=learned)
        evaluate.submit()
    assert recorder.submitted == [learn, evaluate]
    assert task_dependencies(evaluate) == [learn]
    plain = LearnedModel.C(model=Model.C(), path=learned.path)
    assert learned.__identifier__() != plain.__identifier__()


def test_tasks_used_as_parameters_are_dependencies(tmp_path: Path) -> None:
    with submitting_to(Recorder(tmp_path)):
        first = Learn.C(model=Model.C()).submit()
        assert isinstance(first, LearnedModel)
        base = Evaluate.C(model=Model.C())
        base.submit()
        after = Evaluate.C(model=base)
        after.submit()
    assert task_dependencies(after) == [base]


def test_submitting_twice_returns_the_same_outputs(tmp_path: Path) -> None:
    with submitting_to(Recorder(tmp_path)) as recorder:
        learn = Learn.C(model=Model.C())
        assert learn.submit() is learn.submit()
    assert len(recorder.submitted) == 1


def test_tags_from_constructor_method_and_outputs(tmp_path: Path) -> None:
    model = Model.C(layers=tag(4))
    learn = Learn.C(model=model, epochs=tag(20))
    assert learn.tags() == {"epochs": 20, "layers": 4}
    assert tagspath(learn) == "epochs=20_layers=4"
    with submitting_to(Recorder(tmp_path)):
        learned = learn.submit()
    assert learned.tags() == {"epochs": 20, "layers": 4}
    assert Model.C().tag("name", "a/b c").tags() == {"name": "a/b c"}
    assert tagspath(Model.C().tag("name", "a/b c")) == "name=a-b-c"


def test_conflicting_tags_warn_naming_both_values() -> None:
    class Pair(Config):
        a: Param[Model]
        b: Param[Model]

    pair = Pair.C(a=Model.C(layers=tag(1)), b=Model.C(layers=tag(2)))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert pair.tags() == {"layers": 1}
    assert [type(w.message) for w in caught] == [TagConflictWarning]
    assert "tag 'layers' has two values: 1 (on Pair.a) and 2 (on Pair.b)" in str(caught[0].message)


class needs_java(SubmitHook):
    def __init__(self, version: int) -> None:
        self.version = version

    def spec(self) -> Any:
        return self.version

    def process(self, job: Any, launcher: Any) -> None:
        job.environ["JAVA_HOME"] = f"/opt/java{self.version}"


@needs_java(11)
class IndexCollection(Config):
    name: Param[str] = "robust04"


class Index(Task):
    collection: Param[IndexCollection]
    other: Param[IndexCollection]


def test_submit_hooks_are_collected_once() -> None:
    task = Index.C(collection=IndexCollection.C(), other=IndexCollection.C(name="x"))
    hooks = submit_hooks(task)
    assert [type(h) for h in hooks] == [needs_java]

    class Job:
        environ: ClassVar[dict[str, str]] = {}

    hooks[0].process(Job, None)
    assert Job.environ == {"JAVA_HOME": "/opt/java11"}


def test_a_hook_added_to_a_class_later_applies_to_tasks_submitted_after() -> None:
    class Alone(Task):
        size: Param[int] = 1

    assert submit_hooks(Alone.C()) == []
    needs_java(17)(Alone)
    assert [h.spec() for h in submit_hooks(Alone.C())] == [17]
    needs_java(17)(Alone)  # an equal hook counts once
    needs_java(21)(Alone)
    assert [h.spec() for h in submit_hooks(Alone.C())] == [17, 21]
    holder = Index.C(collection=IndexCollection.C(), other=IndexCollection.C())
    assert [h.spec() for h in submit_hooks(holder)] == [11]


class Level(Enum):
    LOW = 1
    HIGH = 2


class Everything(Config):
    number: Param[float]
    level: Param[Level]
    names: Param[set[str]]
    pair: Param[tuple[int, str]]
    table: Param[dict[int, Model]]
    where: Meta[Path]
    nested: Param[list[Model]]


def test_serialization_round_trip_keeps_sharing_and_identity(tmp_path: Path) -> None:
    shared = Model.C(layers=tag(7))
    config = Everything.C(
        number=float("inf"),
        level=Level.HIGH,
        names={"a", "b"},
        pair=(1, "x"),
        table={3: shared},
        where=tmp_path / "sub" / "file",
        nested=[shared, Model.C()],
    )
    text = dumps(config, tmp_path)
    assert json.loads(text)["objects"][0]["values"]["where"] == {
        "$path": "sub/file",
        "relative": True,
    }
    loaded = loads(text, tmp_path / "moved")
    assert loaded.__identifier__() == config.__identifier__()
    assert loaded.nested[0] is loaded.table[3]
    assert loaded.where == tmp_path / "moved" / "sub" / "file"
    assert loaded.tags() == {"layers": 7}
    assert loaded.pair == (1, "x") and loaded.names == {"a", "b"}


def test_serialization_keeps_cycles_and_task_links(tmp_path: Path) -> None:
    from .golden.stability import CycleA, CycleB

    a = CycleA.C()
    a.b = CycleB.C(a=a)
    loaded = loads(dumps(a))
    assert loaded.b.a is loaded
    assert loaded.__identifier__() == a.__identifier__()
    with submitting_to(Recorder(tmp_path)):
        learned = Learn.C(model=Model.C()).submit()
    assert loads(dumps(learned)).__identifier__() == learned.__identifier__()


def test_unknown_format_versions_are_refused() -> None:
    with pytest.raises(SerializationError, match="version 2 is newer than this xpm-core"):
        loads(json.dumps({"format": "xpm-config", "version": 2, "objects": []}))
    with pytest.raises(SerializationError, match="not an xpm configuration file"):
        loads("{}")
    bad = {
        "format": "xpm-config",
        "version": 1,
        "objects": [{"class": "nowhere:X", "values": {}}],
    }
    with pytest.raises(SerializationError, match="cannot load X from module 'nowhere'"):
        loads(json.dumps(bad))


class Counter(Config):
    value: Param[int] = 0


class SerializedCounter(PathBasedSerializedConfig[Counter]):
    def initialize(self) -> None:
        self.config.restored = int(self.path.read_text())


class Bump(LightweightTask):
    def execute(self) -> None:
        Path("init-ran").write_text("yes")


class UseCounter(Task):
    counter: Param[Counter]

    def execute(self) -> None:
        assert isinstance(self.counter, Counter)
        (self.__taskdir__ / "out").write_text(str(self.counter.restored))


def test_execution_restores_state_and_runs_init_tasks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "state").write_text("41")
    counter = SerializedCounter.C(config=Counter.C(), path=tmp_path / "state")
    task = UseCounter.C(counter=counter)
    with submitting_to(Recorder(tmp_path)):
        task.submit(init_tasks=[Bump.C()])
    loaded = loads(dumps(task, tmp_path), tmp_path)
    execute_task(loaded, tmp_path)  # type: ignore[arg-type]
    assert (tmp_path / "out").read_text() == "41"
    assert (tmp_path / "init-ran").read_text() == "yes"
