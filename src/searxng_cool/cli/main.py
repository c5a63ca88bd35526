"""`searxng-cool-db` (also `python scripts/utilities/database/db_cli.py`)."""

from __future__ import annotations

import typer

from searxng_cool.cli import accounts, cluster, listening, operations, playlists, schema, serve
from searxng_cool.cli import discovery as discovery_cli
from searxng_cool.cli import ingest as catalog_ingest
from searxng_cool.cli import search as search_command
from searxng_cool.cli.common import configure_debug_log

app = typer.Typer(
    name="searxng-cool-db",
    help="SearXNG-Cool database management. Honours DATABASE_URL; with none, uses the embedded cluster.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
schema.register(app)
operations.register(app)
catalog_ingest.register(app)
search_command.register(app)
app.add_typer(cluster.app, name="db")
app.add_typer(playlists.app, name="playlists")
listening.register(app)
discovery_cli.register(app)
accounts.register(app)
serve.register(app)


def run() -> None:
    configure_debug_log()
    app()
