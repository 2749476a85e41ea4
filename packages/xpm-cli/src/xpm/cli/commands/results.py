"""`xpm results`: the values jobs wrote, by their tags, as a table, CSV or a heatmap.

Rows come from `xpm.scheduler.experiment_results`/`read_results`: an experiment's latest
run (or `--run`), optionally narrowed by `--filter`, or the jobs a filter selects in the
whole workspace.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .options import workspace_of, workspace_options

if TYPE_CHECKING:
    from xpm.scheduler import Results, SubmittedJob


@click.command(name="results")
@workspace_options
@click.argument("experiment", required=False)
@click.option("--run", metavar="RUN", help="A run of EXPERIMENT (default: its latest).")
@click.option("--filter", "expression", metavar="EXPR", help="Only these jobs, e.g. lr < 0.1")
@click.option(
    "--file",
    default="metrics.json",
    show_default=True,
    help="The JSON file each job wrote in its folder.",
)
@click.option(
    "--value",
    "values",
    multiple=True,
    metavar="KEY",
    help="A value to show (repeatable; nested keys joined by dots); default: all.",
)
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV instead of a table.")
@click.option(
    "--heatmap",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="OUT.svg",
    help="Write an SVG heatmap of one --value over --rows and --cols (mean over other tags).",
)
@click.option("--rows", "rows_tag", metavar="TAG", help="The heatmap's rows: a tag.")
@click.option("--cols", "cols_tag", metavar="TAG", help="The heatmap's columns: a tag.")
def results_command(
    workdir: Path | None,
    workspace_id: str | None,
    experiment: str | None,
    run: str | None,
    expression: str | None,
    file: str,
    values: tuple[str, ...],
    as_csv: bool,
    heatmap: Path | None,
    rows_tag: str | None,
    cols_tag: str | None,
) -> None:
    """Show the values each job of EXPERIMENT wrote in its FILE, with the job's tags.

    One row per job of the experiment's latest run (jobs of types that never write the
    file are left out; a job that did not write it shows `-`). Without EXPERIMENT, the
    jobs of the workspace that pass --filter. With --heatmap, write an SVG instead: the
    mean of --value for each pair of --rows and --cols tag values.
    """
    from xpm.scheduler import read_results

    if heatmap is not None and (rows_tag is None or cols_tag is None or len(values) != 1):
        raise click.UsageError("--heatmap needs --rows TAG, --cols TAG and one --value KEY")
    if heatmap is None and (rows_tag or cols_tag):
        raise click.UsageError("--rows and --cols go with --heatmap OUT.svg")
    if run is not None and experiment is None:
        raise click.UsageError("--run needs an EXPERIMENT")
    workspace = workspace_of(workdir, workspace_id)
    jobs = _selected(workspace.path, experiment, run, expression)
    results = read_results(workspace.path, jobs, file=file)
    for key in values:
        results.check_value(key)
    if heatmap is not None and rows_tag is not None and cols_tag is not None:
        _write_heatmap(results, heatmap, rows_tag, cols_tag, values[0])
        return
    if not results.rows:
        where = f"the experiment {experiment}" if experiment else f"{workspace.path}"
        click.echo(f"no job wrote {file} in {where}", err=True)
        return
    keys = list(values) or results.value_keys
    for note in results.warnings(keys):
        click.echo(f"warning: {note}", err=True)
    _print_rows(results, keys, as_csv)


def _selected(
    workdir: Path, experiment: str | None, run: str | None, expression: str | None
) -> list[SubmittedJob]:
    from xpm.scheduler import SubmittedJob, run_jobs

    from ..catalog import list_jobs
    from ..filters import parse_filter

    job_filter = parse_filter(expression) if expression is not None else None
    if experiment is not None:
        jobs = run_jobs(workdir, experiment, run)
        if job_filter is None:
            return jobs
        kept = {j.name for j in list_jobs(workdir, experiment=experiment, job_filter=job_filter)}
        return [job for job in jobs if job.job_id in kept]
    return [
        SubmittedJob(job.name, dict(job.submission.tags))
        for job in list_jobs(workdir, job_filter=job_filter)
    ]


def _print_rows(results: Results, keys: list[str], as_csv: bool) -> None:
    from xpm.scheduler import csv_text, format_table

    tags = results.tag_keys
    header = [*tags, *keys, "job"]
    if as_csv:
        rows = [
            [*(_csv_tag(r.tags.get(t)) for t in tags), *(r.values.get(k) for k in keys), r.job_id]
            for r in results.rows
        ]
        sys.stdout.write(csv_text(header, rows))
        return
    table = [
        [
            *(_cell(r.tags.get(t), r.tag_text(t)) for t in tags),
            *(r.values.get(k) for k in keys),
            r.short_name,
        ]
        for r in results.rows
    ]
    click.echo(format_table(header, table))


def _cell(value: object, text: str) -> object:
    """Numbers stay numbers (aligned right in the table); other tags show as text."""
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else text


def _csv_tag(value: object) -> object:
    return value if isinstance(value, (str, int, float)) or value is None else str(value)


def _write_heatmap(results: Results, path: Path, rows_tag: str, cols_tag: str, key: str) -> None:
    from xpm.scheduler import heatmap_svg, write_heatmap

    grid = results.grid(rows_tag, cols_tag, key)
    for note in results.warnings([key]):
        click.echo(f"warning: {note}", err=True)
    svg = heatmap_svg(
        grid.cells,
        grid.rows,
        grid.columns,
        title=f"{key} (mean) by {rows_tag} and {cols_tag}",
        row_label=rows_tag,
        column_label=cols_tag,
    )
    written = write_heatmap(path, svg)
    missing = sum(1 for v in grid.cells.values() if v is None)
    click.echo(f"heatmap: {written} ({len(grid.cells)} cells, {missing} missing)")
