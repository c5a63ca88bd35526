"""`replicas add|list|remove`: streaming read replicas of the embedded cluster."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from sqlalchemy import create_engine, pool

from searxng_cool.admin.replication import Standby, replication_status
from searxng_cool.cli.common import console, handles_errors, settings
from searxng_cool.db.embedded import EmbeddedCluster
from searxng_cool.db.engine import embedded_cluster
from searxng_cool.db.read_engines import replica_urls
from searxng_cool.db.replicas import add_replica, embedded_replicas, remove_replica, slot_name
from searxng_cool.errors import InvalidInput

app = typer.Typer(
    help="Read replicas: streaming copies of the embedded primary that serve read-only work."
)


def _embedded() -> EmbeddedCluster:
    config = settings().database
    if not config.is_embedded:
        raise InvalidInput(
            "replicas add/remove manage the embedded cluster's replicas; DATABASE_URL names a"
            " server, so list its replicas in DATABASE.READ_REPLICAS (or DATABASE_READ_REPLICAS)"
        )
    return embedded_cluster(config)


@app.command()
@handles_errors
def add(
    name: Annotated[str | None, typer.Option(help="Replica name (default replicaN).")] = None,
) -> None:
    """Copy the embedded primary (pg_basebackup with a replication slot) and start the copy as
    a hot standby on its own socket. The API and `serve` route reads to it from then on.

    Example: searxng-cool-db replicas add --name replica1
    """
    replica = add_replica(_embedded(), name=name)
    console.print(
        f"replica {replica.name} streaming from the primary: {replica.cluster.data_dir}"
        f" (slot {replica.slot})"
    )


@app.command("list")
@handles_errors
def list_replicas(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Each replica with its state and lag (bytes and seconds) as the primary sees it.

    Example: searxng-cool-db replicas list --json
    """
    config = settings().database
    rows: list[dict[str, object]] = []
    if config.is_embedded:
        cluster = embedded_cluster(config)
        standbys: dict[str | None, Standby] = {}
        if cluster.is_running():
            engine = create_engine(cluster.url(), poolclass=pool.NullPool)
            try:
                with engine.connect() as connection:
                    standbys = {s.slot: s for s in replication_status(connection)}
            finally:
                engine.dispose()
        for replica in embedded_replicas(cluster):
            seen = standbys.get(slot_name(replica.name))
            running = replica.cluster.is_running()
            rows.append(
                {
                    "name": replica.name,
                    "kind": "embedded",
                    "state": (seen.state if seen and seen.state else None)
                    or ("running" if running else "stopped"),
                    "lag_bytes": seen.lag_bytes if seen else None,
                    "lag_seconds": seen.lag_seconds if seen else None,
                    "slot": replica.slot,
                    "slot_active": seen.active if seen else False,
                    "location": str(replica.cluster.data_dir),
                }
            )
    names = {row["name"] for row in rows}
    for name, url in replica_urls(config):
        if name not in names:
            rows.append(
                {
                    "name": name,
                    "kind": "configured",
                    "state": "configured",
                    "lag_bytes": None,
                    "lag_seconds": None,
                    "slot": None,
                    "slot_active": None,
                    "location": url.render_as_string(hide_password=True),
                }
            )
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        console.print("no replicas (add one with `replicas add`)")
        return
    for row in rows:
        lag = (
            "lag unknown"
            if row["lag_seconds"] is None
            else f"lag {row['lag_bytes']} bytes, {row['lag_seconds']:.2f} s"
        )
        console.print(f"{row['name']}: {row['state']}, {lag} ({row['location']})")


@app.command()
@handles_errors
def remove(name: Annotated[str, typer.Argument(help="The replica's name.")]) -> None:
    """Stop a replica, drop its replication slot on the primary, delete its directory.

    Example: searxng-cool-db replicas remove replica1
    """
    remove_replica(_embedded(), name=name)
    console.print(f"replica {name} removed (slot {slot_name(name)} dropped)")
