"""Schema commands keep data safe: a downgrade that drops rows asks; relative revisions work."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import URL
from typer.testing import CliRunner

from searxng_cool.admin import migrations
from searxng_cool.cli.main import app
from tests import factories
from tests.cli.test_cli import env_for

runner = CliRunner()


def revision_of(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return migrations.current(conn)


def test_a_downgrade_that_drops_tables_holding_rows_names_them_and_needs_yes(
    db_url: URL, engine: Engine
) -> None:
    with engine.begin() as conn:
        factories.user(conn)
        factories.track(conn)
    refused = runner.invoke(app, ["downgrade", "base", "--no-backup"], env=env_for(db_url))
    assert refused.exit_code == 1
    output = " ".join(refused.output.split())
    assert "users (1 rows)" in output
    assert "tracks (1 rows)" in output
    assert "--yes" in output
    assert revision_of(engine) == migrations.heads()
    done = runner.invoke(app, ["downgrade", "base", "--no-backup", "--yes"], env=env_for(db_url))
    assert done.exit_code == 0, done.output
    assert revision_of(engine) == []


def test_a_downgrade_that_drops_no_rows_asks_nothing(db_url: URL, engine: Engine) -> None:
    with engine.begin() as conn:
        factories.user(conn)
    result = runner.invoke(app, ["downgrade", "-1", "--no-backup"], env=env_for(db_url))
    assert result.exit_code == 0, result.output
    assert "drops" not in result.output


def test_downgrade_minus_one_as_documented_goes_back_one_revision(
    db_url: URL, engine: Engine, tmp_path: Path
) -> None:
    history = [rev.revision for rev in migrations.history()]
    result = runner.invoke(
        app, ["downgrade", "--backup-dir", str(tmp_path), "-1"], env=env_for(db_url)
    )
    assert result.exit_code == 0, result.output
    assert revision_of(engine) == [history[1]]
    two = runner.invoke(app, ["downgrade", "-2", "--no-backup"], env=env_for(db_url))
    assert two.exit_code == 0, two.output
    assert revision_of(engine) == [history[3]]
    shown = runner.invoke(app, ["downgrade", "-1", "--sql"], env=env_for(db_url))
    assert shown.exit_code == 0, shown.output
    assert revision_of(engine) == [history[3]]
