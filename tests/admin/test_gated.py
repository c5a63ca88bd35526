"""Gated upgrade/downgrade: backup first, timeouts, checks after, a restore command on failure."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, pool, text
from sqlalchemy.engine import URL
from typer.testing import CliRunner

from searxng_cool.admin import gated, migrations
from searxng_cool.admin.outcomes import Outcome
from searxng_cool.cli.main import app
from searxng_cool.config import OperationsConfig
from tests.admin.conftest import settings_for

runner = CliRunner()
FIRST_REVISION = migrations.history()[-1].revision


@pytest.fixture
def behind(empty_db_url: URL) -> Engine:
    """A database at the first revision, with later revisions pending."""
    engine = create_engine(empty_db_url, poolclass=pool.NullPool)
    with engine.begin() as conn:
        migrations.upgrade(conn, revision=FIRST_REVISION)
    return engine


def test_upgrade_takes_a_verified_backup_then_runs_the_post_migration_checks(
    behind: Engine, empty_db_url: URL, tmp_path: Path
) -> None:
    result = gated.run_gated(
        config=settings_for(empty_db_url).database, ops=OperationsConfig(),
        revision="head", backup_path=tmp_path / "pre.dump",
    )  # fmt: skip
    assert result.backup is not None
    assert result.backup.manifest.alembic_revision == FIRST_REVISION
    assert result.after == migrations.heads()[0]
    assert {c.group for c in result.checks} == {"schema integrity", "migration history"}
    assert all(c.outcome is Outcome.PASS for c in result.checks)


def test_an_upgrade_failing_midway_stays_at_the_previous_revision_and_names_the_backup(
    behind: Engine, empty_db_url: URL, tmp_path: Path
) -> None:
    with behind.begin() as conn:  # a later revision creates this table: make it collide
        conn.execute(text("CREATE TABLE maintenance_events (id int)"))
    with pytest.raises(gated.MigrationFailed) as failure:
        gated.run_gated(
            config=settings_for(empty_db_url).database, ops=OperationsConfig(),
            revision="head", backup_path=tmp_path / "pre.dump",
        )  # fmt: skip
    message = str(failure.value)
    assert f"still at {FIRST_REVISION}" in message
    assert f"db_cli.py restore {tmp_path / 'pre.dump'} --yes" in message
    with behind.connect() as conn:
        assert migrations.current(conn) == [FIRST_REVISION]


def test_a_lock_held_elsewhere_makes_the_migration_give_up_after_lock_timeout(
    db_url: URL, engine: Engine
) -> None:
    ops = OperationsConfig().replace(LOCK_TIMEOUT_MS=200)
    with engine.connect() as holder:
        holder.execute(text("LOCK TABLE maintenance_events IN ACCESS SHARE MODE"))
        started = time.monotonic()
        # Down to the first revision passes through the one that drops maintenance_events,
        # after later revisions that declare their own (5 s) lock_timeout.
        with pytest.raises(gated.MigrationFailed, match="lock timeout"):
            gated.run_gated(
                config=settings_for(db_url).database, ops=ops, revision=FIRST_REVISION,
                downgrade=True, backup_path=None,
            )  # fmt: skip
        waited = time.monotonic() - started
        holder.rollback()
    assert waited < 3, (
        f"waited {waited:.1f} s: the configured 200 ms must win over a revision's 5 s"
    )
    with engine.connect() as conn:
        assert migrations.current(conn) == migrations.heads()


def test_upgrade_command_records_a_skipped_backup(empty_db_url: URL) -> None:
    env = {"DATABASE_URL": empty_db_url.render_as_string(hide_password=False)}
    result = runner.invoke(app, ["upgrade", "--no-backup"], env=env)
    assert result.exit_code == 0, result.output
    assert "no backup taken (--no-backup)" in result.output
    assert "pass: schema integrity / spec indexes" in result.output


def test_upgrade_command_writes_its_backup_into_the_backup_dir(
    behind: Engine, empty_db_url: URL, tmp_path: Path
) -> None:
    env = {"DATABASE_URL": empty_db_url.render_as_string(hide_password=False)}
    result = runner.invoke(app, ["upgrade", "--backup-dir", str(tmp_path)], env=env)
    assert result.exit_code == 0, result.output
    dumps = list(tmp_path.glob("pre-head-*.dump"))
    assert len(dumps) == 1
    assert f"verified backup: {dumps[0]}" in result.output.replace("\n", "")


def test_upgrade_sql_prints_without_applying(behind: Engine, empty_db_url: URL) -> None:
    env = {"DATABASE_URL": empty_db_url.render_as_string(hide_password=False)}
    result = runner.invoke(app, ["upgrade", "--sql"], env=env)
    assert result.exit_code == 0, result.output
    assert "CREATE TABLE maintenance_events" in result.output
    with behind.connect() as conn:
        assert migrations.current(conn) == [FIRST_REVISION]


def test_an_empty_database_is_upgraded_without_a_backup_and_says_why(
    empty_db_url: URL, tmp_path: Path
) -> None:
    env = {"DATABASE_URL": empty_db_url.render_as_string(hide_password=False)}
    result = runner.invoke(app, ["upgrade", "--backup-dir", str(tmp_path / "b")], env=env)
    assert result.exit_code == 0, result.output
    assert "nothing to back up" in result.output
    assert not (tmp_path / "b").exists()


def test_a_failed_upgrade_command_prints_the_restore_command(
    behind: Engine, empty_db_url: URL, tmp_path: Path
) -> None:
    with behind.begin() as conn:
        conn.execute(text("CREATE TABLE size_samples (id int)"))
    env = {"DATABASE_URL": empty_db_url.render_as_string(hide_password=False), "COLUMNS": "400"}
    result = runner.invoke(app, ["upgrade", "--backup-dir", str(tmp_path)], env=env)
    assert result.exit_code == 1
    flat = " ".join(result.output.split())
    assert "db_cli.py restore" in flat
    assert str(tmp_path) in flat
    assert f"still at {FIRST_REVISION}" in flat


def test_an_upgrade_with_nothing_pending_takes_no_backup(db_url: URL, tmp_path: Path) -> None:
    result = gated.run_gated(
        config=settings_for(db_url).database, ops=OperationsConfig(),
        revision="head", backup_path=tmp_path / "pre.dump",
    )  # fmt: skip
    assert result.backup is None
    assert result.backup_skipped == "already at head: nothing to apply"
    assert list(tmp_path.iterdir()) == []
