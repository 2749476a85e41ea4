"""Typing claims checked by mypy --strict (nox -s typecheck); pytest never runs this file."""

from __future__ import annotations

from pathlib import Path

from typing_extensions import assert_type

from collections.abc import Callable

from xpm.core import (
    Config,
    Constant,
    DependentMarker,
    JobHandle,
    Meta,
    Param,
    PathGenerator,
    Task,
    field,
    pathgenerator,
    type_id,
)


class Model(Config):
    layers: Param[int] = 3
    width: Param[float] = field(default=1.0)
    name: Meta[str] = "model"
    version: Constant[int] = 1


class Learn(Task):
    model: Param[Model]
    epochs: Param[int]
    sizes: Param[list[int]] = field(default_factory=list)
    model_path: Meta[Path] = field(default_factory=PathGenerator("model.pth"))


model = Model(layers=4)
assert_type(model, Model)
assert_type(model.layers, int)
assert_type(model.width, float)
assert_type(Model.C(layers=2), Model)
assert_type(Learn.C(model=model, epochs=3).model, Model)
assert_type(Learn(model=model, epochs=3).sizes, list[int])
assert_type(Learn(model=model, epochs=3).model_path, Path)

Model(layers="3")  # type: ignore[arg-type]
Model(3)  # type: ignore[call-arg]
Model(unknown=1)  # type: ignore[call-arg]
Learn(model=model)  # type: ignore[call-arg]


class Learned(Config):
    model: Param[Model]
    weights: Param[Path]


class Train(Task):
    """task_outputs annotated with DependentMarker: the override type-checks."""

    model: Param[Model]
    weights: Meta[Path] = field(default_factory=pathgenerator("weights.npz"))

    def task_outputs(self, dep: DependentMarker) -> Learned:
        learned = dep(Learned.C(model=self.model, weights=self.weights))
        assert_type(learned, Learned)
        return learned


class TrainNarrow(Task):
    """A narrower `dep` annotation is an accepted override too."""

    model: Param[Model]

    def task_outputs(self, dep: Callable[[Learned], Learned]) -> Learned:
        return dep(Learned.C(model=self.model, weights=Path("w")))


train = Train.C(model=Model.C())
assert_type(train.weights, Path)


class Export(Task):
    """`pathgenerator(...)` as a plain default: optional for type checkers."""

    model: Param[Model]
    weights: Meta[Path] = pathgenerator("weights.npz")


export = Export.C(model=Model.C())
assert_type(export.weights, Path)


def submitted() -> None:
    """`submit()` returns what `task_outputs` returns; `job` is a `JobHandle`."""
    assert_type(Train.C(model=Model.C()).submit(), Learned)
    assert_type(TrainNarrow.C(model=Model.C()).submit(), Learned)
    assert_type(export.job, JobHandle)
    assert_type(export.job.wait(), bool)
    assert_type(export.job.jobpath, Path)
    assert_type(type_id(export), str)
