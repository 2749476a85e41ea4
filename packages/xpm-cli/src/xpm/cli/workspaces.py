"""Workspaces: which folder a command reads and writes, with no set-up needed.

The folder is chosen in this order, the first that is given wins:

1. `--workdir DIR` on the command line;
2. `--workspace ID`, an id of the settings file;
3. the `XPM_WORKDIR` environment variable;
4. the first workspace of the settings file;
5. the default workspace, `$XDG_DATA_HOME/xpm/workspace` (`~/.local/share/xpm/workspace`).

The settings file is `settings.yaml` in `$XPM_CONFIG_DIR`, else in
`$XDG_CONFIG_HOME/xpm` (`~/.config/xpm`)::

    workspaces:
      - id: main
        path: ~/experiments            # `~` and $VARS expand; relative to the file
        environment:                   # set for the experiments run in it
          CUDA_VISIBLE_DEVICES: "0"
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from .errors import SettingsError, Source, UnknownWorkspaceError
from .located import Located

SETTINGS_FILE: Final = "settings.yaml"
_WORKSPACE_KEYS: Final = ("id", "path", "environment")


@dataclass(frozen=True)
class Workspace:
    """A workspace folder, and where the choice of it came from.

    Attributes:
        path: the workspace folder, absolute (it may not exist yet).
        id: its id in the settings file, or None.
        environment: environment variables to set for experiments run in it.
        origin: how it was chosen: `--workdir`, `--workspace`, `XPM_WORKDIR`, the
            settings file's path, or `default`.
    """

    path: Path
    id: str | None = None
    environment: Mapping[str, str] = field(default_factory=dict)
    origin: str = "default"


def config_dir(environ: Mapping[str, str] | None = None) -> Path:
    """Return xpm's configuration folder: `$XPM_CONFIG_DIR`, else `~/.config/xpm`."""
    env = os.environ if environ is None else environ
    if env.get("XPM_CONFIG_DIR"):
        return Path(env["XPM_CONFIG_DIR"]).expanduser()
    base = env.get("XDG_CONFIG_HOME") or str(Path("~/.config").expanduser())
    return Path(base) / "xpm"


def default_workdir(environ: Mapping[str, str] | None = None) -> Path:
    """Return the workspace used when nothing names one: `~/.local/share/xpm/workspace`."""
    env = os.environ if environ is None else environ
    base = env.get("XDG_DATA_HOME") or str(Path("~/.local/share").expanduser())
    return Path(base) / "xpm" / "workspace"


def load_workspaces(path: Path) -> list[Workspace]:
    """Return the workspaces listed in the settings file at `path`; none if it is missing.

    Raises:
        SettingsError: the file is not valid YAML, or a key is unknown, missing or of
            the wrong type; the message names the file, line and key.
    """
    from xpm.launchers.plumbing import read_yaml_file

    from .located import compose, from_node

    shown = str(path)
    try:
        text = read_yaml_file(path)
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as error:
        raise SettingsError(f"cannot read the settings: {error}", source=Source(shown)) from None
    node = compose(text, shown, SettingsError)
    if node is None:
        return []
    document = from_node(node, shown)
    if not isinstance(document.value, dict):
        raise SettingsError("expected a mapping with the key 'workspaces'", source=document.source)
    for key, value in document.value.items():
        if key != "workspaces":
            raise SettingsError(
                "unknown key; the settings file holds 'workspaces'",
                source=value.where,
                path=key,
                suggestions=["workspaces"] if key.startswith("work") else (),
            )
    entries = document.value.get("workspaces")
    if entries is None or entries.value is None:
        return []
    if not isinstance(entries.value, list):
        raise SettingsError(
            "expected a list of workspaces (- id: ..., path: ...)",
            source=entries.where,
            path="workspaces",
        )
    workspaces: list[Workspace] = []
    seen: dict[str, Source] = {}
    for index, entry in enumerate(entries.value):
        workspace = _workspace(entry, f"workspaces[{index}]", path.parent, shown)
        assert workspace.id is not None
        if workspace.id in seen:
            raise SettingsError(
                f"the id {workspace.id!r} is already used at {seen[workspace.id]}",
                source=entry.source,
                path=f"workspaces[{index}].id",
            )
        seen[workspace.id] = entry.source
        workspaces.append(workspace)
    return workspaces


def _workspace(entry: Located, where: str, folder: Path, shown: str) -> Workspace:
    from xpm.launchers.plumbing import close_matches

    if not isinstance(entry.value, dict):
        raise SettingsError(
            "expected a mapping with 'id', 'path' and optionally 'environment'",
            source=entry.source,
            path=where,
        )
    for key, value in entry.value.items():
        if key not in _WORKSPACE_KEYS:
            raise SettingsError(
                "unknown key; a workspace has 'id', 'path' and 'environment'",
                source=value.where,
                path=f"{where}.{key}",
                suggestions=close_matches(key, _WORKSPACE_KEYS, n=1),
            )
    values: dict[str, str] = {}
    for key in ("id", "path"):
        if key not in entry.value:
            raise SettingsError(f"missing required key {key!r}", source=entry.source, path=where)
        value = entry.value[key]
        if not isinstance(value.value, str) or not value.value:
            raise SettingsError(
                f"expected a non-empty string, got {value.value!r}",
                source=value.source,
                path=f"{where}.{key}",
            )
        values[key] = value.value
    environment: dict[str, str] = {}
    if "environment" in entry.value:
        env = entry.value["environment"]
        if not isinstance(env.value, dict):
            raise SettingsError(
                "expected a mapping of variable names to values",
                source=env.source,
                path=f"{where}.environment",
            )
        for name, value in env.value.items():
            if isinstance(value.value, dict | list) or value.value is None:
                raise SettingsError(
                    "expected a string, number or boolean",
                    source=value.source,
                    path=f"{where}.environment.{name}",
                )
            plain = value.value
            environment[name] = str(plain).lower() if isinstance(plain, bool) else str(plain)
    path = Path(os.path.expandvars(values["path"])).expanduser()
    return Workspace(
        path=Path(os.path.normpath(folder / path)),
        id=values["id"],
        environment=environment,
        origin=shown,
    )


def find_workspace(
    *,
    workdir: str | os.PathLike[str] | None = None,
    workspace: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> Workspace:
    """Return the workspace a command should use (see the module's docstring for the order).

    Args:
        workdir: the `--workdir` option.
        workspace: the `--workspace` option, an id of the settings file.
        environ: the environment; `os.environ` when None.

    Raises:
        SettingsError: the settings file had to be read and is invalid.
        UnknownWorkspaceError: `workspace` names no workspace of the settings file.
    """
    env = os.environ if environ is None else environ
    if workdir is not None:
        return Workspace(Path(workdir).expanduser().absolute(), origin="--workdir")
    settings = config_dir(env) / SETTINGS_FILE
    if workspace is not None:
        known = load_workspaces(settings)
        for candidate in known:
            if candidate.id == workspace:
                return Workspace(
                    candidate.path, candidate.id, candidate.environment, origin="--workspace"
                )
        raise UnknownWorkspaceError(workspace, str(settings), [w.id or "" for w in known])
    if env.get("XPM_WORKDIR"):
        return Workspace(Path(env["XPM_WORKDIR"]).expanduser().absolute(), origin="XPM_WORKDIR")
    known = load_workspaces(settings)
    if known:
        return known[0]
    return Workspace(default_workdir(env), origin="default")
