"""The management CLI against a real database given by DATABASE_URL."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from sqlalchemy import create_engine, pool, text
from sqlalchemy.engine import URL
from typer.testing import CliRunner

from searxng_cool.admin import migrations
from searxng_cool.cli.main import app
from tests.conftest import REPO_ROOT

runner = CliRunner()


def env_for(url: URL) -> dict[str, str]:
    return {"DATABASE_URL": url.render_as_string(hide_password=False)}


def all_commands(group: typer.Typer, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [
        (*prefix, c.name or c.callback.__name__) for c in group.registered_commands if c.callback
    ]
    for sub in group.registered_groups:
        assert sub.typer_instance is not None
        assert sub.name is not None
        found += all_commands(sub.typer_instance, (*prefix, sub.name))
    return found


@pytest.mark.parametrize("command", all_commands(app), ids=" ".join)
def test_every_command_has_help_with_an_example(command: tuple[str, ...]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output


def test_upgrade_downgrade_base_and_upgrade_again_on_any_database(empty_db_url: URL) -> None:
    env = env_for(empty_db_url)
    first = runner.invoke(app, ["upgrade"], env=env)
    assert first.exit_code == 0, first.output
    down = runner.invoke(app, ["downgrade", "base", "--no-backup"], env=env)
    assert down.exit_code == 0, down.output
    engine = create_engine(empty_db_url, poolclass=pool.NullPool)
    with engine.connect() as conn:
        tables = conn.execute(text("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"))
        assert tables.scalar_one() == 1  # alembic_version only
    again = runner.invoke(app, ["upgrade"], env=env)
    assert again.exit_code == 0, again.output
    with engine.connect() as conn:
        assert migrations.current(conn) == migrations.heads()
    engine.dispose()


def test_init_on_an_existing_empty_database_migrates_it(empty_db_url: URL) -> None:
    result = runner.invoke(app, ["init"], env=env_for(empty_db_url))
    assert result.exit_code == 0, result.output
    assert migrations.heads()[0] in result.output
    assert "DATABASE_URL connects as a superuser" in " ".join(result.output.split())


def test_downgrade_without_a_revision_is_refused(db_url: URL) -> None:
    result = runner.invoke(app, ["downgrade"], env=env_for(db_url))
    assert result.exit_code != 0
    engine = create_engine(db_url, poolclass=pool.NullPool)
    with engine.connect() as conn:
        assert migrations.current(conn) == migrations.heads()
    engine.dispose()


def test_current_reports_the_database_revision(db_url: URL) -> None:
    result = runner.invoke(app, ["current"], env=env_for(db_url))
    assert result.exit_code == 0
    assert f"current: {migrations.heads()[0]}" in result.output


def test_an_unknown_revision_gets_one_clear_line(db_url: URL, tmp_path: Path) -> None:
    # The backup goes to a temporary folder, never into the checkout's backups/.
    result = runner.invoke(
        app, ["upgrade", "nonsense", "--backup-dir", str(tmp_path)], env=env_for(db_url)
    )
    assert result.exit_code == 1
    assert "nonsense" in result.output


def test_an_unreachable_server_gets_one_clear_line_without_the_password() -> None:
    env = {"DATABASE_URL": "postgresql://u:hunter2@127.0.0.1:1/nothing"}
    result = runner.invoke(app, ["current"], env=env)
    assert result.exit_code == 1
    assert "cannot reach the database" in result.output
    assert "hunter2" not in result.output


def test_the_spec_script_path_runs_the_same_cli(db_url: URL) -> None:
    result = subprocess.run(
        [sys.executable, "scripts/utilities/database/db_cli.py", "current"],
        cwd=REPO_ROOT,
        env=dict(os.environ, **env_for(db_url)),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert migrations.heads()[0] in result.stdout


@pytest.mark.parametrize(("reachable", "expected"), [(True, "True"), (False, "False")])
def test_the_spec_connection_one_liner(db_url: URL, reachable: bool, expected: str) -> None:
    url = db_url if reachable else db_url.set(database="no_such_database_here")
    command = (
        "from scripts.utilities.database.db_manager import DatabaseManager; "
        "print(DatabaseManager().test_connection())"
    )
    result = subprocess.run(
        [sys.executable, "-c", command],
        cwd=REPO_ROOT,
        env=dict(os.environ, **env_for(url)),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.stdout.strip() == expected, result.stderr
