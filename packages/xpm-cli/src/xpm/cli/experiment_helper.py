"""`ExperimentHelper`, the first argument of an experiment file's `run(helper, cfg)`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, final

if TYPE_CHECKING:
    from xpm.scheduler import Experiment, RunMode

    from .experiment_file import ExperimentFile
    from .located import Located


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

    @property
    def run_mode(self) -> RunMode:
        """`normal`, `dry-run` (nothing is written) or `generate` (folders, no launch)."""
        return self.xp.run_mode

    @property
    def workdir(self) -> Path:
        """The workspace folder."""
        return self.xp.workdir
