"""The benchmark's results: each training's best epoch, as a table and as a heatmap.

The rows come from `xp.results()` (each training's tags and its parsed `metrics.json`);
choosing the best epoch by the task's target metric is this benchmark's own rule.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from xpm.scheduler import ResultRow, heatmap_svg

from .suite import Pair

HEADER = ("task", "optimizer", "seed", "best epoch", "target", "score")


@dataclass(frozen=True)
class Result:
    """A training's best epoch by its task's target metric, or None values if it has none."""

    pair: Pair
    seed: int
    epoch: int | None
    target: float | None
    score: float | None


def result(pair: Pair, row: ResultRow) -> Result:
    """A training's best epoch from its row; no metrics (a failed job) gives no values."""
    seed = int(row.tags["seed"])
    history = row.data.get("history") if isinstance(row.data, dict) else None
    task = pair.settings.task
    if not history:
        return Result(pair, seed, None, None, None)
    sign = 1.0 if task.target_metric_mode == "max" else -1.0
    best = max(history, key=lambda epoch: sign * epoch[task.target_metric])
    plot = pair.settings.evaluation.plot
    return Result(pair, seed, best["epoch"], best[task.target_metric], best[plot.metric])


def table_rows(results: Sequence[Result]) -> list[tuple[object, ...]]:
    """One row per training, in the order they were planned."""
    return [(r.pair.task, r.pair.optimizer, r.seed, r.epoch, r.target, r.score) for r in results]


def legend(pairs: Sequence[Pair]) -> list[str]:
    """What `target` and `score` mean for each task."""
    lines = {}
    for pair in pairs:
        task, plot = pair.settings.task, pair.settings.evaluation.plot
        lines[pair.task] = (
            f"{pair.task}: target = {task.target_metric} ({task.target_metric_mode}),"
            f" score = {plot.metric} at that epoch"
        )
    return list(lines.values())


def heatmap(results: Sequence[Result], pairs: Sequence[Pair]) -> str:
    """An SVG of the mean score over seeds, tasks down, optimizers across.

    Format and colour limits are the tasks' `evaluation.plot` ones when all agree;
    otherwise three significant digits and a scale spanning the values.
    """
    tasks = list(dict.fromkeys(p.task for p in pairs))
    optimizers = list(dict.fromkeys(p.optimizer for p in pairs))
    scores: dict[tuple[str, str], list[float]] = {}
    for r in results:
        if r.score is not None:
            scores.setdefault((r.pair.task, r.pair.optimizer), []).append(r.score)
    values = {(t, o): statistics.fmean(scores[t, o]) if (t, o) in scores else None
              for t in tasks for o in optimizers}  # fmt: skip
    plots = {p.task: p.settings.evaluation.plot for p in pairs}
    shapes = {(plot.format, tuple(plot.limits or ())) for plot in plots.values()}
    metrics = list(dict.fromkeys(plot.metric for plot in plots.values()))
    fmt, limits = ".3g", None
    if len(shapes) == 1:
        first = next(iter(plots.values()))
        fmt, limits = first.format, first.limits
    return heatmap_svg(
        values,
        tasks,
        optimizers,
        title=f"{' / '.join(metrics)} by task and optimizer",
        row_label="task",
        column_label="optimizer",
        fmt=fmt,
        limits=(limits[0], limits[1]) if limits else None,
    )
