"""`xpm jobs list|show`: look at the jobs of a workspace.

`log` is in `jobs_log.py`; `kill` and `clean`, which change jobs, are in `jobs_control.py`.
"""

from __future__ import annotations

import datetime
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .options import workspace_of, workspace_options

if TYPE_CHECKING:
    from xpm.scheduler import JobPaths

    from ..catalog import ListedJob


@click.group(name="jobs")
def jobs() -> None:
    """List, inspect, kill and clean the jobs of a workspace; find orphan and stray jobs.

    JOB is `<type id>/<identifier>` as `xpm jobs list` prints it; any unique prefix of it,
    or of the identifier alone, is enough, as is the monitor's short name
    (`learn/c53cbcfe`). FILTER is a filter expression such as
    `@state = "done" and model = "bm25"` (`@state`, `@type`, `@id`, `@job`,
    `@experiment`, `@reason` are attributes; other names are tags); kill and clean also
    take a JOB instead.
    """


def format_tags(tags: object) -> str:
    """Return tags as `key=value` pairs separated by spaces, sorted by key."""
    if not isinstance(tags, dict) or not tags:
        return ""
    return " ".join(f"{key}={_tag_text(tags[key])}" for key in sorted(tags))


def _tag_text(value: object) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value)


@jobs.command(name="list")
@workspace_options
@click.option("--experiment", metavar="ID", help="Only the jobs this experiment submitted.")
@click.option("--filter", "expression", metavar="EXPR", help='e.g. @state = "done" and lr < 0.1')
@click.option("--tags", "show_tags", is_flag=True, help="Show each job's tags.")
@click.option("--fullpath", is_flag=True, help="Show each job's folder instead of its name.")
@click.option(
    "--count",
    type=click.IntRange(min=0),
    metavar="N",
    help="Show only the N most recently changed jobs, newest first.",
)
def list_command(
    workdir: Path | None,
    workspace_id: str | None,
    experiment: str | None,
    expression: str | None,
    show_tags: bool,
    fullpath: bool,
    count: int | None,
) -> None:
    """List the jobs of the workspace: state, then name (sorted by name)."""
    from ..catalog import list_jobs

    job_filter = None
    if expression is not None:
        from ..filters import parse_filter

        job_filter = parse_filter(expression)
    workspace = workspace_of(workdir, workspace_id)
    if job_filter is None and experiment is None and count is None and not show_tags:
        lines = _plain_lines(workspace.path, fullpath)
    else:
        found = list(list_jobs(workspace.path, experiment=experiment, job_filter=job_filter))
        if count is not None:
            found.sort(key=_changed, reverse=True)
            found = found[:count]
        lines = []
        for job in found:
            shown = job.folder if fullpath else job.name
            line = f"{job.state.value:<11} {shown}"
            if show_tags:
                tags = format_tags(job.submission.tags)
                line = f"{line} {tags}" if tags else line
            lines.append(line)
    if lines:
        sys.stdout.write("\n".join(lines) + "\n")
    else:
        what = "matches the filter" if job_filter is not None else "was found"
        click.echo(f"no job {what} in the workspace {workspace.path}", err=True)


def _plain_lines(workdir: Path, fullpath: bool) -> list[str]:
    """The lines of `jobs list` without options, from the folders' markers alone
    (100,000 jobs in under a second): no per-job object, no run read."""
    from xpm.scheduler import JobState, scan_states

    labels = {state: f"{state.value:<11} " for state in JobState}
    if fullpath:
        return [labels[e.state] + e.folder for e in scan_states(workdir)]
    return [f"{labels[e.state]}{e.type_id}/{e.identifier}" for e in scan_states(workdir)]


def _changed(job: ListedJob) -> float:
    try:
        return os.stat(job.folder).st_mtime
    except OSError:
        return 0.0


@jobs.command(name="show")
@workspace_options
@click.argument("job")
def show_command(workdir: Path | None, workspace_id: str | None, job: str) -> None:
    """Show a job: state, folder, why it failed, times, tags, experiments, the code and
    environment it was submitted from, logs."""
    from ..catalog import find_job

    workspace = workspace_of(workdir, workspace_id)
    found = find_job(workspace.path, job)
    record = found.record
    rows: list[tuple[str, str]] = [
        ("job", found.name),
        ("state", record.state.value),
        ("folder", str(record.paths.folder)),
    ]
    if record.failure is not None:
        rows.append(("failure", record.failure.describe()))
    if record.process is not None:
        rows.append(("process", _process_text(record.process)))
    if record.started is not None:
        rows.append(("started", _time_text(record.started)))
    if record.ended is not None:
        rows.append(("ended", _time_text(record.ended)))
    if record.progress is not None:
        desc = f" {record.progress.desc}" if record.progress.desc else ""
        rows.append(("progress", f"{record.progress.fraction:.0%}{desc}"))
    rows.extend(_attempt_rows(record.paths, record.state.value))
    if found.submission.tags:
        rows.append(("tags", format_tags(found.submission.tags)))
    if found.submission.experiments:
        rows.append(("experiments", ", ".join(found.submission.experiments)))
    if found.submission.depends_on:
        rows.append(("depends on", ", ".join(found.submission.depends_on)))
    rows.extend(_environment_rows(record.paths.folder))
    rows.append(("stdout", str(record.paths.stdout)))
    rows.append(("stderr", str(record.paths.stderr)))
    click.echo("\n".join(f"{key + ':':<12} {value}" for key, value in rows))


def _environment_rows(folder: Path) -> list[tuple[str, str]]:
    """What the job was submitted from: its task's file, git state, Python, packages."""
    from xpm.scheduler import read_provenance

    env = read_provenance(folder)
    if env is None:
        return []
    rows = []
    source = env.get("source") or env.get("script")
    if source:
        rows.append(("code", str(source)))
    git = env.get("git")
    if isinstance(git, dict):
        commit = str(git.get("commit") or "no commit")[:10]
        branch = f" ({git['branch']})" if git.get("branch") else ""
        dirty = {True: ", with uncommitted changes", None: ", changes unknown"}.get(
            git.get("dirty"), ""
        )
        rows.append(("git", f"{commit}{branch} of {git.get('root')}{dirty}"))
    if env.get("python"):
        rows.append(("python", str(env["python"])))
    packages = env.get("packages")
    if isinstance(packages, dict) and packages:
        rows.append(("packages", ", ".join(f"{k} {v}" for k, v in sorted(packages.items()))))
    return rows


def _attempt_rows(paths: JobPaths, state: str) -> list[tuple[str, str]]:
    """One row per attempt, when the job was submitted more than once (issue 15)."""
    from xpm.scheduler import read_attempts

    attempts = read_attempts(paths)
    if len(attempts) < 2:
        return []
    rows = []
    for attempt in attempts:
        where = [f"{attempt.host}" if attempt.host else ""]
        if attempt.batch_id:
            where.append(f"SLURM job {attempt.batch_id}")
        if attempt.started is not None:
            where.append(f"started {_time_text(attempt.started)}")
        text = attempt.describe(state).partition(": ")[2]
        detail = ", ".join(w for w in where if w)
        rows.append((f"attempt {attempt.number}", f"{text} ({detail})" if detail else text))
    return rows


def _process_text(process: object) -> str:
    if not isinstance(process, dict):
        return str(process)
    if process.get("type") == "slurm":
        return f"SLURM job {process.get('jobid')} (submitted from {process.get('host')})"
    return f"pid {process.get('pid')} on {process.get('host')}"


def _time_text(when: float) -> str:
    return datetime.datetime.fromtimestamp(when).isoformat(sep=" ", timespec="seconds")
