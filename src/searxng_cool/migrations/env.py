"""Alembic environment, shared by our CLI, the `alembic` command and Flask-Migrate.

The connection comes from `config.attributes["connection"]` when a caller passes one (our
CLI, the tests); otherwise from the project's configuration as the schema's owner
(DATABASE_OWNER_URL, or the embedded cluster's owner role), so `alembic ...` and
`flask db ...` reach the same database as the same role as `db_cli.py upgrade`.
"""

from __future__ import annotations

import contextlib
from typing import Any

from alembic import context
from sqlalchemy import pool
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from searxng_cool.db.models import Base
from searxng_cool.db.schema_compare import include_object

config = context.config
target_metadata = Base.metadata

COMMON_OPTIONS: dict[str, Any] = {
    "target_metadata": target_metadata,
    "include_object": include_object,
    "compare_type": True,
    "compare_server_default": False,
}


def _configured_url() -> str:
    from searxng_cool.config import load_settings
    from searxng_cool.db.engine import resolve_url

    explicit = config.get_main_option("sqlalchemy.url")
    if explicit:
        return explicit
    # Migrations are DDL: they run as the schema owner (DATABASE_OWNER_URL).
    return resolve_url(load_settings().database.as_owner()).render_as_string(hide_password=False)


def run_migrations_offline() -> None:
    context.configure(
        url=config.attributes.get("offline_url") or "postgresql+psycopg://",
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        **COMMON_OPTIONS,
    )
    with context.begin_transaction():
        context.run_migrations()


# A superuser migrating a database whose schema another role owns (`init`'s searxng_owner)
# acts as that owner: what it creates then belongs to the owner and gets the roles' default
# privileges, and what it alters (a sequence linked to a table) has one owner throughout.
SCHEMA_OWNER_TO_BECOME = """
SELECT pg_get_userbyid(c.relowner) FROM pg_class c, pg_roles me, pg_roles owner
 WHERE c.oid = to_regclass('public.alembic_version') AND me.rolname = current_user
   AND me.rolsuper AND owner.oid = c.relowner AND NOT owner.rolsuper
"""


def _run_with(connection: Connection) -> None:
    owner = connection.exec_driver_sql(SCHEMA_OWNER_TO_BECOME).scalar()
    if owner is not None:
        quoted = connection.dialect.identifier_preparer.quote(str(owner))
        connection.exec_driver_sql(f"SET ROLE {quoted}")
    try:
        context.configure(connection=connection, transaction_per_migration=True, **COMMON_OPTIONS)
        with context.begin_transaction():
            context.run_migrations()
    finally:
        if owner is not None:
            # Fails in a transaction a failed migration aborted; the role then lasts until
            # the connection closes (every caller's connection is one-shot).
            with contextlib.suppress(DBAPIError):
                connection.exec_driver_sql("RESET ROLE")


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run_with(connection)
        return
    from sqlalchemy import create_engine

    engine = create_engine(_configured_url(), poolclass=pool.NullPool)
    with engine.connect() as fresh:
        _run_with(fresh)
        fresh.commit()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
