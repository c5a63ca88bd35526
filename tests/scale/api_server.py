"""The API served in a thread with a given read router (scale-out tests)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from sqlalchemy import Engine

from searxng_cool.api.app import create_app
from searxng_cool.config import CacheConfig, DatabaseConfig, Settings
from searxng_cool.db.routing import ReadRouter
from tests.api.server import RunningServer, free_port


@contextmanager
def serve_with(
    engine: Engine, router: ReadRouter | None = None, cache: CacheConfig | None = None
) -> Iterator[RunningServer]:
    settings = Settings(
        database=DatabaseConfig(url=engine.url), source="tests", cache=cache or CacheConfig()
    )
    app = create_app(settings, engine=engine, router=router)
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="scale-api", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the API server did not start")
        time.sleep(0.02)
    try:
        running = RunningServer(f"http://127.0.0.1:{port}", engine)
        running.app_state = app.state  # type: ignore[attr-defined]
        yield running
    finally:
        server.should_exit = True
        thread.join(timeout=10)
