"""A hyper-parameter search on handwritten digits: learn a model per grid point, evaluate
each, and compare them in a table and a heatmap.

Run it with `xpm run-experiment debug.yaml` (or `nox -s demo` from the repository root);
docs/tutorial.md walks through it.
"""

from __future__ import annotations

from pathlib import Path

from digits_xp.data import Digits
from digits_xp.evaluate import Evaluate
from digits_xp.learn import Learn
from digits_xp.model import MLP
from heatmap import heatmap_svg, write_heatmap
from table import format_table

from xpm.cli import ExperimentHelper, configuration
from xpm.core import tag
from xpm.launchers import find_launcher
from xpm.scheduler import RunMode


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

    evaluations = {}
    for hidden in cfg.hidden:
        for lr in cfg.lr:
            model = MLP.C(hidden=tag(hidden))
            learn = Learn.C(model=model, data=train, lr=tag(lr), epochs=cfg.epochs)
            learned = trainings(1, learn).submit(launcher=launcher)
            evaluations[hidden, lr] = Evaluate.C(model=learned, data=test).submit()

    if helper.run_mode is RunMode.NORMAL:
        helper.xp.wait()
        report(helper, cfg, evaluations)


def report(
    helper: ExperimentHelper, cfg: Configuration, evaluations: dict[tuple[int, float], Evaluate]
) -> None:
    """Print the accuracy of each grid point; draw them as a heatmap in the results folder."""
    accuracy = {
        key: evaluation.accuracy() if evaluation.metrics.exists() else None
        for key, evaluation in evaluations.items()
    }
    rows = [
        (hidden, lr, accuracy[hidden, lr], short_name(evaluation.model.weights.parent))
        for (hidden, lr), evaluation in evaluations.items()
    ]
    print(format_table(("hidden", "lr", "accuracy", "training job"), rows))

    svg = heatmap_svg(
        {(str(h), str(lr)): value for (h, lr), value in accuracy.items()},
        rows=[str(h) for h in cfg.hidden],
        columns=[str(lr) for lr in cfg.lr],
        title=f"Test accuracy after {cfg.epochs} epochs",
        row_label="hidden units",
        column_label="learning rate",
    )
    path = write_heatmap(helper.xp.resultspath / "accuracy.svg", svg)
    print(f"\nHeatmap: {path}")


def short_name(jobpath: Path) -> str:
    """`<type id>/<first 8 characters of the identifier>`: enough for `xpm jobs show`."""
    return f"{jobpath.parent.name}/{jobpath.name[:8]}"
