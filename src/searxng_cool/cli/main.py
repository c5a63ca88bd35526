"""`searxng-cool-db` (also `python scripts/utilities/database/db_cli.py`)."""

from __future__ import annotations

import typer

from searxng_cool.cli import accounts, cluster, listening, operations, playlists, schema, serve
from searxng_cool.cli import cache as cache_cli
from searxng_cool.cli import discovery as discovery_cli
from searxng_cool.cli import ha as ha_cli
from searxng_cool.cli import ingest as catalog_ingest
from searxng_cool.cli import jobs as jobs_cli
from searxng_cool.cli import pooler as pooler_cli
from searxng_cool.cli import replicas as replicas_cli
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
app.add_typer(replicas_cli.app, name="replicas")
app.add_typer(pooler_cli.app, name="pooler")
app.add_typer(jobs_cli.app, name="jobs")
app.add_typer(ha_cli.app, name="ha")
app.add_typer(cache_cli.app, name="cache")


def run() -> None:
    configure_debug_log()
    app()
