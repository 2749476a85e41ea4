"""Choosing the workspace: --workdir, --workspace, XPM_WORKDIR, settings.yaml, default."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from xpm.cli.errors import SettingsError, UnknownWorkspaceError, run_program
from xpm.cli.main import xpm
from xpm.cli.workspaces import config_dir, default_workdir, find_workspace, load_workspaces


def settings(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "settings.yaml"
    path.write_text(textwrap.dedent(text))
    return path


def test_default_workspace_needs_no_setup(tmp_path: Path) -> None:
    """With nothing configured, the workspace is $XDG_DATA_HOME/xpm/workspace."""
    chosen = find_workspace()
    assert chosen.path == tmp_path / "data" / "xpm" / "workspace"
    assert chosen.origin == "default"
    assert (
        default_workdir({"HOME": "/home/u"})
        == Path("~/.local/share").expanduser() / "xpm" / "workspace"
    )


def test_config_dir_honours_xpm_config_dir(isolated_settings: Path) -> None:
    """XPM_CONFIG_DIR names the folder of settings.yaml; else ~/.config/xpm."""
    assert config_dir() == isolated_settings
    assert config_dir({}) == Path("~/.config/xpm").expanduser()


def test_order_workdir_workspace_env_settings(
    isolated_settings: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--workdir wins over --workspace, which wins over XPM_WORKDIR, then the first listed."""
    settings(isolated_settings, """\
        workspaces:
          - id: first
            path: ws-first          # relative to the settings file
          - id: second
            path: ~/ws-second
            environment: {CUDA_VISIBLE_DEVICES: 0, DEBUG: true}
    """)  # fmt: skip
    assert find_workspace().path == isolated_settings / "ws-first"
    monkeypatch.setenv("XPM_WORKDIR", str(tmp_path / "env-ws"))
    assert find_workspace().path == tmp_path / "env-ws"
    second = find_workspace(workspace="second")
    assert second.path == Path("~/ws-second").expanduser()
    assert second.environment == {"CUDA_VISIBLE_DEVICES": "0", "DEBUG": "true"}
    assert find_workspace(workdir=tmp_path / "cli", workspace="second").path == tmp_path / "cli"


def test_unknown_workspace_suggests(isolated_settings: Path) -> None:
    """An unknown id lists the known ones and suggests the closest."""
    settings(
        isolated_settings, "workspaces:\n  - {id: main, path: /x}\n  - {id: scratch, path: /y}\n"
    )
    with pytest.raises(UnknownWorkspaceError) as caught:
        find_workspace(workspace="mian")
    assert str(caught.value) == (
        f"no workspace 'mian' in {isolated_settings / 'settings.yaml'} (known: main, scratch)."
        " Did you mean 'main'?"
    )


def test_unknown_workspace_without_settings(isolated_settings: Path) -> None:
    """Without a settings file, --workspace says how to add one."""
    with pytest.raises(UnknownWorkspaceError, match="lists no workspace; add one there"):
        find_workspace(workspace="main")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("workspaces: [\n", ":2: invalid YAML"),
        ("workspace: []\n", ":1: workspace: unknown key; the settings file holds 'workspaces'."
         " Did you mean 'workspaces'?"),
        ("workspaces:\n  - id: a\n    paht: /x\n", ":3: workspaces[0].paht: unknown key; a"
         " workspace has 'id', 'path' and 'environment'. Did you mean 'path'?"),
        ("workspaces:\n  - id: a\n", ":2: workspaces[0]: missing required key 'path'"),
        ("workspaces:\n  - id: 3\n    path: /x\n", ":2: workspaces[0].id: expected a non-empty"
         " string, got 3"),
        ("workspaces:\n  - {id: a, path: /x}\n  - {id: a, path: /y}\n", ":3: workspaces[1].id:"
         " the id 'a' is already used at"),
        ("workspaces: {id: a}\n", ":1: workspaces: expected a list of workspaces"),
        ("workspaces:\n  - id: a\n    path: /x\n    environment: [A]\n", ":4:"
         " workspaces[0].environment: expected a mapping"),
    ],
)  # fmt: skip
def test_settings_errors_name_file_line_and_key(
    isolated_settings: Path, text: str, message: str
) -> None:
    """Each mistake in settings.yaml names the file, the line and the key."""
    path = settings(isolated_settings, text)
    with pytest.raises(SettingsError) as caught:
        load_workspaces(path)
    assert str(caught.value).startswith(f"{path}{message}")


def test_empty_settings_file_lists_nothing(isolated_settings: Path) -> None:
    """An empty file, or `workspaces:` with no entry, is valid."""
    assert load_workspaces(settings(isolated_settings, "")) == []
    assert load_workspaces(settings(isolated_settings, "workspaces:\n")) == []


def test_cli_uses_the_settings_and_rejects_both_options(
    runner: CliRunner, isolated_settings: Path, tmp_path: Path
) -> None:
    """`--workspace` works on every command; giving it with --workdir is a usage error."""
    settings(isolated_settings, f"workspaces:\n  - {{id: main, path: {tmp_path / 'ws'}}}\n")
    with runner.isolation() as (_, err, _):
        assert run_program(xpm, ["jobs", "list", "--workspace", "main"]) == 0
        assert run_program(xpm, ["jobs", "list", "--workspace", "nope"]) == 2
        assert run_program(xpm, ["jobs", "list", "--workspace", "main", "--workdir", "x"]) == 2
        text = err.getvalue().decode()
    assert f"no job was found in the workspace {tmp_path / 'ws'}" in text
    assert "no workspace 'nope'" in text
    assert "give --workdir or --workspace, not both" in text


def test_bad_settings_exit_2_from_the_cli(runner: CliRunner, isolated_settings: Path) -> None:
    """An invalid settings file stops a command with exit code 2 and the location."""
    path = settings(isolated_settings, "workspaces:\n  - id: a\n")
    with runner.isolation() as (_, err, _):
        assert run_program(xpm, ["experiments", "list"]) == 2
        assert err.getvalue().decode() == (
            f"Error: {path}:2: workspaces[0]: missing required key 'path'\n"
        )
