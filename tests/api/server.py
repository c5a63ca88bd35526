"""A real uvicorn server on a free loopback port, over a fresh database, for one test module."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import uvicorn
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import URL

from searxng_cool.accounts import Account, create_token, register_user
from searxng_cool.accounts.registry import OPERATOR
from searxng_cool.api.app import create_app
from searxng_cool.config import APP_ROLE, ApiConfig, DatabaseConfig, Settings
from tests.conftest import as_role


@dataclass(frozen=True)
class Caller:
    account: Account
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Token {self.token}"}


@dataclass
class RunningServer:
    base_url: str
    engine: Engine

    def make_user(self, name: str, *, admin: bool = False) -> Caller:
        with self.engine.begin() as connection:
            account = register_user(
                connection,
                username=name,
                email=f"{name}@example.org",
                password="correct horse battery",
                is_admin=admin,
                by=OPERATOR,
            )
            issued = create_token(connection, user_id=account.id, label="tests")
        return Caller(account, issued.token)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_server(db_url: URL, api: ApiConfig | None = None) -> Iterator[RunningServer]:
    """Serve the app on 127.0.0.1 in a thread until the block ends.

    It connects as the application role, as `serve` does in production: every operation
    the tests drive works with that role's privileges and no more.
    """
    engine = create_engine(as_role(db_url, APP_ROLE), pool_size=8, max_overflow=8)
    settings = Settings(database=DatabaseConfig(url=db_url), source="tests", api=api or ApiConfig())
    app = create_app(settings, engine=engine)
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="api-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the API server did not start")
        time.sleep(0.02)
    try:
        yield RunningServer(f"http://127.0.0.1:{port}", engine)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        engine.dispose()
