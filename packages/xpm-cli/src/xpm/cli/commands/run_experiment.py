"""`xpm run-experiment FILE.yaml`: run an experiment described by an experiment file."""

from __future__ import annotations

import os
import traceback
from pathlib import Path

import click

from .errors import UserCodeError
from .options import workspace_of, workspace_options


@click.command(name="run-experiment")
@click.option(
    "--run-mode",
    type=click.Choice(["normal", "dry-run", "generate"]),
    default="normal",
    show_default=True,
    help="dry-run: show the jobs, write nothing; generate: write job folders, run nothing.",
)
@workspace_options
@click.option("--port", type=click.IntRange(1, 65535), help="Serve the monitoring page here.")
@click.option(
    "-c",
    "overrides",
    multiple=True,
    metavar="KEY.SUB=VALUE",
    help="Override a configuration value (VALUE is YAML); repeatable.",
)
@click.option("--show", is_flag=True, help="Print the merged configuration and exit.")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def run_experiment(
    run_mode: str,
    workdir: Path | None,
    workspace_id: str | None,
    port: int | None,
    overrides: tuple[str, ...],
    show: bool,
    file: Path,
) -> None:
    """Run the experiment that FILE (YAML) describes, and wait for its jobs.

    FILE sets `id` (the experiment's name), `file` (default: experiment.py beside FILE)
    or `module`, optionally `pythonpath`, `parent` and `imports`; its other keys fill
    the `@configuration` class of `run(helper, cfg)`. Exit codes: 0 when every job
    succeeded, 1 when some failed (the failures are listed), 2 for a usage or
    configuration error.
    """
    from xpm.core import XpmError
    from xpm.scheduler import check_experiment_name, experiment

    from ..experiment_code import add_import_paths, import_code, run_function
    from ..experiment_file import (
        apply_overrides,
        configuration_of,
        load_experiment_file,
        render_yaml,
    )
    from ..experiment_helper import ExperimentHelper
    from ..grid_search import unused_grid

    experiment_file = load_experiment_file(file)
    check_experiment_name(experiment_file.id, f"the id of {file}")
    workspace = workspace_of(workdir, workspace_id)
    # The workspace's variables are set first: the experiment's code may read them.
    os.environ.update(workspace.environment)
    add_import_paths(experiment_file)
    try:
        module, where = import_code(experiment_file)
    except XpmError:
        raise
    except Exception as error:
        traceback.print_exc()
        what = f"importing {experiment_file.file or experiment_file.module}"
        raise UserCodeError(what, error) from None
    run, cls = run_function(module, where)
    tree = apply_overrides(experiment_file.configuration, overrides)
    cfg = configuration_of(cls, tree)
    if show:
        click.echo(render_yaml(cfg), nl=False)
        return
    with experiment(
        workspace.path,
        experiment_file.id,
        run_mode=run_mode,
        port=port,
        script=experiment_file.path,
    ) as xp:
        helper = ExperimentHelper(xp, experiment_file, tree)
        try:
            run(helper, cfg)
        except XpmError:
            raise
        except Exception as error:
            traceback.print_exc()
            raise UserCodeError(f"run() of {where}", error) from None
        unused = unused_grid(helper, cfg)
        if unused is not None:
            click.echo(unused, err=True)
