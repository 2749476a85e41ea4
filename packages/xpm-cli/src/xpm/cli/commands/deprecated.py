"""`xpm deprecated list|fix`: find the jobs the current code names otherwise, and move them.

After a parameter is renamed or a class moved with `@deprecate`, the same configuration
gets a new identifier. `list` reloads every job folder with the current code and shows
those whose name changed; `fix` (dry by default, `--perform` acts) moves each to its
new name, so that experiments find the job done.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from .options import PERFORM_HELP, workspace_of, workspace_options

if TYPE_CHECKING:
    from xpm.scheduler import RenamedJob


@click.group(name="deprecated")
def deprecated() -> None:
    """Find jobs whose identifier changed with the code (@deprecate), and move them.

    Each job's params.json is reloaded with the current code (the classes are imported
    as the job would import them) and its identifier computed again. Only the
    workspace's jobs/ and its runs' records are read or changed.
    """


def _scan(workdir: Path | None, workspace_id: str | None) -> tuple[list[RenamedJob], int]:
    from xpm.scheduler import find_renamed_jobs

    workspace = workspace_of(workdir, workspace_id)
    renamed: list[RenamedJob] = []
    problems = 0
    for job in find_renamed_jobs(workspace.path):
        if job.problem:
            problems += 1
            click.echo(f"cannot reload {job.type_id}/{job.identifier}: {job.problem}", err=True)
        elif job.renamed:
            renamed.append(job)
    return renamed, problems


@deprecated.command(name="list")
@workspace_options
def list_command(workdir: Path | None, workspace_id: str | None) -> None:
    """List the jobs that the current code names otherwise: OLD -> NEW.

    Exits with 1 when some job could not be reloaded (each is reported).
    """
    renamed, problems = _scan(workdir, workspace_id)
    for job in renamed:
        click.echo(f"{job.type_id}/{job.identifier} -> {job.new_type_id}/{job.new_identifier}")
    if renamed:
        click.echo(f"{len(renamed)} job(s) renamed; `xpm deprecated fix --perform` moves them")
    else:
        click.echo("no job is named otherwise by the current code")
    if problems:
        raise click.exceptions.Exit(1)


@deprecated.command(name="fix")
@workspace_options
@click.option("--perform", is_flag=True, help=PERFORM_HELP)
def fix_command(workdir: Path | None, workspace_id: str | None, perform: bool) -> None:
    """Move each renamed job to its new name; runs that list it name it anew.

    A running job, or one whose new name is taken, is left alone (and said so). Exits
    with 1 when some job could not be reloaded (each is reported).
    """
    from xpm.scheduler import move_renamed_jobs

    renamed, problems = _scan(workdir, workspace_id)
    if not perform:
        for job in renamed:
            new = f"{job.new_type_id}/{job.new_identifier}"
            click.echo(f"would move {job.type_id}/{job.identifier} to {new}")
    else:
        for job, done in move_renamed_jobs(renamed):
            click.echo(f"{job.new_type_id}/{job.new_identifier}: {done}")
    if not renamed:
        click.echo("no job is named otherwise by the current code")
    elif not perform:
        click.echo(f"{len(renamed)} job(s) would be moved; pass --perform to move them")
    if problems:
        raise click.exceptions.Exit(1)
