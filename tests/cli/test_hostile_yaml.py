"""Hostile YAML (alias bombs, endless files, deep nesting, huge numbers, surrogates) is
refused with file:line and exit code 2, quickly, by every reader of YAML."""

from __future__ import annotations

import os
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from xpm.cli.errors import run_program
from xpm.cli.main import xpm
from xpm.launchers import LauncherConfigError, load_launchers_config

LAUGHS = "id: a\nx0: &x0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"x{i}: &x{i} [{', '.join([f'*x{i - 1}'] * 9)}]\n" for i in range(1, 9)
)
"""The "billion laughs": 10 lines, 9 levels of 9 aliases (about 400 million values)."""

EXPERIMENT = textwrap.dedent(
    """
    from xpm.cli import configuration

    @configuration
    class Conf:
        lr: float = 0.1
        n: int = 1
        name: str = "x"
        x: object = None

    def run(helper, cfg: Conf) -> None:
        print("ran")
    """
)


def _run(runner: CliRunner, *args: str) -> tuple[int, str]:
    with runner.isolation() as (out, err, _):
        code = run_program(xpm, list(args))
        return code, err.getvalue().decode() + out.getvalue().decode()


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "experiment.py").write_text(EXPERIMENT)
    return tmp_path


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (LAUGHS, "xp.yaml:7: invalid YAML: aliases expand this value to more than 100,000"),
        ("id: a\nx: &a [*a]\n", "xp.yaml:2: invalid YAML: an alias names a value that contains"),
        ("id: a\nx: " + "[" * 5000 + "]" * 5000 + "\n", "xp.yaml:2: invalid YAML: values nested"),
        ("id: a\nn: 1" + "0" * 5000 + "\n", "xp.yaml:2: invalid YAML: an integer of more than"),
        ('id: a\nname: "\\ud800"\n', "xp.yaml:2: invalid YAML: the string holds an unpaired"),
        ("id: a\nlr: 1" + "0" * 400 + "\n", "xp.yaml:2: lr: expected float, got an integer of"),
        ("id: a\nparent: /dev/zero\n", "xp.yaml:2: cannot read /dev/zero: not a regular file"),
    ],
)
def test_hostile_experiment_files_exit_2_with_file_and_line(
    runner: CliRunner, folder: Path, text: str, expected: str
) -> None:
    (folder / "xp.yaml").write_text(text, errors="surrogatepass")
    started = time.monotonic()
    code, output = _run(runner, "run-experiment", "--workdir", str(folder / "ws"), "xp.yaml")
    assert (code, output.split("\n")[0][: len("Error: " + expected)]) == (2, "Error: " + expected)
    assert time.monotonic() - started < 5


def test_a_fifo_parent_is_refused_without_blocking(runner: CliRunner, folder: Path) -> None:
    os.mkfifo(folder / "pipe.yaml")
    (folder / "xp.yaml").write_text("id: a\nparent: pipe.yaml\n")
    code, output = _run(runner, "run-experiment", "--workdir", str(folder / "ws"), "xp.yaml")
    assert (code, output) == (
        2,
        "Error: xp.yaml:2: cannot read pipe.yaml: not a regular file (a named pipe);"
        " xpm reads YAML from files only\n",
    )


def test_a_file_over_one_mib_is_refused(runner: CliRunner, folder: Path) -> None:
    (folder / "xp.yaml").write_text("id: a\n" + "# padding\n" * 120_000)
    code, output = _run(runner, "run-experiment", "--workdir", str(folder / "ws"), "xp.yaml")
    assert (code, output) == (
        2,
        "Error: xp.yaml: cannot read xp.yaml: larger than 1024 KiB, the most xpm reads from YAML\n",
    )


def test_a_hostile_override_names_the_option(runner: CliRunner, folder: Path) -> None:
    (folder / "xp.yaml").write_text("id: a\n")
    code, output = _run(
        runner, "run-experiment", "--workdir", str(folder / "ws"), "xp.yaml", "-c", "x=&a [*a]"
    )
    assert (code, output) == (
        2,
        "Error: option -c x=&a [*a]: cannot read the value as YAML: an alias names a value"
        " that contains it (a value cannot hold itself)\n",
    )


def test_an_alias_bomb_in_settings_stops_commands_at_once(
    runner: CliRunner, isolated_settings: Path
) -> None:
    isolated_settings.mkdir()
    path = isolated_settings / "settings.yaml"
    path.write_text(LAUGHS.replace("id: a\n", "workspaces: []\n"))
    started = time.monotonic()
    code, output = _run(runner, "experiments", "list")
    assert (code, output) == (
        2,
        f"Error: {path}:7: invalid YAML: aliases expand this value to more than 100,000 values;"
        " an alias (*name) may repeat a value, not multiply a document\n",
    )
    assert time.monotonic() - started < 5


def test_settings_that_are_a_device_are_refused(runner: CliRunner, isolated_settings: Path) -> None:
    isolated_settings.mkdir()
    os.symlink("/dev/zero", isolated_settings / "settings.yaml")
    code, output = _run(runner, "experiments", "list")
    assert (code, output) == (
        2,
        f"Error: {isolated_settings / 'settings.yaml'}: cannot read the settings: not a regular"
        " file (a device); xpm reads YAML from files only\n",
    )


def test_launchers_yaml_alias_bomb_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "launchers.yaml"
    path.write_text(LAUGHS.replace("id: a\n", "local: {}\n"))
    with pytest.raises(LauncherConfigError) as error:
        load_launchers_config(path)
    assert str(error.value).startswith(
        f"{path}, line 7: not valid YAML: aliases expand this value to more than 100,000 values"
    )
