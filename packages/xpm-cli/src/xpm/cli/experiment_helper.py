"""`ExperimentHelper`, the first argument of an experiment file's `run(helper, cfg)`."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, final

if TYPE_CHECKING:
    from xpm.core import Task
    from xpm.scheduler import Experiment, RunMode

    from .experiment_file import ExperimentFile
    from .grid_search import GridPoint
    from .located import Located

T = TypeVar("T")


@final
@dataclass(frozen=True)
class ExperimentHelper:
    """What `xpm run-experiment` gives the experiment's `run(helper, cfg)` function.

    `run` is called inside the open experiment: tasks it submits run as jobs of the
    workspace, and `xpm run-experiment` waits for all of them once `run` returns::

        from xpm.cli import ExperimentHelper, configuration

        @configuration
        class Configuration:
            epochs: int = 10

        def run(helper: ExperimentHelper, cfg: Configuration) -> None:
            Learn.C(epochs=cfg.epochs).submit()
            print(helper.xp.resultspath)

    Attributes:
        xp: the open experiment (`xp.workdir`, `xp.resultspath`, `xp.token(...)`,
            `xp.wait()`).
        experiment_file: the experiment file, merged with its parents and imports.
        configuration: the experiment's keys after the `-c` overrides, with the file and
            line (or option) of every value: what `cfg` was built from. Code that checks
            parts of it later, with `merge_layers` and `load_configuration`, reports
            errors where the user wrote the value.
    """

    xp: Experiment
    experiment_file: ExperimentFile
    configuration: Located
    _grids: list[object] = field(default_factory=list, init=False, repr=False, compare=False)

    def grid(self, cfg: T) -> Iterator[GridPoint[T]]:
        """Yield `cfg` once per combination of the file's `grid_search`, with its tags.

        Every task submitted in the body of the loop gets the combination's swept values
        as tags (`optimizer.lr=0.01`), unless it already has a tag of that name::

            for point in helper.grid(cfg):
                Learn.C(lr=point.cfg.lr, epochs=point.cfg.epochs).submit()

        Fields annotated `GridSearch[T]` that the file gives several values are swept
        too (as `generate_grid(cfg)` does). Without a grid, `cfg` comes back once,
        without tags. `point.tags` can name results (`tagspath`) after the loop too.
        """
        from xpm.core.plumbing import submitting_to

        from .grid_search import GridPoint, read_grid, split_grid

        self._grids.append(cfg)
        grid = read_grid(cfg, split_grid(self.configuration)[1])
        points = grid.points(cfg) if grid is not None else [GridPoint(cfg, {})]
        for point in points:
            with submitting_to(_Tagging(self.xp, point.tags)):
                yield point

    @property
    def grid_used(self) -> bool:
        """Whether `run` asked for the grid (`helper.grid(cfg)`)."""
        return bool(self._grids)

    @property
    def run_mode(self) -> RunMode:
        """`normal`, `dry-run` (nothing is written) or `generate` (folders, no launch)."""
        return self.xp.run_mode

    @property
    def workdir(self) -> Path:
        """The workspace folder."""
        return self.xp.workdir


class _Tagging:
    """Hands tasks to the experiment after tagging them with a grid point's values."""

    def __init__(self, xp: Experiment, tags: dict[str, str | int | float | bool]) -> None:
        self.xp = xp
        self.tags = tags
        self.workdir = xp.workdir

    def job_folder(self, task: Task) -> Path:
        return self.xp.job_folder(task)

    def submit(self, task: Task, *, launcher: Any, outputs: Any) -> Any:
        if self.tags:
            present = task.tags()
            for name, value in self.tags.items():
                if name not in present:
                    task.tag(name, value)
        return self.xp.submit(task, launcher=launcher, outputs=outputs)
