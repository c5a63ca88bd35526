"""`init`: make the role and database exist, then migrate to head.

On the embedded cluster the superuser creates the application's owner role (the URL's
user) and its database, and creates `pg_stat_statements` (which only a superuser may).
On any other server the URL's own role must exist already; the database is created when
missing and that role may (CREATEDB).
"""

from __future__ import annotations

from dataclasses import dataclass

from psycopg import sql as pgsql
from sqlalchemy import Connection, Engine, create_engine, pool, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError

from searxng_cool.admin import migrations
from searxng_cool.config import DatabaseConfig
from searxng_cool.db.embedded import SUPERUSER
from searxng_cool.db.engine import embedded_cluster, resolve_url
from searxng_cool.errors import EnvironmentProblem

MAINTENANCE_DATABASE = "postgres"


@dataclass(frozen=True)
class InitResult:
    database: str
    role_created: bool
    database_created: bool
    revision_before: str | None
    revision_after: str | None


def _autocommit_engine(url: URL) -> Engine:
    return create_engine(url, poolclass=pool.NullPool, isolation_level="AUTOCOMMIT")


def ensure_role(connection: Connection, *, role: str) -> bool:
    """Create a LOGIN role (no superuser, no password: local socket trust) if missing."""
    exists = connection.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role})
    if exists.first():
        return False
    statement = pgsql.SQL("CREATE ROLE {} LOGIN").format(pgsql.Identifier(role))
    connection.exec_driver_sql(statement.as_string())
    return True


def ensure_database(connection: Connection, *, database: str, owner: str | None = None) -> bool:
    exists = connection.execute(
        text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": database}
    )
    if exists.first():
        return False
    statement = pgsql.SQL("CREATE DATABASE {}").format(pgsql.Identifier(database))
    if owner:
        statement = pgsql.SQL("{} OWNER {}").format(statement, pgsql.Identifier(owner))
    connection.exec_driver_sql(statement.as_string())
    return True


def init_database(config: DatabaseConfig) -> InitResult:
    url = resolve_url(config)
    database = url.database or ""
    role_created = False
    if config.is_embedded:
        cluster = embedded_cluster(config)
        superuser = _autocommit_engine(cluster.url(user=SUPERUSER, database=MAINTENANCE_DATABASE))
        with superuser.connect() as conn:
            owner = url.username or SUPERUSER
            role_created = ensure_role(conn, role=owner) if owner != SUPERUSER else False
            database_created = ensure_database(conn, database=database, owner=owner)
        superuser.dispose()
        in_database = _autocommit_engine(cluster.url(user=SUPERUSER, database=database))
        with in_database.connect() as conn:
            conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        in_database.dispose()
    else:
        maintenance = _autocommit_engine(url.set(database=MAINTENANCE_DATABASE))
        try:
            with maintenance.connect() as conn:
                database_created = ensure_database(conn, database=database)
        except DBAPIError as exc:
            raise EnvironmentProblem(
                f"cannot create database {database!r} as {url.username!r}: "
                f"{str(exc.orig).strip()}; create it yourself or grant CREATEDB"
            ) from exc
        finally:
            maintenance.dispose()

    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.begin() as conn:
        before = migrations.current(conn)
        migrations.upgrade(conn, revision="head")
    with engine.connect() as conn:
        after = migrations.current(conn)
    engine.dispose()
    return InitResult(
        database=database,
        role_created=role_created,
        database_created=database_created,
        revision_before=before[0] if before else None,
        revision_after=after[0] if after else None,
    )
