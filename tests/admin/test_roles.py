"""Database roles: the application role can work but not change the schema; the read-only
role can only read; `init` makes, hands over and grants, and running it again changes nothing.

Every test database is cloned from a template that `init` made (tests/conftest.py), so the
objects belong to searxng_owner and the grants are in place.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, create_engine, pool, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import ProgrammingError

from searxng_cool.accounts import OPERATOR, authenticate_token, login, register_user
from searxng_cool.admin import backup, migrations, restore, roles, setup
from searxng_cool.admin.setup import init_database
from searxng_cool.catalog import search
from searxng_cool.config import APP_ROLE, OWNER_ROLE, READONLY_ROLE
from searxng_cool.discovery import sessions
from searxng_cool.listening import partitions, popularity
from searxng_cool.listening.recording import record_interaction
from searxng_cool.playlists import editing, manage
from tests import factories
from tests.catalog.ingest_helpers import count, ingest_records
from tests.conftest import DatabaseFactory, as_role, init_config
from tests.music_catalog import make_catalog


def _engine(url: URL) -> Iterator[Engine]:
    made = create_engine(url, poolclass=pool.NullPool)
    yield made
    made.dispose()


@pytest.fixture
def app_engine(db_url: URL) -> Iterator[Engine]:
    yield from _engine(as_role(db_url, APP_ROLE))


@pytest.fixture
def readonly_engine(db_url: URL) -> Iterator[Engine]:
    yield from _engine(as_role(db_url, READONLY_ROLE))


def refused(connection: Connection, statement: str) -> bool:
    """True when the server refuses `statement` for lack of privilege or ownership."""
    try:
        with connection.begin_nested():
            connection.exec_driver_sql(statement)
    except ProgrammingError as exc:
        return getattr(exc.orig, "sqlstate", None) == "42501"  # insufficient_privilege
    return False


@pytest.mark.parametrize(
    "statement",
    [
        "CREATE TABLE public.intruder (id int)",
        "CREATE TABLE intruder (id int)",
        "ALTER TABLE tracks ADD COLUMN intruder int",
        "ALTER TABLE users DISABLE TRIGGER ALL",
        "DROP TABLE playlist_tracks",
        "DROP MATERIALIZED VIEW mv_track_popularity",
        "TRUNCATE tracks CASCADE",
        "TRUNCATE user_interactions",
        "CREATE INDEX intruder ON tracks (title)",
        "CREATE FUNCTION public.intruder() RETURNS int LANGUAGE sql AS 'SELECT 1'",
        "REFRESH MATERIALIZED VIEW mv_track_popularity",
        "INSERT INTO alembic_version VALUES ('intruder')",
        "DELETE FROM alembic_version",
        "CREATE EXTENSION IF NOT EXISTS pg_buffercache",
        "SELECT pg_stat_statements_reset()",
    ],
)
def test_the_application_role_cannot_change_the_schema(app_engine: Engine, statement: str) -> None:
    with app_engine.connect() as conn:
        assert refused(conn, statement), statement


def test_the_application_role_owns_nothing_and_is_not_privileged(app_engine: Engine) -> None:
    with app_engine.connect() as conn:
        owned = conn.execute(
            text(
                "SELECT count(*) FROM pg_class WHERE relowner = current_user::regrole"
                " AND relnamespace = 'public'::regnamespace"
            )
        ).scalar_one()
        attributes = conn.execute(
            text(
                "SELECT rolsuper, rolcreatedb, rolcreaterole, rolbypassrls FROM pg_roles"
                " WHERE rolname = current_user"
            )
        ).one()
        assert owned == 0
        assert tuple(attributes) == (False, False, False, False)


def test_every_service_works_as_the_application_role(app_engine: Engine, tmp_path: Path) -> None:
    summary = ingest_records(
        app_engine,
        tmp_path,
        [{"source_type": "t", "source_id": "1", "title": "Night Drive", "artist": "Ana"}],
    )
    assert summary.inserted == 1
    with app_engine.begin() as conn:
        catalog = make_catalog(conn, artists=6, per_artist=3)
        user = factories.user(conn)
        record_interaction(
            conn, user_id=user, track_id=catalog[0].id, interaction_type="play",
            created_at=datetime(2031, 5, 4, tzinfo=UTC),  # a month with no partition yet
        )  # fmt: skip
        # Made by the SECURITY DEFINER function: the row moves in from the default partition.
        partitions.ensure_partitions(conn, months_ahead=1, today=date(2031, 5, 1))
        popularity.refresh_view(conn)
        playlist = manage.create_playlist(conn, owner_id=user, name="Roles")
        editing.add_tracks(
            conn, playlist_id=playlist, actor_id=user, track_ids=[t.id for t in catalog[:3]]
        )
        editing.move_track(
            conn, playlist_id=playlist, actor_id=user, from_position=0, to_position=2
        )
        page = search(conn, query="Night Drive")
        assert "Night Drive" in [r.name for r in page.results]
        session = sessions.start_session(
            conn, user_id=user, session_type="genre", parameters={"genre": "rock"}
        )
        assert sessions.next_batch(conn, session_id=session, size=3)
        ana = register_user(
            conn, username="ana", email="ana@example.org", password="correct horse", by=OPERATOR
        )
    with app_engine.begin() as conn:
        issued = login(conn, login="ana", password="correct horse", client="10.0.0.1")
        assert authenticate_token(conn, token=issued.token).id == ana.id
    assert count(app_engine, "user_interactions_p2031_05") == 1


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO users (username, email, password_hash) VALUES ('x', 'x@example.org', 'x')",
        "UPDATE tracks SET title = 'x'",
        "DELETE FROM playlists",
        "SELECT ensure_user_interactions_partition(date '2032-01-01')",
        "SELECT refresh_track_popularity(false)",
        "CREATE TABLE public.intruder (id int)",
        "SELECT password_hash FROM users",
        "SELECT * FROM users",
        "SELECT token_hash FROM api_tokens",
        "SELECT * FROM login_failures",
    ],
)
def test_the_read_only_role_cannot_write_nor_read_credentials(
    readonly_engine: Engine, statement: str
) -> None:
    with readonly_engine.connect() as conn:
        # Read-only by default too; the privileges refuse even a read-write transaction.
        assert conn.execute(text("SHOW default_transaction_read_only")).scalar_one() == "on"
        conn.exec_driver_sql("SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE")
        conn.commit()
        assert refused(conn, statement), statement


def test_the_read_only_role_can_read_and_search(engine: Engine, readonly_engine: Engine) -> None:
    with engine.begin() as conn:
        factories.track(conn, title="Quiet Harbour")
    with readonly_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM tracks")).scalar_one() == 1
        assert conn.execute(text("SELECT count(username) FROM users")).scalar_one() == 0
        page = search(conn, query="Quiet Harbour")
        assert "Quiet Harbour" in [r.name for r in page.results]


def acl_snapshot(conn: Connection) -> list[tuple[object, ...]]:
    """Owners and privileges of everything init touches, to compare two runs."""
    query = """
    SELECT 'rel', relname, pg_get_userbyid(relowner), relacl::text FROM pg_class
     WHERE relnamespace = 'public'::regnamespace
    UNION ALL SELECT 'fn', proname, pg_get_userbyid(proowner), proacl::text FROM pg_proc
     WHERE pronamespace = 'public'::regnamespace
    UNION ALL SELECT 'db', datname, pg_get_userbyid(datdba), datacl::text FROM pg_database
     WHERE datname = current_database()
    UNION ALL SELECT 'schema', nspname, pg_get_userbyid(nspowner), nspacl::text FROM pg_namespace
     WHERE nspname = 'public'
    UNION ALL SELECT 'default', defaclobjtype::text, pg_get_userbyid(defaclrole),
           defaclacl::text FROM pg_default_acl
    UNION ALL SELECT 'role', rolname, rolsuper::text || rolcreaterole::text || rolcanlogin::text,
           array_to_string(rolconfig, ',') FROM pg_roles WHERE rolname LIKE 'searxng%'
    ORDER BY 1, 2, 3, 4
    """
    return [tuple(row) for row in conn.execute(text(query))]


def test_init_hands_objects_to_the_owner_and_a_second_run_changes_nothing(
    databases: DatabaseFactory,
) -> None:
    url = databases.create(prefix="init")
    # An install from before the roles: everything owned by whoever migrated it.
    made = create_engine(url, poolclass=pool.NullPool)
    with made.begin() as conn:
        migrations.upgrade(conn, revision="head")
    first = init_database(init_config(url))
    assert first.objects_handed_over > 30
    assert not first.single_role
    with made.connect() as conn:
        owners = conn.execute(
            text(
                "SELECT DISTINCT pg_get_userbyid(relowner) FROM pg_class c"
                " WHERE relnamespace = 'public'::regnamespace AND NOT EXISTS ("
                "  SELECT FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')"
            )
        ).scalars()
        assert set(owners) == {OWNER_ROLE}
        before = acl_snapshot(conn)
    again = init_database(init_config(url))
    assert (again.roles_created, again.objects_handed_over, again.database_created) == (
        (),
        0,
        False,
    )
    with made.connect() as conn:
        assert acl_snapshot(conn) == before
    made.dispose()
    databases.drop(url)


def test_a_table_a_later_migration_creates_follows_the_same_grants(
    db_url: URL, app_engine: Engine, readonly_engine: Engine
) -> None:
    owner = create_engine(as_role(db_url, OWNER_ROLE), poolclass=pool.NullPool)
    with owner.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE later_table (id serial PRIMARY KEY, note text)")
    owner.dispose()
    with app_engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO later_table (note) VALUES ('ok')")
        assert refused(conn, "TRUNCATE later_table")
        assert refused(conn, "DROP TABLE later_table")
    with readonly_engine.connect() as conn:
        assert conn.execute(text("SELECT note FROM later_table")).scalar_one() == "ok"


def test_roles_are_made_once_with_their_passwords_even_by_racing_processes(
    server_url: URL,
) -> None:
    suffix = uuid.uuid4().hex[:8]
    names = roles.Roles(owner=f"sxc_o_{suffix}", app=f"sxc_a_{suffix}", readonly=f"sxc_r_{suffix}")
    secret = f"pw-{suffix}"
    admin = create_engine(server_url, poolclass=pool.NullPool, isolation_level="AUTOCOMMIT")

    def make() -> list[str]:
        with admin.connect() as conn:
            return roles.ensure_roles(conn, roles=names, passwords={names.app: secret})

    try:
        with ThreadPoolExecutor(4) as workers:
            made = [name for result in workers.map(lambda _: make(), range(4)) for name in result]
        assert sorted(made) == sorted([names.owner, names.app, names.readonly])
        with admin.connect() as conn:
            stored = dict(
                conn.execute(
                    text("SELECT rolname, rolpassword FROM pg_authid WHERE rolname LIKE :p"),
                    {"p": f"sxc_%_{suffix}"},
                ).all()
            )
        assert stored[names.app] is not None
        assert secret not in stored[names.app]  # SCRAM, never the password itself
        assert stored[names.owner] is None
    finally:
        with admin.connect() as conn:
            for name in (names.owner, names.app, names.readonly):
                conn.exec_driver_sql(f"DROP ROLE IF EXISTS {name}")
        admin.dispose()


def test_a_restored_copy_gets_the_database_owner_and_grants_back(
    db_url: URL, databases: DatabaseFactory, tmp_path: Path
) -> None:
    config = init_config(db_url)
    made = backup.create_backup(config=config.as_owner(), path=tmp_path / "m.dump")
    copy = db_url.set(database=f"{db_url.database}_copy")
    try:
        restore.restore_backup(config=config.as_owner(), path=made.path, into=copy.database)
        setup.secure_database(config, database=str(copy.database))
        engine = create_engine(copy, poolclass=pool.NullPool)
        with engine.connect() as conn:
            owner = conn.execute(
                text(
                    "SELECT pg_get_userbyid(datdba) FROM pg_database"
                    " WHERE datname = current_database()"
                )
            ).scalar_one()
        engine.dispose()
        assert owner == OWNER_ROLE
        for app_engine in _engine(as_role(copy, APP_ROLE)):
            with app_engine.begin() as conn:
                factories.track(conn)
                assert refused(conn, "DROP TABLE tracks CASCADE")
    finally:
        databases.drop(copy)


def test_a_superuser_migrating_an_init_database_acts_as_its_owner(db_url: URL) -> None:
    engine = create_engine(db_url, poolclass=pool.NullPool)  # the test server's superuser
    with engine.begin() as conn:
        migrations.downgrade(conn, revision="20261203_1940_api_tokens_limiter")
    with engine.begin() as conn:
        migrations.upgrade(conn, revision="head")
    with engine.connect() as conn:
        owner = conn.execute(
            text(
                "SELECT pg_get_userbyid(proowner) FROM pg_proc"
                " WHERE proname = 'refresh_track_popularity'"
            )
        ).scalar_one()
        role = conn.execute(text("SELECT current_user")).scalar_one()
    engine.dispose()
    assert owner == OWNER_ROLE
    assert role != OWNER_ROLE  # and the connection is itself again afterwards
