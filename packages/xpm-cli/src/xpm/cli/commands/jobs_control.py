"""`xpm jobs kill` and `xpm jobs clean`: dry by default, `--perform` acts.

Without `--perform` both commands only say what they would do, so a filter can be
checked before it kills or deletes anything.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .options import selection_options, workspace_of

if TYPE_CHECKING:
    from collections.abc import Mapping

    from ..catalog import ListedJob


# A filter always has an operator, so a single word (with at most one slash) is a job name.
_JOB_NAME = re.compile(r"[\w.\-]+(/[\w]*)?")


def _nothing_to_do(matched: list[ListedJob], expression: str, kind: str, done: str) -> str:
    """Say why no job is selected: the named job's state, or that no job matches."""
    if matched and _JOB_NAME.fullmatch(expression.strip()):
        return f"the job {matched[0].name} is {matched[0].state.value}: only {kind} jobs are {done}"
    return f"no {kind} job matches the filter"


def _matching(
    workdir: Path | None, workspace_id: str | None, expression: str, experiment: str | None
) -> list[ListedJob]:
    """Return the jobs that FILTER selects, or the one job it names (`learn/c53cbcfe`)."""
    from ..catalog import Submissions, find_job, list_jobs
    from ..filters import parse_filter

    workspace = workspace_of(workdir, workspace_id)
    if _JOB_NAME.fullmatch(expression.strip()):
        job = find_job(workspace.path, expression)
        if (
            experiment is not None
            and job.name not in Submissions(workspace.path, experiment).by_job()
        ):
            return []
        return [job]
    job_filter = parse_filter(expression)
    return list(list_jobs(workspace.path, experiment=experiment, job_filter=job_filter))


@click.command(name="kill")
@selection_options
def kill_command(
    workdir: Path | None,
    workspace_id: str | None,
    experiment: str | None,
    perform: bool,
    expression: str,
) -> None:
    """Stop the running or waiting jobs that FILTER selects (or the job FILTER names).

    Local jobs get SIGTERM (their whole process group) and record that they were
    cancelled; SLURM jobs are cancelled with scancel. Example:
    xpm jobs kill --perform '@state = "running" and lr = 0.1'
    """
    matched = _matching(workdir, workspace_id, expression, experiment)
    selected = [job for job in matched if job.state.value in ("running", "waiting")]
    if not selected:
        click.echo(_nothing_to_do(matched, expression, "running or waiting", "killed"), err=True)
        return
    failures = 0
    for job in selected:
        process = job.record.process or {}
        where = _where(process)
        if not perform:
            click.echo(f"would kill {job.name} ({where})")
            continue
        problem = _kill(process)
        if problem is None:
            click.echo(f"killed {job.name} ({where})")
        else:
            failures += 1
            click.echo(f"cannot kill {job.name} ({where}): {problem}", err=True)
    if not perform:
        click.echo(f"{len(selected)} job(s) would be killed; pass --perform to kill them")
    elif failures:
        raise click.ClickException(f"{failures} of {len(selected)} job(s) could not be killed")


def _where(process: Mapping[str, object]) -> str:
    if process.get("type") == "slurm":
        return f"SLURM job {process.get('jobid')}"
    return f"pid {process.get('pid')} on {process.get('host')}"


def _kill(process: Mapping[str, object]) -> str | None:
    """Stop the process of a pid record; return why it failed, or None."""
    from xpm.scheduler import KillRefused, kill_process

    try:
        kill_process(process)
    except KillRefused as e:
        return str(e)
    return None


@click.command(name="clean")
@selection_options
def clean_command(
    workdir: Path | None,
    workspace_id: str | None,
    experiment: str | None,
    perform: bool,
    expression: str,
) -> None:
    """Delete the folders of the finished (done or failed) jobs that FILTER selects.

    FILTER may also be one job's name, as `xpm jobs show` takes it.

    A running, waiting or never-run job is never deleted. Example:
    xpm jobs clean --perform '@state = "failed"'
    """
    from xpm.scheduler import read_job

    matched = _matching(workdir, workspace_id, expression, experiment)
    selected = [job for job in matched if job.state.finished]
    if not selected:
        click.echo(_nothing_to_do(matched, expression, "finished", "deleted"), err=True)
        return
    removed = 0
    for job in selected:
        folder = job.folder
        if not perform:
            click.echo(f"would delete {job.name} ({job.state.value}): {folder}")
            continue
        # The state is read again at the last moment: a job restarted in between is kept.
        if not read_job(job.entry.paths(), light=True).state.finished or _is_locked(job):
            click.echo(f"kept {job.name}: it is running again", err=True)
            continue
        shutil.rmtree(folder)
        removed += 1
        click.echo(f"deleted {job.name}")
    if not perform:
        click.echo(f"{len(selected)} job folder(s) would be deleted; pass --perform to delete them")
    else:
        click.echo(f"{removed} job folder(s) deleted")


def _is_locked(job: ListedJob) -> bool:
    from xpm.scheduler import is_job_locked

    lock = job.entry.paths().lock
    return os.path.exists(lock) and is_job_locked(lock)
