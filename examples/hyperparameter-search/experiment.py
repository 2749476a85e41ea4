"""A hyper-parameter search on handwritten digits: learn a model per grid point, evaluate
each, and compare them in a table and a heatmap.

Run it with `xpm run-experiment debug.yaml` (or `nox -s demo` from the repository root);
docs/tutorial.md walks through it.
"""

from __future__ import annotations

from digits_xp.data import Digits
from digits_xp.evaluate import Evaluate
from digits_xp.learn import Learn
from digits_xp.model import MLP

from xpm.cli import ExperimentHelper, configuration
from xpm.core import tag
from xpm.launchers import find_launcher
from xpm.scheduler import RunMode, format_table, heatmap_svg, write_heatmap


@configuration
class Configuration:
    """The keys of debug.yaml and full.yaml."""

    hidden: list[int]
    """Widths of the hidden layer to try."""
    lr: list[float]
    """Learning rates to try."""
    epochs: int = 30
    parallel_trainings: int = 2
    """How many trainings may run at once (a token: shared by every experiment)."""
    requirements: str = "cpu(cores=1)"
    """What a training needs; `find_launcher` picks where it runs."""


def run(helper: ExperimentHelper, cfg: Configuration) -> None:
    """Learn and evaluate one model per (hidden, lr); report once every job is done."""
    launcher = find_launcher(cfg.requirements)
    trainings = helper.xp.token("trainings", cfg.parallel_trainings)
    train, test = Digits.C(split="train"), Digits.C(split="test")

    for point in helper.grid(cfg):  # once, unless the file has a grid_search key
        for hidden in point.cfg.hidden:
            for lr in point.cfg.lr:
                model = MLP.C(hidden=tag(hidden))
                learn = Learn.C(model=model, data=train, lr=tag(lr), epochs=point.cfg.epochs)
                learned = trainings(1, learn).submit(launcher=launcher)
                Evaluate.C(model=learned, data=test).submit()

    if helper.run_mode is RunMode.NORMAL:
        helper.xp.wait()
        report(helper, cfg)


def report(helper: ExperimentHelper, cfg: Configuration) -> None:
    """Print the accuracy of each grid point; draw them as a heatmap in the results folder.

    The rows are the evaluations of this run (`xp.results()`: each job's tags and the
    numbers of its metrics.json); `xpm results digits-debug` prints the same from a shell.
    """
    results = helper.xp.results()
    rows = [
        (r.tags["hidden"], r.tags["lr"], r.values.get("accuracy"), r.short_name)
        for r in results.rows
    ]
    print(format_table(("hidden", "lr", "accuracy", "evaluation job"), rows))

    grid = results.grid("hidden", "lr", "accuracy")
    svg = heatmap_svg(
        grid.cells,
        grid.rows,
        grid.columns,
        title=f"Test accuracy after {cfg.epochs} epochs",
        row_label="hidden units",
        column_label="learning rate",
        fmt=".3f",
    )
    path = write_heatmap(helper.xp.resultspath / "accuracy.svg", svg)
    print(f"\nHeatmap: {path}")
