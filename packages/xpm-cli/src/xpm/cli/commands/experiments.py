"""`xpm experiments list` and `clean`: the experiments of a workspace, their runs."""

from __future__ import annotations

import datetime
from collections import Counter
from pathlib import Path

import click

from .options import PERFORM_HELP, workspace_of, workspace_options


@click.group(name="experiments")
def experiments() -> None:
    """Look at the experiments of a workspace."""


@experiments.command(name="list")
@workspace_options
def list_command(workdir: Path | None, workspace_id: str | None) -> None:
    """List each experiment: its latest run, that run's status and its jobs by state."""
    from xpm.scheduler import list_experiments, list_runs

    workspace = workspace_of(workdir, workspace_id)
    names = list_experiments(workspace.path)
    if not names:
        click.echo(f"no experiment in the workspace {workspace.path}", err=True)
        return
    lines = []
    for name in names:
        runs = list_runs(workspace.path, name)
        if not runs:
            lines.append(f"{name}  (no run)")
            continue
        last = runs[-1]
        states = Counter(last.jobs.values())
        jobs = ", ".join(f"{count} {state}" for state, count in sorted(states.items()))
        started = (
            datetime.datetime.fromtimestamp(last.started).isoformat(sep=" ", timespec="seconds")
            if isinstance(last.started, int | float)
            else "?"
        )
        plural = "s" if len(runs) > 1 else ""
        lines.append(
            f"{name}  {last.status}  run {last.run} ({len(runs)} run{plural}), started"
            f" {started}; jobs: {jobs or 'none'}"
        )
    click.echo("\n".join(lines))


@experiments.command(name="clean")
@workspace_options
@click.option(
    "--keep",
    type=click.IntRange(min=0),
    required=True,
    metavar="N",
    help="Keep the last N runs of each experiment (and the current and running ones).",
)
@click.option("--experiment", metavar="ID", help="Only this experiment's runs.")
@click.option("--perform", is_flag=True, help=PERFORM_HELP)
def clean_command(
    workdir: Path | None,
    workspace_id: str | None,
    keep: int,
    experiment: str | None,
    perform: bool,
) -> None:
    """Delete old runs: all but the last N runs of each experiment (run history).

    The run `current` points at and runs whose experiment still runs are always kept.
    Only run folders (experiments/ID/RUN/) go, never jobs nor results/: the jobs that
    only deleted runs listed become orphans, which `xpm jobs clean --orphans` deletes.
    Example: xpm experiments clean --keep 3 --perform
    """
    from xpm.scheduler import remove_run, runs_to_prune

    workspace = workspace_of(workdir, workspace_id).path
    plan = runs_to_prune(workspace, keep, experiment)
    if experiment is not None and experiment not in plan:
        raise click.ClickException(f"no experiment {experiment!r} in the workspace {workspace}")
    removed = selected = 0
    for name, runs in plan.items():
        for choice in runs:
            run = choice.run
            label = f"{name}/{run.run}"
            if choice.kept is not None:
                if choice.kept != "latest":
                    click.echo(f"kept {label}: {choice.kept}", err=True)
                continue
            selected += 1
            jobs = len(run.jobs)
            what = f"{label} ({run.status}, {jobs} job{'s' if jobs != 1 else ''})"
            if not perform:
                click.echo(f"would delete run {what}: {run.folder}")
                continue
            try:
                remove_run(workspace, run)
            except ValueError as error:
                raise click.ClickException(str(error)) from None
            removed += 1
            click.echo(f"deleted run {what}")
    if not perform:
        click.echo(f"{selected} run(s) would be deleted; pass --perform to delete them")
    else:
        click.echo(
            f"{removed} run(s) deleted; `xpm jobs clean --orphans` finds the jobs that"
            " only they listed"
        )
