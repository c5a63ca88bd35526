"""`serve`: the HTTP API (FastAPI under uvicorn)."""

from __future__ import annotations

from typing import Annotated

import typer
import uvicorn

from searxng_cool.cli.common import console, handles_errors, settings
from searxng_cool.errors import InvalidInput


def register(app: typer.Typer) -> None:
    app.command()(serve)


@handles_errors
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes (each has its own pool).")] = 1,
) -> None:
    """Serve the HTTP API: /api/v1 (OpenAPI at /openapi.json, docs at /docs), the
    ListenBrainz-compatible /1/, /healthz and /readyz. Connects with DATABASE_URL (the
    application role); rate limits and the body size limit come from the API section of
    config/orchestrator.yml.

    Example: searxng-cool-db serve --port 8000
    """
    if not 1 <= port <= 65535:
        raise InvalidInput(f"port {port} is outside 1..65535")
    if not 1 <= workers <= 64:
        raise InvalidInput(f"workers {workers} is outside 1..64")
    current = settings()  # validated now, so a bad file fails before uvicorn starts
    console.print(
        f"serving the API on http://{host}:{port} (docs at /docs) with {workers} worker(s),"
        f" database {current.database.display_url()}"
    )
    uvicorn.run(
        "searxng_cool.api.app:app_from_config",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=False,
        server_header=False,
    )
