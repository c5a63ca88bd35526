"""`ha up|down|status`: a local etcd + Patroni cluster for trying and testing failover."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from searxng_cool.admin.ha import HaCluster
from searxng_cool.cli.common import console, handles_errors, settings
from searxng_cool.db.engine import embedded_cluster

app = typer.Typer(
    help="High availability: Debian's Patroni and etcd on this machine (loopback only)."
)

DirOption = Annotated[
    Path | None,
    typer.Option("--dir", help="Where the cluster lives (default: beside the embedded cluster)."),
]


def _cluster(directory: Path | None) -> HaCluster:
    if directory is not None:
        return HaCluster(directory)
    data_dir = embedded_cluster(settings().database).data_dir
    return HaCluster(data_dir.parent / f"{data_dir.name}-ha")


def _hint(ha: HaCluster) -> str:
    url = ha.url(user="searxng_user", database="searxng_cool_music")
    text = url.render_as_string(hide_password=True).replace("postgresql+psycopg", "postgresql")
    return f"connect with DATABASE_URL='{text}' (then `init` as the postgres superuser)"


@app.command()
@handles_errors
def up(
    nodes: Annotated[int, typer.Option(help="PostgreSQL members (one leader).")] = 3,
    directory: DirOption = None,
) -> None:
    """Start etcd and NODES Patroni members (synchronous mode) from deploy/patroni/, and wait
    until a leader serves writes and every member streams.

    Example: searxng-cool-db ha up --nodes 3
    """
    ha = _cluster(directory)
    ha.up(nodes=nodes)
    leader = ha.wait_for_leader()
    console.print(f"HA cluster up in {ha.directory}: {nodes} members, leader {leader.name}")
    console.print(_hint(ha), soft_wrap=True)


@app.command()
@handles_errors
def down(directory: DirOption = None) -> None:
    """Stop every Patroni member (and its PostgreSQL) and etcd; the data stays.

    Example: searxng-cool-db ha down
    """
    ha = _cluster(directory)
    stopped = ha.down()
    console.print(f"HA cluster {'stopped' if stopped else 'was not running'}: {ha.directory}")


@app.command()
@handles_errors
def status(
    directory: DirOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Each member's role (leader, sync_standby, replica), state, lag and timeline.

    Example: searxng-cool-db ha status --json
    """
    ha = _cluster(directory)
    members = ha.members() if ha.is_up() else []
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "up": ha.is_up(),
                    "directory": str(ha.directory),
                    "members": [m.as_json() for m in members],
                },
                indent=2,
            )
        )
        return
    if not ha.is_up():
        console.print(f"no HA cluster in {ha.directory} (start one with `ha up`)")
        return
    for member in members:
        lag = "" if member.lag is None else f", lag {member.lag} bytes"
        console.print(
            f"{member.name}: {member.role}, {member.state}, timeline {member.timeline}{lag}"
            f" (127.0.0.1:{member.port})"
        )
    console.print(_hint(ha), soft_wrap=True)
