"""The `xpm` root command: version, help, `python -m xpm.cli`, and light imports."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import version

from click.testing import CliRunner

from xpm.cli.main import xpm


def test_version_reads_the_distribution_metadata(runner: CliRunner) -> None:
    """`xpm --version` prints the installed xpm-cli version."""
    result = runner.invoke(xpm, ["--version"])
    assert result.exit_code == 0
    assert result.output == f"xpm, version {version('xpm-cli')}\n"


def test_help_describes_the_program(runner: CliRunner) -> None:
    """`xpm --help` and `xpm -h` print the usage."""
    for flag in ("--help", "-h"):
        result = runner.invoke(xpm, [flag])
        assert result.exit_code == 0
        assert result.output.startswith("Usage: xpm [OPTIONS] COMMAND [ARGS]...")


def test_python_dash_m_runs_the_command() -> None:
    """`python -m xpm.cli --version` works and names the program `xpm`."""
    done = subprocess.run(
        [sys.executable, "-m", "xpm.cli", "--version"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("xpm, version ")


def test_main_module_does_not_import_yaml_or_lark() -> None:
    """`xpm --help` stays fast: the root command imports no yaml, lark or xpm.scheduler."""
    code = (
        "import sys, xpm.cli.main; print(sorted(m for m in sys.modules"
        " if m.split('.')[0] in ('yaml', 'lark') or m.startswith('xpm.scheduler')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_help_lists_every_command(runner: CliRunner) -> None:
    """The root help names every command group, and shell completion."""
    result = runner.invoke(xpm, ["--help"])
    for command in (
        "run-experiment",
        "jobs",
        "experiments",
        "launchers",
        "_XPM_COMPLETE=bash_source",
    ):
        assert command in result.output
    jobs = runner.invoke(xpm, ["jobs", "--help"])
    for command in ("list", "show", "log", "kill", "clean"):
        assert f"  {command} " in jobs.output
