"""The three database roles and what each may do (docs/DATABASE.md, "Database roles").

- the owner (`searxng_owner`) owns the database, the schema's objects, and runs DDL;
- the application (`searxng_user`) reads and writes rows: SELECT, INSERT, UPDATE, DELETE
  on the tables it writes, SELECT elsewhere, USAGE on sequences, EXECUTE on functions
  (two of them SECURITY DEFINER, for the partition and popularity DDL it may not do
  itself), TEMPORARY tables; no CREATE, ALTER, DROP or TRUNCATE, and it owns nothing;
- the read-only role (`searxng_readonly`) may CONNECT and SELECT, nothing else, and its
  transactions are read-only by default.

Every step is idempotent: running it again changes nothing. Role creation is cluster-wide
and may race with another process making the same role; the loser takes the winner's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from psycopg import sql as pgsql
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from searxng_cool.config import APP_ROLE, OWNER_ROLE, READONLY_ROLE
from searxng_cool.errors import EnvironmentProblem

# Tables the application only reads: the migration history is the owner's.
READ_ONLY_TABLES = ("alembic_version",)
# What the read-only role never sees: credentials (token hashes, the limiter's keys) and,
# of `users`, the password hash (every other column it may read).
SECRET_TABLES = ("api_tokens", "login_failures")
SECRET_COLUMNS = {"users": ("password_hash",)}
DML = "SELECT, INSERT, UPDATE, DELETE"
_DUPLICATE = {"42710", "23505"}  # duplicate_object; unique_violation when racing


@dataclass(frozen=True)
class Roles:
    owner: str = OWNER_ROLE
    app: str = APP_ROLE
    readonly: str = READONLY_ROLE


def _ident(name: str) -> str:
    return pgsql.Identifier(name).as_string()


def role_exists(connection: Connection, *, role: str) -> bool:
    found = connection.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role})
    return found.first() is not None


def _create_role(connection: Connection, role: str, password: str | None) -> bool:
    """CREATE ROLE ... LOGIN with no special attributes; False when it exists already."""
    statement = pgsql.SQL("CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE").format(
        pgsql.Identifier(role)
    )
    if password:
        statement = pgsql.SQL("{} PASSWORD {}").format(statement, pgsql.Literal(password))
    try:
        connection.exec_driver_sql(statement.as_string())
    except DBAPIError as exc:
        if getattr(exc.orig, "sqlstate", None) in _DUPLICATE:
            return False
        # Never the statement itself: it may hold the password.
        reason = str(exc.orig).strip().splitlines()[0]
        raise EnvironmentProblem(
            f"cannot create role {role!r}: {reason}; create it yourself or run init with a"
            " superuser's DATABASE_OWNER_URL"
        ) from None
    return True


def ensure_roles(
    connection: Connection, *, roles: Roles, passwords: Mapping[str, str] | None = None
) -> list[str]:
    """Create the roles that are missing; return the names made now. `connection` is in
    AUTOCOMMIT mode (a race lost to another process must not abort a transaction).

    `passwords` (role -> password) is used only for a role made now; without one the role
    can log in only where the server trusts it (the embedded cluster's socket, peer auth).
    """
    chosen = passwords or {}
    made = []
    for role in (roles.owner, roles.app, roles.readonly):
        if not role_exists(connection, role=role) and _create_role(
            connection, role, chosen.get(role)
        ):
            made.append(role)
            if role == roles.readonly:
                connection.exec_driver_sql(
                    f"ALTER ROLE {_ident(role)} SET default_transaction_read_only = on"
                )
    return made


# Every object of `public` the owner should own, except extensions' members, indexes (they
# follow their table) and sequences owned by a column (they follow theirs).
_NOT_OWNED = """
SELECT kind, name FROM (
  SELECT CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW'
                        WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END AS kind,
         format('public.%I', c.relname) AS name, c.relowner AS owner, 'pg_class'::regclass AS cls,
         c.oid AS oid, c.relkind IN ('r', 'p') AS first
    FROM pg_class c
   WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
     AND NOT (c.relkind = 'S' AND EXISTS (
           SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
              AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')))
  UNION ALL
  SELECT CASE p.prokind WHEN 'p' THEN 'PROCEDURE' WHEN 'a' THEN 'AGGREGATE' ELSE 'FUNCTION' END,
         format('public.%I(%s)', p.proname, pg_get_function_identity_arguments(p.oid)),
         p.proowner, 'pg_proc'::regclass, p.oid, false
    FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace
  UNION ALL
  SELECT 'TYPE', format('public.%I', t.typname), t.typowner, 'pg_type'::regclass, t.oid, false
    FROM pg_type t
   WHERE t.typnamespace = 'public'::regnamespace AND t.typtype IN ('e', 'd')
) o
WHERE owner <> to_regrole(:owner)
  AND NOT EXISTS (SELECT FROM pg_depend e WHERE e.classid = o.cls AND e.objid = o.oid
                   AND e.deptype = 'e')
ORDER BY first DESC, kind, name
"""


def hand_over(connection: Connection, *, roles: Roles) -> int:
    """Give the database, the schema `public` and its objects to the owner; return how many
    moved.

    Needs a superuser, or a role that is a member of both the old and the new owner.
    """
    moved = 0
    database_owner = connection.execute(
        text("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()")
    ).scalar_one()
    if database_owner != roles.owner:
        connection.exec_driver_sql(
            f"ALTER DATABASE {_ident(_current_database(connection))} OWNER TO {_ident(roles.owner)}"
        )
        moved += 1
    # The schema too (PostgreSQL 15 gives it to pg_database_owner): a clone of the database
    # made by another role keeps it, and the owner keeps creating partitions in it.
    schema_owner = connection.execute(
        text("SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'public'")
    ).scalar_one()
    if schema_owner != roles.owner:
        connection.exec_driver_sql(f"ALTER SCHEMA public OWNER TO {_ident(roles.owner)}")
        moved += 1
    # Tables first: moving a table moves the sequences its columns own.
    for kind, name in connection.execute(text(_NOT_OWNED), {"owner": roles.owner}).all():
        connection.exec_driver_sql(f"ALTER {kind} {name} OWNER TO {_ident(roles.owner)}")
        moved += 1
    return moved


def _current_database(connection: Connection) -> str:
    return str(connection.execute(text("SELECT current_database()")).scalar_one())


def _database_statements(database: str, roles: Roles) -> list[str]:
    owner, app, readonly = (_ident(r) for r in (roles.owner, roles.app, roles.readonly))
    both = f"{app}, {readonly}"
    db = _ident(database)
    statements = [
        # Nobody but the owner creates anything in public (PUBLIC may on PostgreSQL < 15).
        "REVOKE CREATE ON SCHEMA public FROM PUBLIC",
        f"REVOKE ALL ON DATABASE {db} FROM PUBLIC",
        f"GRANT CONNECT, TEMPORARY ON DATABASE {db} TO {app}",
        f"GRANT CONNECT ON DATABASE {db} TO {readonly}",
        f"REVOKE CREATE ON DATABASE {db} FROM {both}",
        f"REVOKE TEMPORARY ON DATABASE {db} FROM {readonly}",
        f"GRANT USAGE ON SCHEMA public TO {both}",
        f"REVOKE CREATE ON SCHEMA public FROM {both}",
        # Never these, on anything.
        f"REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA public FROM {both}",
        f"REVOKE INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public FROM {readonly}",
        f"REVOKE UPDATE ON ALL SEQUENCES IN SCHEMA public FROM {both}",
    ]
    # Objects the owner creates later (migrations, monthly partitions) follow the same rules.
    default = f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public"
    statements += [
        f"{default} GRANT {DML} ON TABLES TO {app}",
        f"{default} GRANT SELECT ON TABLES TO {readonly}",
        f"{default} GRANT USAGE ON SEQUENCES TO {app}",
        f"{default} GRANT EXECUTE ON FUNCTIONS TO {app}",
    ]
    return statements


# The project's own objects of `public` (not an extension's: pg_stat_statements_reset()
# must stay the superuser's), by kind.
_OWN_OBJECTS = """
SELECT CASE WHEN c.relkind IN ('r', 'p') THEN 'table'
            WHEN c.relkind = 'S' THEN 'sequence' ELSE 'view' END,
       format('public.%I', c.relname), c.relname
  FROM pg_class c
 WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
   AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                    AND d.objid = c.oid AND d.deptype = 'e')
UNION ALL
SELECT CASE WHEN EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                          AND d.objid = p.oid AND d.deptype = 'e')
            THEN 'extension function' ELSE 'function' END,
       format('public.%I(%s)', p.proname, pg_get_function_identity_arguments(p.oid)), p.proname
  FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace AND p.prokind IN ('f', 'p')
ORDER BY 1, 2
"""


def _reader_statements(connection: Connection, name: str, bare: str, readonly: str) -> list[str]:
    if bare in SECRET_TABLES:
        return [f"REVOKE ALL ON {name} FROM {readonly}"]
    hidden = SECRET_COLUMNS.get(bare)
    if not hidden:
        return [f"GRANT SELECT ON {name} TO {readonly}"]
    shown = connection.execute(
        text(
            "SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) FROM pg_attribute"
            " WHERE attrelid = CAST(:t AS regclass) AND attnum > 0 AND NOT attisdropped"
            "   AND NOT attname = ANY(:hidden)"
        ),
        {"t": name, "hidden": list(hidden)},
    ).scalar_one()
    # A table-wide REVOKE also takes back column grants; the GRANT then restores exactly these.
    return [
        f"REVOKE SELECT ON {name} FROM {readonly}",
        f"GRANT SELECT ({shown}) ON {name} TO {readonly}",
    ]


def _object_statements(connection: Connection, roles: Roles) -> list[str]:
    app, readonly = _ident(roles.app), _ident(roles.readonly)
    statements = []
    for kind, name, bare in connection.execute(text(_OWN_OBJECTS)).all():
        if kind == "table" and bare not in READ_ONLY_TABLES:
            statements.append(f"GRANT {DML} ON {name} TO {app}")
            statements += _reader_statements(connection, name, bare, readonly)
        elif kind in ("table", "view"):
            statements += [
                f"REVOKE INSERT, UPDATE, DELETE ON {name} FROM {app}",
                f"GRANT SELECT ON {name} TO {app}, {readonly}",
            ]
        elif kind == "sequence":
            statements.append(f"GRANT USAGE ON SEQUENCE {name} TO {app}")
        elif kind == "function":
            statements.append(f"GRANT EXECUTE ON FUNCTION {name} TO {app}")
        else:  # an extension's: whatever PUBLIC may, nothing more
            statements.append(f"REVOKE EXECUTE ON FUNCTION {name} FROM {app}")
    return statements


def definer_functions(connection: Connection) -> list[str]:
    """The SECURITY DEFINER functions of `public` (each runs as the owner)."""
    return list(
        connection.execute(
            text(
                "SELECT format('public.%I(%s)', proname, pg_get_function_identity_arguments(oid))"
                "  FROM pg_proc WHERE pronamespace = 'public'::regnamespace AND prosecdef"
                " ORDER BY 1"
            )
        ).scalars()
    )


def grant_privileges(connection: Connection, *, roles: Roles) -> None:
    """Grant each role exactly its share of the current database (idempotent)."""
    statements = _database_statements(_current_database(connection), roles)
    for statement in statements + _object_statements(connection, roles):
        connection.exec_driver_sql(statement)
    # Only the application may call what runs as the owner.
    for function in definer_functions(connection):
        connection.exec_driver_sql(f"REVOKE ALL ON FUNCTION {function} FROM PUBLIC")
        connection.exec_driver_sql(
            f"REVOKE ALL ON FUNCTION {function} FROM {_ident(roles.readonly)}"
        )
        connection.exec_driver_sql(f"GRANT EXECUTE ON FUNCTION {function} TO {_ident(roles.app)}")


def apply(connection: Connection, *, roles: Roles) -> int:
    """Hand the database's objects to the owner, then grant the rest; objects moved."""
    moved = hand_over(connection, roles=roles)
    grant_privileges(connection, roles=roles)
    return moved
