"""`xpm launchers find SPEC`: which launcher a requirement gets, and why."""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .errors import LauncherUsageError

if TYPE_CHECKING:
    from xpm.launchers import LauncherChoice


@click.group(name="launchers")
def launchers() -> None:
    """See which launcher (local machine, SLURM partition) a requirement gets."""


@launchers.command(name="find")
@click.option(
    "--tags",
    "tags",
    multiple=True,
    metavar="KEY=VALUE",
    help="A tag passed to launchers.py's find_launcher; repeatable.",
)
@click.option(
    "--config-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="The configuration folder (default: $XPM_CONFIG_DIR, else ~/.config/xpm).",
)
@click.argument("spec")
def find_command(spec: str, tags: tuple[str, ...], config_dir: Path | None) -> None:
    """Show the launcher that find_launcher would use for the requirement SPEC, and why.

    SPEC is a requirement, e.g. "duration=2h & cuda(mem=16G)*2 | duration=6h & cpu()".
    launchers.py of the configuration folder is asked first (with the tags), then
    launchers.yaml, else the local machine as detected. Prints the launcher, the
    alternative that runs and why each other candidate was not chosen. Exit codes: 0
    when a launcher fits, 1 when none does (each candidate is listed with its reason),
    2 for a syntax error in SPEC or an invalid launchers.yaml or launchers.py.
    """
    import types

    from xpm.launchers import (
        LAUNCHERS_PY,
        LAUNCHERS_YAML,
        LauncherConfigError,
        RequirementSyntaxError,
        call_hook,
        choose_launcher,
        default_config_dir,
        parse,
    )

    tag_map = _parse_tags(tags)
    folder = default_config_dir() if config_dir is None else config_dir
    try:
        requirement = parse(spec)
        lines = [f"requirement: {requirement}"]
        hook = folder / LAUNCHERS_PY
        if hook.is_file():
            # The same call as xpm.launchers.find_launcher makes, so that the answer is
            # the one a job would get.
            launcher = call_hook(hook, requirement, types.MappingProxyType(tag_map))
            if launcher is not None:
                lines.append(f"launcher: {launcher!r}")
                lines.append(f"chosen by: {hook} (find_launcher{_tags_text(tag_map)})")
                lines.append(f"{LAUNCHERS_YAML} was not consulted")
                click.echo("\n".join(lines))
                return
            lines.append(f"{hook} returned None{_tags_text(tag_map)}: {LAUNCHERS_YAML} decides")
        choice = choose_launcher(requirement, config_dir=folder)
    except (RequirementSyntaxError, LauncherConfigError) as error:
        raise LauncherUsageError(str(error)) from error
    yaml_file = folder / LAUNCHERS_YAML
    source = (
        str(yaml_file)
        if yaml_file.is_file()
        else f"the local machine, as detected (no {LAUNCHERS_YAML} in {folder})"
    )
    lines.extend(_describe_choice(choice, source))
    click.echo("\n".join(lines))


def _parse_tags(tags: tuple[str, ...]) -> dict[str, str]:
    result: dict[str, str] = {}
    for tag in tags:
        key, sep, value = tag.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"{tag!r} is not KEY=VALUE", param_hint="'--tags'")
        result[key.strip()] = value
    return result


def _tags_text(tags: Mapping[str, str]) -> str:
    if not tags:
        return ", no tags"
    return ", tags " + ", ".join(f"{key}={value}" for key, value in tags.items())


def _describe_choice(choice: LauncherChoice, source: str) -> list[str]:
    if choice.slurm_options is None:
        launcher = f"LocalLauncher(max_jobs={choice.max_jobs})"
        lines = [f"launcher: {choice.name}: {launcher}"]
    else:
        partition = choice.slurm_options.partition or "the cluster's default"
        lines = [
            f"launcher: {choice.name}: SlurmLauncher, partition {partition}",
            f"sbatch options: {shlex.join(choice.slurm_options.arguments())}",
        ]
    lines.append(f"candidates from: {source}")
    lines.append(choice.match.explain())
    return lines
