"""`db start|stop|status`: the embedded PostgreSQL cluster."""

from __future__ import annotations

import typer

from searxng_cool.cli.common import console, handles_errors, settings
from searxng_cool.db.engine import embedded_cluster

app = typer.Typer(help="The embedded PostgreSQL cluster (used when DATABASE_URL names no host).")


@app.command()
@handles_errors
def start() -> None:
    """Initialise (first time) and start the embedded cluster.

    Example: db_cli.py db start
    """
    cluster = embedded_cluster(settings().database)
    started = cluster.ensure_running()
    state = "started" if started else "already running"
    console.print(f"embedded PostgreSQL {state}: {cluster.data_dir}")


@app.command()
@handles_errors
def stop() -> None:
    """Stop the embedded cluster (fast shutdown: open transactions are rolled back).

    Example: db_cli.py db stop
    """
    cluster = embedded_cluster(settings().database)
    stopped = cluster.stop()
    console.print(
        f"embedded PostgreSQL {'stopped' if stopped else 'was not running'}: {cluster.data_dir}"
    )


@app.command("status")
@handles_errors
def cluster_status() -> None:
    """Say whether the embedded cluster is initialised and running, and where it lives.

    Example: db_cli.py db status
    """
    cluster = embedded_cluster(settings().database)
    state = (
        "running"
        if cluster.is_running()
        else ("stopped" if cluster.is_initialised() else "not initialised")
    )
    console.print(f"embedded PostgreSQL {state}: {cluster.data_dir}")
