"""`xpm experiments list`: the experiments of a workspace and their latest runs."""

from __future__ import annotations

import datetime
from collections import Counter
from pathlib import Path

import click

from .options import workspace_of, workspace_options


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
