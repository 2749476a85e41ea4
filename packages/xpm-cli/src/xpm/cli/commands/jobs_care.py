"""`xpm jobs clean --orphans` and `xpm jobs stray`: jobs that no experiment holds.

Both are dry by default: they say what they would delete or kill, and act only with
`--perform`. Neither follows a symbolic link under `jobs/` or `experiments/`.
"""

from __future__ import annotations

from pathlib import Path

import click

from .options import PERFORM_HELP, workspace_of, workspace_options


def clean_orphans(workspace: Path, perform: bool) -> None:
    """Delete (or say it would) the job folders that no run of any experiment lists.

    Running or waiting orphans are kept (`xpm jobs stray` shows them). With
    `--perform`, each folder is checked again just before it goes: a job that some run
    lists by then, or that started, is kept.
    """
    from xpm.scheduler import (
        find_orphans,
        is_job_locked,
        known_jobs,
        read_job,
        remove_job_folder,
    )

    orphans = find_orphans(workspace)
    if not orphans:
        click.echo(f"no orphan job in the workspace {workspace}", err=True)
        return
    chosen = []
    for orphan in orphans:
        if orphan.state.value in ("running", "waiting"):
            click.echo(
                f"kept {orphan.job_id}: {orphan.state.value}, in no run (xpm jobs stray shows it)",
                err=True,
            )
        else:
            chosen.append(orphan)
    if not perform:
        for orphan in chosen:
            state, folder = orphan.state.value, orphan.paths.folder
            click.echo(f"would delete {orphan.job_id} ({state}): {folder}")
        click.echo(
            f"{len(chosen)} orphan job folder(s) would be deleted; pass --perform to delete them"
        )
        return
    known = known_jobs(workspace)
    removed = 0
    for orphan in chosen:
        if orphan.job_id in known:
            click.echo(f"kept {orphan.job_id}: an experiment has just submitted it", err=True)
            continue
        state = read_job(orphan.paths, light=True).state
        if state.value in ("running", "waiting") or (
            orphan.paths.lock.exists() and is_job_locked(orphan.paths.lock)
        ):
            click.echo(f"kept {orphan.job_id}: it is running", err=True)
            continue
        try:
            remove_job_folder(workspace, orphan.paths.folder)
        except ValueError as error:
            raise click.ClickException(str(error)) from None
        removed += 1
        click.echo(f"deleted {orphan.job_id}")
    click.echo(f"{removed} orphan job folder(s) deleted")


@click.command(name="stray")
@workspace_options
@click.option("--kill", "kill", is_flag=True, help="Stop them (with --perform).")
@click.option("--perform", is_flag=True, help=PERFORM_HELP)
def stray_command(
    workdir: Path | None, workspace_id: str | None, kill: bool, perform: bool
) -> None:
    """List the running jobs that no running experiment follows (stray processes).

    A job keeps running when its experiment is interrupted or killed; nothing waits for
    it any more. Each is shown with the last run that submitted it. --kill --perform
    stops them as `xpm jobs kill` does (SIGTERM to a local job's process group,
    scancel for SLURM); --kill alone says what it would stop.
    """
    from xpm.scheduler import KillRefused, find_strays, kill_job

    workspace = workspace_of(workdir, workspace_id).path
    strays = find_strays(workspace)
    if not strays:
        click.echo(f"no stray job in the workspace {workspace}", err=True)
        return
    failures = 0
    for stray in strays:
        record = stray.record
        where = _where(record.process or {})
        run = stray.last_run
        origin = (
            f"last submitted by {run.experiment}/{run.run} ({run.status})"
            if run is not None
            else "in no run"
        )
        line = f"{stray.job_id} ({record.state.value}, {where}): {origin}"
        if not kill:
            click.echo(f"stray {line}")
        elif not perform:
            click.echo(f"would kill {line}")
        else:
            try:
                kill_job(record.paths)
            except KillRefused as error:
                failures += 1
                click.echo(f"cannot kill {stray.job_id} ({where}): {error}", err=True)
                continue
            click.echo(f"killed {line}")
    count = len(strays)
    if not kill:
        click.echo(f"{count} stray job(s); pass --kill --perform to stop them")
    elif not perform:
        click.echo(f"{count} stray job(s) would be killed; pass --perform to kill them")
    elif failures:
        raise click.ClickException(f"{failures} of {count} stray job(s) could not be killed")


def _where(process: object) -> str:
    if not isinstance(process, dict):
        return "no process record"
    if process.get("type") == "slurm":
        return f"SLURM job {process.get('jobid')}"
    return f"pid {process.get('pid')} on {process.get('host')}"
