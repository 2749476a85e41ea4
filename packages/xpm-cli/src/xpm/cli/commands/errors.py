"""The errors `xpm`'s commands report as click errors: `Error: <message>`, no traceback.

Errors of the library (`XpmError`) are in `xpm.cli.errors`; these belong to one command
each and carry click's exit code (1, or 2 for a usage error).
"""

from __future__ import annotations

import click

from ..errors import EXIT_USAGE


class LauncherUsageError(click.ClickException):
    """SPEC is not a requirement, or the launcher configuration is invalid (exit code 2)."""

    exit_code = EXIT_USAGE


class NoLogError(click.ClickException):
    """The job has no log file yet: it never ran here."""

    def __init__(self, job: str, path: str) -> None:
        super().__init__(
            f"the job {job} has no log {path} yet (it has not run in this workspace);"
            " use -f to wait for it"
        )


class UserCodeError(click.ClickException):
    """The experiment's own code raised an exception (its traceback is printed above)."""

    def __init__(self, what: str, error: BaseException) -> None:
        super().__init__(
            f"{what} raised {type(error).__name__}: {error} (the traceback above shows"
            " where; this is an error in the experiment's code)"
        )
