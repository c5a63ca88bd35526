"""Migrations: one head, timestamped ids, every revision downgrades, no drift, clean base."""

from __future__ import annotations

import itertools
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, pool, text
from sqlalchemy.engine import URL
from typer.testing import CliRunner

from searxng_cool.admin import migrations
from searxng_cool.cli.main import app
from tests.conftest import REPO_ROOT


@pytest.fixture
def empty_engine(empty_db_url: URL) -> Iterator[Engine]:
    made = create_engine(empty_db_url, poolclass=pool.NullPool)
    yield made
    made.dispose()


def revisions_oldest_first() -> list[str]:
    return [rev.revision for rev in reversed(migrations.history())]


def leftover_objects(conn: Connection) -> list[tuple[str, str]]:
    """Everything in `public` a migration could have made, except Alembic's own table."""
    return [
        tuple(row)
        for row in conn.execute(
            text(
                """
                SELECT 'relation', c.relname FROM pg_class c
                  JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE n.nspname = 'public' AND c.relname NOT LIKE 'alembic_version%'
                UNION ALL
                SELECT 'function', p.proname FROM pg_proc p
                  JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'
                UNION ALL
                SELECT 'type', t.typname FROM pg_type t
                  JOIN pg_namespace n ON n.oid = t.typnamespace
                 WHERE n.nspname = 'public' AND t.typname NOT LIKE '%alembic_version%'
                UNION ALL
                SELECT 'trigger', tgname FROM pg_trigger WHERE NOT tgisinternal
                UNION ALL
                SELECT 'extension', extname FROM pg_extension WHERE extname <> 'plpgsql'
                """
            )
        )
    ]


def test_there_is_a_single_head() -> None:
    assert len(migrations.heads()) == 1


def test_revision_ids_are_timestamps() -> None:
    for rev in migrations.history():
        assert re.fullmatch(r"\d{8}_\d{4}_[a-z0-9_]+", rev.revision), rev.revision


def test_revision_files_sorted_by_name_follow_the_chain() -> None:
    """Listing the versions folder shows the revisions in the order they run."""
    by_name = sorted(migrations.history(), key=lambda rev: Path(rev.path).name)
    assert [rev.revision for rev in by_name] == revisions_oldest_first()
    for earlier, later in itertools.pairwise(by_name):
        assert later.down_revision == earlier.revision, Path(later.path).name


def test_revision_chain_is_linear_from_base() -> None:
    script = ScriptDirectory.from_config(migrations.alembic_config())
    assert [r.revision for r in script.walk_revisions()] == list(reversed(revisions_oldest_first()))
    assert script.get_base() == revisions_oldest_first()[0]


def test_upgrade_creates_the_schema_on_an_empty_database(empty_engine: Engine) -> None:
    with empty_engine.begin() as conn:
        migrations.upgrade(conn, revision="head")
    with empty_engine.connect() as conn:
        assert migrations.current(conn) == migrations.heads()
        tables = conn.execute(text("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"))
        assert tables.scalar_one() >= 13


def test_every_revision_upgrades_downgrades_one_and_upgrades_again(empty_engine: Engine) -> None:
    for revision in revisions_oldest_first():
        with empty_engine.begin() as conn:
            migrations.upgrade(conn, revision=revision)
        with empty_engine.begin() as conn:
            migrations.downgrade(conn, revision="-1")
        with empty_engine.begin() as conn:
            migrations.upgrade(conn, revision=revision)
            assert migrations.current(conn) == [revision]


def test_downgrade_to_base_leaves_no_table_function_view_or_type(empty_engine: Engine) -> None:
    with empty_engine.begin() as conn:
        assert leftover_objects(conn) == []
        migrations.upgrade(conn, revision="head")
    with empty_engine.begin() as conn:
        migrations.downgrade(conn, revision="base")
    with empty_engine.connect() as conn:
        assert leftover_objects(conn) == []
        assert migrations.current(conn) == []


def test_models_match_the_migrated_schema(connection: Connection) -> None:
    assert migrations.drift(connection) is None


def test_drift_is_reported_when_the_database_differs(connection: Connection) -> None:
    connection.execute(text("DROP INDEX idx_tracks_isrc"))
    report = migrations.drift(connection)
    assert report is not None
    assert "idx_tracks_isrc" in report


def test_upgrade_sql_is_rendered_without_a_database() -> None:
    rendered = migrations.offline_sql("base", "head")
    assert "CREATE TABLE tracks" in rendered
    assert "CREATE MATERIALIZED VIEW mv_track_popularity" in rendered


def test_a_new_revision_is_refused_while_the_database_is_behind(empty_engine: Engine) -> None:
    from searxng_cool.errors import Conflict

    with empty_engine.begin() as conn, pytest.raises(Conflict, match="not at head"):
        migrations.new_revision(conn, message="anything")


def test_revision_ids_are_made_from_the_time_and_message() -> None:
    from datetime import UTC, datetime

    made = migrations.revision_id(
        "Add playlist Collaborators!", datetime(2026, 11, 24, 15, 30, tzinfo=UTC)
    )
    assert made == "20261124_1530_add_playlist"
    assert len(made) <= 32  # alembic_version.version_num is VARCHAR(32)


def test_every_revision_id_fits_the_alembic_version_column() -> None:
    assert all(len(rev.revision) <= 32 for rev in migrations.history())


def _flask(args: list[str], url: URL) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["DATABASE_URL"] = url.render_as_string(hide_password=False)
    env["FLASK_APP"] = "migrations/migration_app.py"
    flask = [sys.executable, "-m", "flask"]
    return subprocess.run(
        [*flask, *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=False
    )


def test_flask_db_history_lists_the_same_revisions(db_url: URL) -> None:
    result = _flask(["db", "history"], db_url)
    assert result.returncode == 0, result.stderr
    for revision in revisions_oldest_first():
        assert revision in result.stdout


def test_flask_db_stamp_moves_the_recorded_revision(db_url: URL) -> None:
    result = _flask(["db", "stamp", "base"], db_url)
    assert result.returncode == 0, result.stderr
    engine = create_engine(db_url, poolclass=pool.NullPool)
    with engine.connect() as conn:
        assert migrations.current(conn) == []
    engine.dispose()


def test_a_new_revision_holds_the_difference_between_models_and_database(
    connection: Connection, tmp_path: Path
) -> None:
    connection.execute(text("DROP INDEX idx_tracks_isrc"))
    path = migrations.new_revision(connection, message="restore isrc index", directory=tmp_path)
    body = path.read_text()
    assert path.parent == tmp_path
    assert re.fullmatch(r"\d{8}_\d{4}_restore_isrc_index\.py", path.name)  # 32 chars at most
    assert 'op.create_index("idx_tracks_isrc"' in body
    assert f'down_revision: str | Sequence[str] | None = "{migrations.heads()[0]}"' in body


def test_migrate_with_no_model_change_writes_no_file_and_says_so(db_url: URL) -> None:
    versions = migrations.MIGRATIONS_DIR / "versions"
    before = set(versions.glob("*.py"))
    env = {"DATABASE_URL": db_url.render_as_string(hide_password=False)}
    result = CliRunner().invoke(app, ["migrate", "-m", "nothing changed"], env=env)
    assert result.exit_code == 0, result.output
    assert "no revision written" in result.output
    assert set(versions.glob("*.py")) == before


def test_a_generated_revision_passes_the_projects_lint_and_format_checks(
    connection: Connection,
) -> None:
    connection.execute(text("DROP INDEX idx_tracks_isrc"))
    path = migrations.new_revision(connection, message="lint clean probe")
    assert path is not None
    try:
        for check in (["check"], ["format", "--check"]):
            linted = subprocess.run(
                [sys.executable, "-m", "ruff", *check, str(path)],
                capture_output=True,
                text=True,
                cwd=REPO_ROOT,
                check=False,
            )
            assert linted.returncode == 0, linted.stdout + linted.stderr
    finally:
        path.unlink()
