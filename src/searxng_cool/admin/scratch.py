"""Throwaway databases: made on a server, optionally migrated to head, dropped afterwards.

One implementation for everything that needs a database of its own for a while: the test
suite (a template at head, cloned per test), the benchmarks (`python -m bench.NAME`), and
backup verification and restore (`pg_programs`), which fill theirs with pg_restore.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from psycopg import sql as pgsql
from sqlalchemy import Engine, create_engine, pool
from sqlalchemy.engine import URL

from searxng_cool.admin import migrations
from searxng_cool.config import load_settings
from searxng_cool.db.embedded import SUPERUSER
from searxng_cool.db.engine import embedded_cluster, resolve_url

MAINTENANCE_DATABASE = "postgres"
# PostgreSQL cuts identifiers at 63 bytes; names made here stay well within it.
_NAME_ROOM = 40


def database_name(prefix: str) -> str:
    """A fresh database name: `prefix` (cut to fit) and a random suffix."""
    return f"{prefix[:_NAME_ROOM]}_{uuid.uuid4().hex[:10]}"


@contextmanager
def autocommit(url: URL) -> Iterator[Engine]:
    """An AUTOCOMMIT engine (CREATE/DROP DATABASE refuse to run in a transaction)."""
    engine = create_engine(url, poolclass=pool.NullPool, isolation_level="AUTOCOMMIT")
    try:
        yield engine
    finally:
        engine.dispose()


def create_database(
    server: URL, name: str, *, template: str | None = None, owner: str | None = None
) -> URL:
    """CREATE DATABASE `name` on `server` (a role that may), from `template` if given."""
    statement = pgsql.SQL("CREATE DATABASE {}").format(pgsql.Identifier(name))
    if template:
        statement = pgsql.SQL("{} TEMPLATE {} STRATEGY FILE_COPY").format(
            statement, pgsql.Identifier(template)
        )
    else:
        statement = pgsql.SQL("{} TEMPLATE template0").format(statement)
    if owner:
        statement = pgsql.SQL("{} OWNER {}").format(statement, pgsql.Identifier(owner))
    with autocommit(server) as engine, engine.connect() as conn:
        conn.exec_driver_sql(statement.as_string())
    return server.set(database=name)


def drop_database(server: URL, name: str) -> None:
    statement = pgsql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(pgsql.Identifier(name))
    with autocommit(server) as engine, engine.connect() as conn:
        conn.exec_driver_sql(statement.as_string())


def migrate_to_head(url: URL) -> None:
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.begin() as conn:
            migrations.upgrade(conn, revision="head")
    finally:
        engine.dispose()


@contextmanager
def throwaway_database(
    server: URL, *, prefix: str, template: str | None = None, keep: bool = False
) -> Iterator[URL]:
    """A new database on `server`: a clone of `template`, or else empty and migrated to head.

    Dropped on the way out, unless `keep` (its name is then the URL's database).
    """
    name = database_name(prefix)
    url = create_database(server, name, template=template)
    try:
        if template is None:
            migrate_to_head(url)
        yield url
    finally:
        if not keep:
            drop_database(server, name)


def configured_server() -> URL:
    """Where throwaway databases go when nothing else is said: the server of DATABASE_URL
    (its role needs CREATEDB), or else the embedded cluster's superuser, started on demand."""
    settings = load_settings()
    config = settings.database
    if config.is_embedded:
        cluster = embedded_cluster(config)
        cluster.ensure_running()
        return cluster.url(user=SUPERUSER, database=MAINTENANCE_DATABASE)
    return resolve_url(config).set(database=MAINTENANCE_DATABASE)
