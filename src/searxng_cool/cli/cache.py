"""`cache start|stop|status`: Debian's redis-server on a Unix socket beside the embedded cluster."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from searxng_cool.admin.redis_server import RedisServer
from searxng_cool.cli.common import console, handles_errors, settings
from searxng_cool.db.engine import embedded_cluster

app = typer.Typer(help="The Redis cache (off unless CACHE.REDIS_URL is set).")


def _server() -> RedisServer:
    data_dir = embedded_cluster(settings().database).data_dir
    return RedisServer(data_dir.parent / f"{data_dir.name}-redis")


@app.command()
@handles_errors
def start() -> None:
    """Start redis-server on a Unix socket (no TCP port, nothing persisted) and print the
    CACHE.REDIS_URL to use.

    Example: searxng-cool-db cache start
    """
    server = _server()
    started = server.start()
    console.print(f"redis-server {'started' if started else 'already running'}: {server.directory}")
    console.print(f"use it with SEARXNG_COOL_REDIS_URL={server.url}", soft_wrap=True)


@app.command()
@handles_errors
def stop() -> None:
    """Stop the redis-server that `cache start` started.

    Example: searxng-cool-db cache stop
    """
    server = _server()
    stopped = server.stop()
    console.print(f"redis-server {'stopped' if stopped else 'was not running'}: {server.directory}")


@app.command()
@handles_errors
def status(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Whether the local redis-server runs, its URL, and whether the configuration uses Redis.

    Example: searxng-cool-db cache status
    """
    server = _server()
    current = settings()
    report = {
        "running": server.pid() is not None,
        "url": server.url,
        "configured": current.cache.enabled,
    }
    if as_json:
        typer.echo(json.dumps(report, indent=2))
        return
    state = "running" if report["running"] else "stopped"
    used = "used" if current.cache.enabled else "not configured (set CACHE.REDIS_URL)"
    console.print(f"redis-server {state} at {server.url}; cache {used}", soft_wrap=True)
