"""The API served in a thread for the benches (a real uvicorn on a free loopback port)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn
from sqlalchemy import Engine

from searxng_cool.accounts import create_token, register_user
from searxng_cool.accounts.registry import OPERATOR
from searxng_cool.api.app import create_app
from searxng_cool.config import CacheConfig, DatabaseConfig, Settings


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def served(engine: Engine, **app_options: Any) -> Iterator[str]:
    cache = app_options.pop("cache", None) or CacheConfig()
    settings = Settings(database=DatabaseConfig(url=engine.url), source="bench", cache=cache)
    app = create_app(settings, engine=engine, **app_options)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="critical", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def make_user(engine: Engine, name: str) -> tuple[int, str]:
    with engine.begin() as connection:
        account = register_user(
            connection,
            username=name,
            email=f"{name}@example.org",
            password="correct horse battery",
            is_admin=False,
            by=OPERATOR,
        )
        issued = create_token(connection, user_id=account.id, label="bench")
    return account.id, issued.token
