"""`init`: make the roles and the database exist, migrate to head, grant each role its share.

It runs as DATABASE_OWNER_URL's role: the embedded cluster's superuser when embedded, else
the schema's owner or a superuser. A superuser (or a role with CREATEROLE) creates the
three roles of `admin.roles` when missing; the database is created when missing (owned by
the owner); objects some other role owns (an install from before the roles) are handed
to the owner; migrations run as the owner, so what they make is the owner's; then the
grants. When DATABASE_URL's role is the owner itself there is nothing to separate, and
only the database and migrations are seen to.
"""

from __future__ import annotations

from dataclasses import dataclass

from psycopg import sql as pgsql
from sqlalchemy import Connection, Engine, create_engine, pool, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError

from searxng_cool.admin import migrations, roles
from searxng_cool.config import APP_ROLE, OWNER_ROLE, DatabaseConfig
from searxng_cool.db.embedded import SUPERUSER
from searxng_cool.db.engine import embedded_cluster, resolve_url
from searxng_cool.errors import EnvironmentProblem

MAINTENANCE_DATABASE = "postgres"


@dataclass(frozen=True)
class InitResult:
    database: str
    roles_created: tuple[str, ...]
    database_created: bool
    objects_handed_over: int
    single_role: bool  # DATABASE_URL is the owner too: no separation of privileges
    app_is_superuser: bool  # DATABASE_URL connects as a superuser: privileges mean nothing
    revision_before: str | None
    revision_after: str | None


def _autocommit_engine(url: URL) -> Engine:
    return create_engine(url, poolclass=pool.NullPool, isolation_level="AUTOCOMMIT")


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


def _who(connection: Connection) -> tuple[str, bool, bool]:
    row = connection.execute(
        text("SELECT rolname, rolsuper, rolcreaterole FROM pg_roles WHERE rolname = current_user")
    ).one()
    return str(row[0]), bool(row[1]), bool(row[2])


def _roles_for(config: DatabaseConfig, connected_as: str, superuser: bool) -> roles.Roles:
    """The owner is the owner URL's role, or searxng_owner when that URL is a superuser's;
    the application role is DATABASE_URL's."""
    owner = OWNER_ROLE if superuser or config.is_embedded else connected_as
    return roles.Roles(owner=owner, app=config.url.username or APP_ROLE)


def _make_roles(
    conn: Connection, config: DatabaseConfig, chosen: roles.Roles, may_create: bool
) -> list[str]:
    if may_create:
        return roles.ensure_roles(conn, roles=chosen, passwords=config.role_passwords)
    missing = [
        r
        for r in (chosen.owner, chosen.app, chosen.readonly)
        if not roles.role_exists(conn, role=r)
    ]
    if missing:
        raise EnvironmentProblem(
            f"role(s) {', '.join(missing)} do not exist and {chosen.owner!r} may not create"
            " roles; create them, or run init once with a superuser's DATABASE_OWNER_URL"
        )
    return []


def _cluster_steps(
    config: DatabaseConfig, admin: URL, database: str, *, create_database: bool = True
) -> tuple[roles.Roles, list[str], bool, bool, bool]:
    """On the maintenance database: the roles and (when asked) the database itself."""
    engine = _autocommit_engine(admin.set(database=MAINTENANCE_DATABASE))
    try:
        with engine.connect() as conn:
            connected_as, superuser, createrole = _who(conn)
            chosen = _roles_for(config, connected_as, superuser)
            single = chosen.app == chosen.owner
            made = [] if single else _make_roles(conn, config, chosen, superuser or createrole)
            app_super = conn.execute(
                text("SELECT rolsuper FROM pg_roles WHERE rolname = :r"), {"r": chosen.app}
            ).scalar_one_or_none()
            created = create_database and ensure_database(
                conn, database=database, owner=chosen.owner if superuser else None
            )
    except DBAPIError as exc:
        raise EnvironmentProblem(
            f"cannot prepare database {database!r} as {admin.username!r}: "
            f"{str(exc.orig).strip().splitlines()[0]}; create it yourself or grant CREATEDB"
        ) from None
    finally:
        engine.dispose()
    return chosen, made, created, superuser, bool(app_super)


def _migrate_as(url: URL, owner: str) -> tuple[list[str], list[str]]:
    """Upgrade to head as the owner (SET ROLE when connected as a superuser), so every
    object the migrations make belongs to the owner."""
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.begin() as conn:
            before = migrations.current(conn)
            if _who(conn)[0] != owner:
                conn.exec_driver_sql(f"SET LOCAL ROLE {pgsql.Identifier(owner).as_string()}")
            migrations.upgrade(conn, revision="head")
        with engine.connect() as conn:
            after = migrations.current(conn)
    finally:
        engine.dispose()
    return before, after


def _admin_url(config: DatabaseConfig, database: str) -> URL:
    """Who runs init: the embedded cluster's superuser, or DATABASE_OWNER_URL's role."""
    if config.is_embedded:
        cluster = embedded_cluster(config)
        cluster.ensure_running()
        return cluster.url(user=SUPERUSER, database=database)
    return resolve_url(config.as_owner()).set(database=database)


def secure_database(config: DatabaseConfig, *, database: str) -> int:
    """Give `database` (an existing one: a restored copy) to the owner and grant each role
    its share, as `init` does, without migrating; the number of objects handed over.

    A restore brings back the schema's owners and grants but not the database's own owner
    and privileges, which the dump does not hold.
    """
    admin = _admin_url(config, database)
    chosen, _, _, _, _ = _cluster_steps(config, admin, database, create_database=False)
    if chosen.app == chosen.owner:
        return 0
    engine = _autocommit_engine(admin)
    try:
        with engine.connect() as conn:
            return roles.apply(conn, roles=chosen)
    except DBAPIError as exc:
        raise EnvironmentProblem(
            f"cannot grant the roles their share of {database!r} as {admin.username!r}: "
            f"{str(exc.orig).strip().splitlines()[0]}; run init with a superuser's"
            " DATABASE_OWNER_URL"
        ) from None
    finally:
        engine.dispose()


def init_database(config: DatabaseConfig) -> InitResult:
    """Roles, database, migrations to head, and each role's privileges; idempotent.

    Runs as DATABASE_OWNER_URL's role (the embedded cluster's superuser when embedded).
    """
    database = config.url.database or ""
    admin = _admin_url(config, database)
    chosen, made, database_created, superuser, app_super = _cluster_steps(config, admin, database)
    in_database = _autocommit_engine(admin)
    try:
        with in_database.connect() as conn:
            if superuser:
                conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
            moved = 0 if chosen.app == chosen.owner else roles.hand_over(conn, roles=chosen)
        before, after = _migrate_as(admin, chosen.owner)
        with in_database.connect() as conn:
            if chosen.app != chosen.owner:
                roles.grant_privileges(conn, roles=chosen)
    except DBAPIError as exc:
        raise EnvironmentProblem(
            f"init of {database!r} as {admin.username!r} failed: "
            f"{str(exc.orig).strip().splitlines()[0]}; DATABASE_OWNER_URL must name the"
            " schema's owner or a superuser"
        ) from None
    finally:
        in_database.dispose()
    return InitResult(
        database=database,
        roles_created=tuple(made),
        database_created=database_created,
        objects_handed_over=moved,
        single_role=chosen.app == chosen.owner,
        app_is_superuser=app_super,
        revision_before=before[0] if before else None,
        revision_after=after[0] if after else None,
    )
