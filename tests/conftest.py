"""Real PostgreSQL for every test.

The session starts one embedded cluster (or uses TEST_DATABASE_URL, a role that may
CREATE DATABASE), migrates a template database once, and gives each test that asks for
`db_url` a fresh database cloned from it with CREATE DATABASE ... TEMPLATE.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy import Connection, Engine, create_engine, pool, text
from sqlalchemy.engine import URL, make_url

from searxng_cool.admin import scratch
from searxng_cool.admin.setup import init_database
from searxng_cool.config import APP_ROLE, DatabaseConfig
from searxng_cool.db.embedded import EmbeddedCluster, default_data_dir

# Examples run against a real database on a machine that may be busy: a slow example is
# not a failure, so no hypothesis test has a deadline (each may still bound its examples).
settings.register_profile(
    "database", deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
settings.load_profile("database")

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"

# Durability is not what the tests are about; these make CREATE DATABASE and commits cheap.
TEST_CLUSTER_SETTINGS = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "200",
}


def test_cluster_dir() -> Path:
    configured = os.environ.get("SEARXNG_COOL_TEST_PGDATA")
    return Path(configured) if configured else default_data_dir().parent / "test-pgdata"


def others_connected(url: URL) -> int:
    """Client sessions on the server besides this one (another suite, a developer's shell)."""
    engine = create_engine(url, poolclass=pool.NullPool, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            found = conn.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()"
                )
            )
            return int(found.scalar_one())
    finally:
        engine.dispose()


@contextmanager
def running(cluster: EmbeddedCluster) -> Iterator[URL]:
    """The cluster's URL while the block runs. Afterwards it is stopped only if this started
    it and nobody else is connected: a cluster that was running before (someone else's, or
    shared by several suites) is left running."""
    started = cluster.ensure_running()
    try:
        yield cluster.url()
    finally:
        if started and cluster.is_running() and not others_connected(cluster.url()):
            cluster.stop()


@pytest.fixture(scope="session")
def server_url() -> Iterator[URL]:
    """A superuser (or CREATEDB) URL on the maintenance database of the test server."""
    configured = os.environ.get("TEST_DATABASE_URL")
    if configured:
        yield make_url(configured).set(drivername="postgresql+psycopg")
        return
    with running(EmbeddedCluster(test_cluster_dir(), settings=TEST_CLUSTER_SETTINGS)) as url:
        yield url


class DatabaseFactory:
    """Creates and drops throwaway databases on the test server."""

    def __init__(self, server_url: URL) -> None:
        self.server_url = server_url
        self.created: list[str] = []

    def create(self, *, template: str | None = None, prefix: str = "t") -> URL:
        name = scratch.database_name(f"sxc_{prefix}")
        self.created.append(name)
        return scratch.create_database(self.server_url, name, template=template)

    def drop(self, url: URL) -> None:
        assert url.database is not None
        scratch.drop_database(self.server_url, url.database)

    def close(self) -> None:
        for name in self.created:
            scratch.drop_database(self.server_url, name)


@pytest.fixture(scope="session")
def databases(server_url: URL) -> Iterator[DatabaseFactory]:
    factory = DatabaseFactory(server_url)
    yield factory
    factory.close()


def init_config(url: URL) -> DatabaseConfig:
    """What `init` reads for `url`'s database: the app role in DATABASE_URL, the server's
    superuser in DATABASE_OWNER_URL."""
    return DatabaseConfig(url=url.set(username=APP_ROLE, password=None), owner_url=url)


@pytest.fixture(scope="session")
def template_db(databases: DatabaseFactory) -> str:
    """A database made by `init` (roles, migrations to head as the owner, grants) once per
    session; tests clone it. The roles are the cluster's, shared by concurrent sessions."""
    url = databases.create(prefix="template")
    init_database(init_config(url))
    assert url.database is not None
    return url.database


@pytest.fixture
def db_url(databases: DatabaseFactory, template_db: str) -> Iterator[URL]:
    """A fresh database at head, private to this test."""
    url = databases.create(template=template_db)
    yield url
    databases.drop(url)


@pytest.fixture
def empty_db_url(databases: DatabaseFactory) -> Iterator[URL]:
    """A fresh, empty database (no migrations applied)."""
    url = databases.create(prefix="empty")
    yield url
    databases.drop(url)


def as_role(url: URL, role: str) -> URL:
    """The same database reached as another role (the test cluster trusts its socket)."""
    return url.set(username=role, password=None)


@pytest.fixture
def engine(db_url: URL) -> Iterator[Engine]:
    made = create_engine(db_url, poolclass=pool.NullPool)
    yield made
    made.dispose()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction that the test may commit or leave to roll back."""
    with engine.connect() as conn:
        yield conn


def scalar(conn: Connection, sql: str, **params: object) -> object:
    return conn.execute(text(sql), params).scalar()


NEEDS_SHARED_DATA = pytest.mark.skipif(
    not SHARED_DATA.is_dir(),
    reason="the public music data (../shared/data beside the repository) is absent",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that take `shared_data` skip, saying why, on a clone without the public data."""
    for item in items:
        if "shared_data" in getattr(item, "fixturenames", ()):
            item.add_marker(NEEDS_SHARED_DATA)


@pytest.fixture
def shared_data() -> Path:
    """The public music data beside the repository (see NEEDS_SHARED_DATA)."""
    return SHARED_DATA
