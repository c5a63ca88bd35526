"""Backups are verified and carry a manifest; restores trust only an intact, known backup."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, create_engine, pool, text
from sqlalchemy.engine import URL
from typer.testing import CliRunner

from searxng_cool.admin import backup, migrations, pg_programs, restore
from searxng_cool.cli.main import app
from searxng_cool.errors import Conflict, EnvironmentProblem, InvalidInput, NotFound
from tests.admin.conftest import count, settings_for
from tests.conftest import DatabaseFactory

runner = CliRunner()


def describe(url: URL) -> tuple[str, dict[str, int]]:
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as conn:
        described = backup.schema_fingerprint(conn), backup.row_counts(conn)
    engine.dispose()
    return described


def test_backup_then_restore_gives_identical_schema_and_row_counts(
    db_url: URL, seeded: dict[str, int], tmp_path: Path, databases: DatabaseFactory
) -> None:
    config = settings_for(db_url).database
    made = backup.create_backup(config=config, path=tmp_path / "music.dump")
    copy_name = f"{db_url.database}_copy"
    try:
        restored = restore.restore_backup(config=config, path=made.path, into=copy_name)
        assert restored.ok
        assert describe(db_url.set(database=copy_name)) == describe(db_url)
        assert made.manifest.tables["tracks"] == 6
    finally:
        databases.drop(db_url.set(database=copy_name))


def test_manifest_records_checksum_server_version_revision_and_row_counts(
    db_url: URL, seeded: dict[str, int], tmp_path: Path
) -> None:
    made = backup.create_backup(config=settings_for(db_url).database, path=tmp_path / "m.dump")
    manifest = json.loads(made.manifest_path.read_text())
    assert manifest["sha256"] == backup.sha256_of(made.path)
    assert manifest["server_version"].startswith("1")
    assert manifest["alembic_revision"] is not None
    assert manifest["tables"]["playlist_tracks"] == 3


def test_a_corrupted_dump_is_refused_and_the_target_is_unchanged(
    db_url: URL, engine: Engine, seeded: dict[str, int], tmp_path: Path
) -> None:
    config = settings_for(db_url).database
    made = backup.create_backup(config=config, path=tmp_path / "music.dump")
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM user_interactions"))
    before = describe(db_url)
    data = bytearray(made.path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    made.path.write_bytes(bytes(data))
    with pytest.raises(InvalidInput, match="corrupt"):
        restore.restore_backup(config=config, path=made.path, replace=True)
    assert describe(db_url) == before
    assert count(engine, "user_interactions") == 0


def test_a_file_without_a_manifest_is_refused_as_foreign(db_url: URL, tmp_path: Path) -> None:
    stranger = tmp_path / "someone-else.dump"
    stranger.write_bytes(b"PGDMP" + b"\0" * 100)
    with pytest.raises(InvalidInput, match="no manifest"):
        restore.check_backup(config=settings_for(db_url).database, path=stranger)


def test_a_backup_of_an_unknown_revision_is_refused_as_foreign(db_url: URL, tmp_path: Path) -> None:
    config = settings_for(db_url).database
    made = backup.create_backup(config=config, path=tmp_path / "m.dump")
    manifest = json.loads(made.manifest_path.read_text())
    manifest["alembic_revision"] = "20200101_0000_from_another_project"
    made.manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(InvalidInput, match="unknown to this code"):
        restore.check_backup(config=config, path=made.path)


def test_a_plain_sql_file_with_a_matching_manifest_is_refused(db_url: URL, tmp_path: Path) -> None:
    config = settings_for(db_url).database
    made = backup.create_backup(config=config, path=tmp_path / "m.dump")
    made.path.write_text("DROP TABLE tracks;")
    manifest = json.loads(made.manifest_path.read_text())
    manifest["sha256"] = backup.sha256_of(made.path)
    made.manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(InvalidInput, match="not a pg_dump custom-format archive"):
        restore.check_backup(config=config, path=made.path)


def test_a_missing_backup_file_is_reported(db_url: URL, tmp_path: Path) -> None:
    with pytest.raises(NotFound, match=r"nothing\.dump"):
        restore.check_backup(config=settings_for(db_url).database, path=tmp_path / "nothing.dump")


def test_backup_refuses_to_overwrite_without_force(db_url: URL, tmp_path: Path) -> None:
    config = settings_for(db_url).database
    target = tmp_path / "m.dump"
    target.write_text("precious")
    with pytest.raises(Conflict, match="--force"):
        backup.create_backup(config=config, path=target)
    assert target.read_text() == "precious"
    made = backup.create_backup(config=config, path=target, force=True)
    assert made.path.read_bytes().startswith(b"PGDMP")


def test_backup_into_a_missing_directory_fails_cleanly(db_url: URL, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="does not exist"):
        backup.create_backup(
            config=settings_for(db_url).database, path=tmp_path / "no" / "such" / "m.dump"
        )
    assert not (tmp_path / "no").exists()


def test_a_failing_pg_dump_leaves_no_file_claiming_to_be_a_backup(
    db_url: URL, tmp_path: Path
) -> None:
    target = tmp_path / "m.dump"
    (tmp_path / ".m.dump.partial").mkdir()  # pg_dump cannot open its output file
    with pytest.raises(EnvironmentProblem, match="pg_dump failed"):
        backup.create_backup(config=settings_for(db_url).database, path=target)
    assert not target.exists()
    assert not backup.Manifest.path_for(target).exists()


def test_an_unreachable_database_gives_one_clear_error_and_no_file(
    db_url: URL, tmp_path: Path
) -> None:
    target = tmp_path / "m.dump"
    broken = settings_for(db_url.set(database="sxc_does_not_exist")).database
    with pytest.raises(Exception, match="sxc_does_not_exist"):
        backup.create_backup(config=broken, path=target)
    assert list(tmp_path.iterdir()) == []


def test_verify_restore_compares_in_a_scratch_database_and_drops_it(
    db_url: URL, seeded: dict[str, int], tmp_path: Path, engine: Engine
) -> None:
    config = settings_for(db_url).database
    made = backup.create_backup(config=config, path=tmp_path / "m.dump")
    check = restore.verify_restore(config=config, path=made.path)
    assert check.ok
    assert check.database.startswith(f"{db_url.database}_verify_")
    assert not pg_programs.database_exists(config, check.database)


def test_restore_replaces_the_target_only_when_told_to(
    db_url: URL, engine: Engine, seeded: dict[str, int], tmp_path: Path
) -> None:
    config = settings_for(db_url).database
    made = backup.create_backup(config=config, path=tmp_path / "m.dump")
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM user_interactions"))
    with pytest.raises(Conflict, match="--yes"):
        restore.restore_backup(config=config, path=made.path)
    assert count(engine, "user_interactions") == 0
    restore.restore_backup(config=config, path=made.path, replace=True)
    assert count(engine, "user_interactions") == 6


def test_backup_command_reports_the_file_and_its_manifest(db_url: URL, tmp_path: Path) -> None:
    env = {"DATABASE_URL": db_url.render_as_string(hide_password=False)}
    target = tmp_path / "cli.dump"
    result = runner.invoke(app, ["backup", str(target), "--verify-restore"], env=env)
    assert result.exit_code == 0, result.output
    assert "restore verified" in result.output
    again = runner.invoke(app, ["backup", str(target)], env=env)
    assert again.exit_code == 1
    assert "--force" in again.output


def test_restore_command_asks_before_replacing_and_stops_on_no(
    db_url: URL, engine: Engine, seeded: dict[str, int], tmp_path: Path
) -> None:
    env = {"DATABASE_URL": db_url.render_as_string(hide_password=False)}
    target = tmp_path / "cli.dump"
    assert runner.invoke(app, ["backup", str(target)], env=env).exit_code == 0
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM user_interactions"))
    declined = runner.invoke(app, ["restore", str(target)], env=env, input="n\n")
    assert declined.exit_code == 1
    assert count(engine, "user_interactions") == 0
    accepted = runner.invoke(app, ["restore", str(target), "--yes"], env=env)
    assert accepted.exit_code == 0, accepted.output
    assert count(engine, "user_interactions") == 6


@given(
    st.text(min_size=1, max_size=80).filter(
        lambda n: not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,62}", n)
    )
)
@settings(max_examples=25, deadline=None)
def test_a_hostile_restore_target_name_is_refused_before_anything_happens(name: str) -> None:
    config = settings_for(
        URL.create("postgresql+psycopg", database="unused", host="nowhere.invalid")
    ).database
    with pytest.raises(InvalidInput, match="is not usable"):
        restore.restore_backup(config=config, path=Path("missing.dump"), into=name)


def test_backup_reports_progress_table_by_table(db_url: URL, tmp_path: Path) -> None:
    seen: list[tuple[int, int, str]] = []
    made = backup.create_backup(
        config=settings_for(db_url).database,
        path=tmp_path / "m.dump",
        progress=lambda done, total, table: seen.append((done, total, table)),
    )
    total = seen[-1][1]
    assert [done for done, _, _ in seen] == list(range(1, total + 1))
    assert {t for _, t, _ in seen} == {total}
    assert total >= len(made.manifest.tables)  # partitions are dumped one by one
    assert "public.tracks" in {table for _, _, table in seen}


def test_backups_and_their_manifests_are_readable_by_their_owner_only(
    db_url: URL, tmp_path: Path
) -> None:
    made = backup.create_backup(config=settings_for(db_url).database, path=tmp_path / "m.dump")
    assert made.path.stat().st_mode & 0o777 == 0o600
    assert made.manifest_path.stat().st_mode & 0o777 == 0o600


def test_the_backups_folder_a_gated_migration_makes_is_owner_only(
    db_url: URL, engine: Engine, tmp_path: Path
) -> None:
    with engine.begin() as conn:
        migrations.downgrade(conn, "-1")
    folder = tmp_path / "backups"
    result = runner.invoke(
        app,
        ["upgrade", "--backup-dir", str(folder)],
        env={"DATABASE_URL": db_url.render_as_string(hide_password=False)},
    )
    assert result.exit_code == 0, result.output
    assert folder.stat().st_mode & 0o777 == 0o700
    assert all(p.stat().st_mode & 0o777 == 0o600 for p in folder.iterdir())
