"""Running pg_dump/pg_restore of the server's own major version, and making scratch databases.

The client programs must not be older than the server (pg_dump refuses), and a newer one
may write archives an older pg_restore cannot read: so the binaries are chosen by the
server's major version, from the same places the embedded cluster's binaries come from.

Scratch databases (restore verification, restore-then-swap) need CREATEDB. On the
embedded cluster the owner role has none, so the embedded superuser makes them; on any
other server the configured role must have CREATEDB (the error says so).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

from psycopg import sql as pgsql
from sqlalchemy import Connection, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError

from searxng_cool.admin import scratch
from searxng_cool.admin.scratch import MAINTENANCE_DATABASE
from searxng_cool.config import DatabaseConfig
from searxng_cool.db.embedded import SUPERUSER, find_bindir
from searxng_cool.db.engine import embedded_cluster, resolve_url
from searxng_cool.errors import Conflict, EnvironmentProblem


def server_major(connection: Connection) -> str:
    number = int(connection.execute(text("SHOW server_version_num")).scalar_one())
    return str(number // 10000)


def program(name: str, *, major: str, hint: Path | None = None) -> Path:
    """The path of pg_dump/pg_restore of the server's major version."""
    path = find_bindir(hint, major) / name
    if not path.is_file():
        raise EnvironmentProblem(
            f"{name} not found in {path.parent}; apt-get install postgresql-{major}"
        )
    return path


def libpq_target(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq URI without the password, and the environment carrying it (not on argv)."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def run_program(
    argv: list[str], *, env: dict[str, str], on_line: Callable[[str], None] | None = None
) -> list[str]:
    """Run a client program; stream its stderr lines to `on_line`; raise on failure."""
    process = subprocess.Popen(
        argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env
    )
    assert process.stderr is not None
    lines: list[str] = []
    for line in process.stderr:
        lines.append(line.rstrip())
        if on_line is not None:
            on_line(line.rstrip())
    if process.wait() != 0:
        errors = [line for line in lines if "error" in line.lower()] or lines or ["no output"]
        raise EnvironmentProblem(f"{Path(argv[0]).name} failed: {errors[-1]}")
    return lines


def admin_url(config: DatabaseConfig) -> URL:
    """Who creates and drops databases: the embedded superuser, or the configured role."""
    if config.is_embedded:
        return embedded_cluster(config).url(user=SUPERUSER, database=MAINTENANCE_DATABASE)
    return resolve_url(config).set(database=MAINTENANCE_DATABASE)


def restore_url(config: DatabaseConfig, database: str) -> URL:
    """Who restores into a database: the embedded superuser (keeps owners), or the role."""
    if config.is_embedded:
        return embedded_cluster(config).url(user=SUPERUSER, database=database)
    return resolve_url(config).set(database=database)


def database_exists(config: DatabaseConfig, name: str) -> bool:
    with scratch.autocommit(admin_url(config)) as engine, engine.connect() as conn:
        found = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        return found.first() is not None


def create_database(config: DatabaseConfig, name: str) -> None:
    """An empty database (from template0) for pg_restore to fill."""
    owner = resolve_url(config).username if config.is_embedded else None
    try:
        scratch.create_database(admin_url(config), name, owner=owner)
    except DBAPIError as exc:
        if "already exists" in str(exc.orig):
            raise Conflict(f"database {name!r} already exists; choose another name") from exc
        raise EnvironmentProblem(
            f"cannot create database {name!r}: {str(exc.orig).strip()}; "
            "the configured role needs CREATEDB (ALTER ROLE ... CREATEDB)"
        ) from exc


def drop_database(config: DatabaseConfig, name: str) -> None:
    scratch.drop_database(admin_url(config), name)


def scratch_name(base: str, purpose: str) -> str:
    """A fresh database name that stays within PostgreSQL's 63-byte limit."""
    return scratch.database_name(f"{base[:40]}_{purpose}")


def rename_database(config: DatabaseConfig, old: str, new: str) -> None:
    statement = pgsql.SQL("ALTER DATABASE {} RENAME TO {}").format(
        pgsql.Identifier(old), pgsql.Identifier(new)
    )
    with scratch.autocommit(admin_url(config)) as engine, engine.connect() as conn:
        conn.exec_driver_sql(statement.as_string())


def swap_databases(config: DatabaseConfig, *, replacement: str, target: str) -> None:
    """Put `replacement` in place of `target`: close target's sessions, rename, drop the old."""
    retired = scratch_name(target, "old")
    ident = pgsql.Identifier
    steps = [
        pgsql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS false").format(ident(target)),
        pgsql.SQL(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = {} AND pid <> pg_backend_pid()"
        ).format(pgsql.Literal(target)),
        pgsql.SQL("ALTER DATABASE {} RENAME TO {}").format(ident(target), ident(retired)),
        pgsql.SQL("ALTER DATABASE {} RENAME TO {}").format(ident(replacement), ident(target)),
        pgsql.SQL("DROP DATABASE {} WITH (FORCE)").format(ident(retired)),
    ]
    reopen = pgsql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS true")
    with scratch.autocommit(admin_url(config)) as engine, engine.connect() as conn:
        try:
            for step in steps[:3]:
                conn.exec_driver_sql(step.as_string())
        except DBAPIError:
            conn.exec_driver_sql(reopen.format(ident(target)).as_string())
            raise
        for step in steps[3:]:
            conn.exec_driver_sql(step.as_string())
