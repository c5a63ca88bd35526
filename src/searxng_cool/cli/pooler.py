"""`pooler start|stop|status`: Debian's PgBouncer in transaction mode before the embedded primary."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from searxng_cool.admin.pooler import DEFAULT_MAX_CLIENTS, DEFAULT_POOL_SIZE, Pooler
from searxng_cool.cli.common import console, handles_errors, settings
from searxng_cool.db.engine import embedded_cluster
from searxng_cool.errors import InvalidInput

app = typer.Typer(
    help="Connection pooling: PgBouncer (transaction mode) in front of the embedded primary."
)


def _pooler() -> Pooler:
    config = settings().database
    if not config.is_embedded:
        raise InvalidInput(
            "the pooler commands manage a PgBouncer for the embedded cluster; DATABASE_URL"
            " names a server (point it at that server's own pooler and set DATABASE_POOLED=true)"
        )
    return Pooler(embedded_cluster(config))


def _connect_hint(pooler: Pooler) -> str:
    config = settings().database
    url = pooler.url(user=config.url.username or "searxng_user", database=config.url.database or "")
    return (
        f"connect through it with DATABASE_URL='{url.render_as_string(hide_password=True)}'"
        " DATABASE_POOLED=true"
    ).replace("postgresql+psycopg://", "postgresql://")


@app.command()
@handles_errors
def start(
    pool_size: Annotated[int, typer.Option(help="Server connections per database and user.")] = (
        DEFAULT_POOL_SIZE
    ),
    max_clients: Annotated[int, typer.Option(help="Client connections accepted.")] = (
        DEFAULT_MAX_CLIENTS
    ),
) -> None:
    """Start PgBouncer on a Unix socket beside the embedded cluster (no TCP port).

    Example: searxng-cool-db pooler start --pool-size 20
    """
    if not 1 <= pool_size <= 1000 or not 1 <= max_clients <= 100_000:
        raise InvalidInput(
            f"--pool-size {pool_size} must be 1..1000 and --max-clients {max_clients} 1..100000"
        )
    pooler = _pooler()
    started = pooler.start(pool_size=pool_size, max_clients=max_clients)
    console.print(f"pgbouncer {'started' if started else 'already running'}: {pooler.directory}")
    console.print(_connect_hint(pooler), soft_wrap=True)


@app.command()
@handles_errors
def stop() -> None:
    """Stop PgBouncer after the transactions it is running.

    Example: searxng-cool-db pooler stop
    """
    pooler = _pooler()
    stopped = pooler.stop()
    console.print(f"pgbouncer {'stopped' if stopped else 'was not running'}: {pooler.directory}")


@app.command()
@handles_errors
def status(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Whether PgBouncer runs, and its pools (clients active/waiting, servers active/idle).

    Example: searxng-cool-db pooler status --json
    """
    pooler = _pooler()
    running = pooler.is_running()
    pools = pooler.pools() if running else []
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "running": running,
                    "directory": str(pooler.directory),
                    "pools": [p.as_json() for p in pools],
                },
                indent=2,
            )
        )
        return
    console.print(f"pgbouncer {'running' if running else 'stopped'}: {pooler.directory}")
    for pool in pools:
        console.print(
            f"{pool.database}/{pool.user}: clients {pool.clients_active} active,"
            f" {pool.clients_waiting} waiting; servers {pool.servers_active} active,"
            f" {pool.servers_idle} idle"
        )
    if running:
        console.print(_connect_hint(pooler), soft_wrap=True)
