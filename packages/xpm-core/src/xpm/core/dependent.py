"""`DependentMarker`: the type of the `dep` function that `Task.task_outputs` receives."""

from __future__ import annotations

from typing import Protocol, TypeVar

C = TypeVar("C")


class DependentMarker(Protocol):
    """`dep(config)` marks `config` as produced by the task and returns it, same type.

    Annotate `task_outputs` with it and type checkers follow the outputs through::

        def task_outputs(self, dep: DependentMarker) -> LearnedModel:
            return dep(LearnedModel.C(model=self.model, weights=self.weights))

    A narrower annotation, `Callable[[LearnedModel], LearnedModel]`, is accepted too.
    """

    def __call__(self, config: C, /) -> C: ...
