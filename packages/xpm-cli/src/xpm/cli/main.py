"""The `xpm` command: the root click group that every subcommand attaches to.

Keep this module light. `xpm --help` imports it and the command modules, so yaml, lark
and xpm.scheduler are imported only inside the commands that need them.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import click

from .commands.deprecated import deprecated
from .commands.experiments import experiments
from .commands.jobs import jobs
from .commands.jobs_care import stray_command
from .commands.jobs_control import clean_command, kill_command
from .commands.jobs_log import log_command
from .commands.launchers import launchers
from .commands.results import results_command
from .commands.run_experiment import run_experiment
from .errors import run_program
from .monitor_command import monitor


@click.group(name="xpm", context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="xpm-cli", prog_name="xpm")
def xpm() -> None:
    """Run experiments and manage their jobs.

    The workspace is --workdir DIR, else --workspace ID (from settings.yaml in
    $XPM_CONFIG_DIR or ~/.config/xpm), else $XPM_WORKDIR, else the first workspace of
    the settings, else ~/.local/share/xpm/workspace.

    Shell completion (bash): eval "$(_XPM_COMPLETE=bash_source xpm)"; for zsh and fish
    use zsh_source and fish_source.
    """


jobs.add_command(log_command)
jobs.add_command(kill_command)
jobs.add_command(clean_command)
jobs.add_command(stray_command)
xpm.add_command(jobs)
xpm.add_command(experiments)
xpm.add_command(launchers)
xpm.add_command(results_command)
xpm.add_command(run_experiment)
xpm.add_command(monitor)
xpm.add_command(deprecated)


def main(args: Sequence[str] | None = None) -> None:
    """Run the `xpm` command line and exit with its exit code.

    Args:
        args: the arguments after the program name; `sys.argv[1:]` when None.
    """
    sys.exit(run_program(xpm, args))
