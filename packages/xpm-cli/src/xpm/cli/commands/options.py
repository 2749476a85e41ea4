"""Options shared by several commands: which workspace, which jobs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from ..workspaces import Workspace, find_workspace

F = TypeVar("F", bound=Callable[..., Any])

PERFORM_HELP = "Do it; without this flag, only print what would be done."


def workspace_options(command: F) -> F:
    """Add `--workdir DIR` and `--workspace ID` to `command` (mutually exclusive)."""
    command = click.option(
        "--workspace",
        "workspace_id",
        metavar="ID",
        help="A workspace of ~/.config/xpm/settings.yaml (by id).",
    )(command)
    return click.option(
        "--workdir",
        type=click.Path(file_okay=False, path_type=Path),
        help="The workspace folder (default: $XPM_WORKDIR, the first workspace of the"
        " settings, else ~/.local/share/xpm/workspace).",
    )(command)


def selection_options(command: F, *, required: bool = True) -> F:
    """Add how `jobs kill` and `jobs clean` select jobs, the same way for both.

    The workspace options, `--experiment ID`, the `--perform` flag (without it the
    command only says what it would do) and the FILTER argument (optional for `clean`,
    which takes `--orphans` instead).
    """
    command = click.argument("expression", metavar="FILTER", required=required)(command)
    command = click.option("--perform", is_flag=True, help=PERFORM_HELP)(command)
    command = click.option(
        "--experiment", metavar="ID", help="Only the jobs this experiment submitted."
    )(command)
    return workspace_options(command)


def workspace_of(workdir: Path | None, workspace_id: str | None) -> Workspace:
    """Return the workspace named by the two options.

    Raises:
        click.UsageError: both options were given.
        SettingsError: the settings file is invalid.
        UnknownWorkspaceError: `workspace_id` is unknown.
    """
    if workdir is not None and workspace_id is not None:
        raise click.UsageError("give --workdir or --workspace, not both")
    return find_workspace(workdir=workdir, workspace=workspace_id)
