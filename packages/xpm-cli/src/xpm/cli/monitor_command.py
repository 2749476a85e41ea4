"""`xpm monitor`: serve the live monitor page for a workspace, without running anything.

The page (xpm.scheduler.monitor) shows the workspace's experiments, runs and jobs as they
change, their logs and results, and can kill a job. The command prints the URL, whose
token is required by every request, and serves until Ctrl-C.
"""

from __future__ import annotations

import threading
from pathlib import Path

import click

from .commands.options import workspace_of, workspace_options


@click.command(name="monitor")
@workspace_options
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=0,
    show_default=True,
    help="The port to listen on; 0 picks a free one.",
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="The address to listen on; anyone who reaches it with the token can kill jobs.",
)
def monitor(workdir: Path | None, workspace_id: str | None, port: int, host: str) -> None:
    """Serve a live web page over a workspace's experiments and jobs until Ctrl-C."""
    from xpm.scheduler import MonitorServer

    workdir = workspace_of(workdir, workspace_id).path
    if not (workdir / "jobs").is_dir() and not (workdir / "experiments").is_dir():
        click.echo(f"Note: {workdir} holds no jobs yet; the page fills in as experiments run.")
    server = MonitorServer(workdir, host=host, port=port)
    try:
        server.start()
    except OSError as e:
        raise click.ClickException(f"cannot listen on {host}:{port}: {e.strerror or e}") from e
    try:
        click.echo(f"Monitoring {workdir}")
        click.echo(f"Open {server.url}")
        click.echo("Press Ctrl-C to stop.")
        threading.Event().wait()
    except KeyboardInterrupt:
        click.echo("Stopped.")
    finally:
        server.stop()
