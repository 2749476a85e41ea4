"""An optimizer benchmark: every optimizer on every task, then a table and a heatmap.

Run it with `xpm run-experiment debug.yaml` (or full.yaml). Each (task, optimizer) pair
takes the task's `default.yaml`, then the optimizer's, then this file's keys and the
`-c` options, each winning over the ones before; README.md explains the layout.
"""

from __future__ import annotations

from dataclasses import field
from typing import Any

from optbench.report import HEADER, heatmap, legend, result, table_rows
from optbench.suite import pairs
from optbench.train import Train

from xpm.cli import ExperimentHelper, configuration
from xpm.scheduler import RunMode, format_table, write_heatmap


@configuration
class Configuration:
    """The keys of debug.yaml and full.yaml."""

    tasks: list[str]
    """Folders of optbench/tasks to run."""
    optimizers: list[str]
    """Folders of optbench/optimizers to run on each task."""
    seed: int = 0
    """The training's seed; full.yaml sweeps it with `grid_search`."""
    task: dict[str, Any] = field(default_factory=dict)
    """Overrides every task's `task:` section (checked for each pair)."""
    optimizer: dict[str, Any] = field(default_factory=dict)
    """Overrides every optimizer's `optimizer:` section."""
    evaluation: dict[str, Any] = field(default_factory=dict)
    """Overrides every task's `evaluation:` section."""


def run(helper: ExperimentHelper, cfg: Configuration) -> None:
    """Submit one training per (task, optimizer, seed); report once every job is done.

    The seeds are the points of the file's `grid_search` (one, `seed`, without it).
    """
    planned = pairs(helper.configuration, cfg.tasks, cfg.optimizers)
    for pair in planned:
        task = pair.settings.task
        for point in helper.grid(cfg):
            seed = point.cfg.seed
            train = Train.C(
                problem=pair.problem,
                optimizer=pair.optimizer_config,
                batch_size=task.batch_size,
                max_epochs=task.max_epochs,
                seed=seed,
            )
            train.tag("task", pair.task).tag("optimizer", pair.optimizer).tag("seed", seed)
            train.submit()

    if helper.run_mode is RunMode.NORMAL:
        helper.xp.wait()
        by_name = {(p.task, p.optimizer): p for p in planned}
        rows = helper.xp.results().rows
        results = [result(by_name[r.tags["task"], r.tags["optimizer"]], r) for r in rows]
        print(format_table(HEADER, table_rows(results)))
        print("\n".join(legend(planned)))
        path = write_heatmap(helper.xp.resultspath / "heatmap.svg", heatmap(results, planned))
        print(f"heatmap: {path}")
