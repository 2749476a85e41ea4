"""How `xpm` turns errors into messages and exit codes."""

from __future__ import annotations

import io

import click
import pytest

from xpm.cli import ConfigurationError, FilterSyntaxError, Source
from xpm.cli.errors import BUG_NOTICE, run_program
from xpm.core import XpmError


def failing(error: BaseException) -> click.Group:
    """Return an `xpm`-like group whose `fail` command raises `error`."""

    @click.group(name="xpm")
    def group() -> None:
        pass

    @group.command()
    def fail() -> None:
        raise error

    @group.command()
    def ok() -> None:
        click.echo("fine")

    return group


def run(error: BaseException, *args: str) -> tuple[int, str]:
    stderr = io.StringIO()
    code = run_program(failing(error), list(args) or ["fail"], stderr=stderr)
    return code, stderr.getvalue()


def test_xpm_error_exits_1_with_message_and_no_traceback() -> None:
    """An XpmError is the user's to fix: one line, exit code 1."""
    code, err = run(XpmError("the workspace is locked"))
    assert (code, err) == (1, "Error: the workspace is locked\n")


def test_configuration_error_exits_2() -> None:
    """A bad experiment file is a usage error: exit code 2."""
    error = ConfigurationError("expected int, got 'x' (str)", source=Source("a.yaml", 3))
    assert run(error) == (2, "Error: a.yaml:3: expected int, got 'x' (str)\n")


def test_filter_syntax_error_exits_2_and_keeps_its_caret() -> None:
    """Multi-line messages are printed whole."""
    code, err = run(FilterSyntaxError("a = ", 5, "expected a value"))
    assert code == 2
    assert err == "Error: invalid job filter at column 5: expected a value\n  a = \n      ^\n"


def test_click_usage_error_exits_2() -> None:
    """Unknown options keep click's usage message."""
    code, err = run(XpmError("unused"), "--bogus")
    assert code == 2
    assert "No such option '--bogus'" in err
    assert err.startswith("Usage: xpm ")


def test_unexpected_exception_keeps_traceback_and_asks_for_a_report() -> None:
    """Anything else is a bug in xpm: traceback, then a request to report it."""
    code, err = run(KeyError("boom"))
    assert code == 1
    assert err.startswith("Traceback (most recent call last):")
    assert "KeyError: 'boom'" in err
    assert err.endswith(f"Error: {BUG_NOTICE}\n")
    assert BUG_NOTICE == "this is a bug in xpm, please report it"


def test_success_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    """A command that returns normally exits 0."""
    assert run_program(failing(XpmError()), ["ok"]) == 0
    assert capsys.readouterr().out == "fine\n"


def test_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    """`--help` is not an error."""
    assert run_program(failing(XpmError()), ["--help"]) == 0
    assert "Usage: xpm" in capsys.readouterr().out
