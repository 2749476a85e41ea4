"""The `xpm` command: the root click group that every subcommand attaches to.

Keep this module light. `xpm --help` imports it, so yaml and lark are imported only
inside the commands that need them.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import click

from .errors import run_command
from .monitor_command import monitor


@click.group(name="xpm", context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="xpm-cli", prog_name="xpm")
def xpm() -> None:
    """Run experiments and manage their jobs."""


xpm.add_command(monitor)


def main(args: Sequence[str] | None = None) -> None:
    """Run the `xpm` command line and exit with its exit code.

    Args:
        args: the arguments after the program name; `sys.argv[1:]` when None.
    """
    sys.exit(run_command(xpm, args))
