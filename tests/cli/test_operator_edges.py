"""The operator's rough edges: not-found is an error, JSON where things are shown, help texts."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.engine import URL
from typer.testing import CliRunner

from searxng_cool.cli.main import app
from tests import factories
from tests.cli.test_cli import env_for

runner = CliRunner()


def test_counters_of_a_track_that_does_not_exist_is_a_not_found_error(db_url: URL) -> None:
    result = runner.invoke(app, ["popularity", "counters", "99999999"], env=env_for(db_url))
    assert result.exit_code == 1
    assert "track 99999999 does not exist" in result.output


def test_counters_of_a_track_without_interactions_says_so_and_succeeds(
    db_url: URL, engine: Engine
) -> None:
    with engine.begin() as conn:
        track = factories.track(conn)
    result = runner.invoke(app, ["popularity", "counters", str(track)], env=env_for(db_url))
    assert result.exit_code == 0, result.output
    assert "has no interactions" in result.output
