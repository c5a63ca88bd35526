"""refresh-smart --all: totals beyond INTEGER fit, and one refused playlist does not stop the rest."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.engine import URL
from typer.testing import CliRunner

from searxng_cool.cli.main import app
from tests import factories
from tests.cli.test_cli import env_for

runner = CliRunner()
LONGEST_INTEGER_MS = 2**31 - 1


def smart_playlist(db_url: URL, tmp_path: Path, owner: int, name: str, rules: object) -> None:
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(rules))
    made = runner.invoke(
        app,
        ["playlists", "create", name, "--owner", str(owner), "--rules", str(path)],
        env=env_for(db_url),
    )
    assert made.exit_code == 0, made.output


def seed(engine: Engine) -> int:
    with engine.begin() as conn:
        owner = factories.user(conn)
        for _ in range(3):
            factories.track(conn, duration_ms=LONGEST_INTEGER_MS)
        factories.track(conn, duration_ms=60_000)
    return owner


def totals(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT name, total_duration_ms FROM playlists"))
        return {str(name): int(total) for name, total in rows}


def test_a_smart_playlist_longer_than_24_8_days_refreshes_with_its_whole_total(
    db_url: URL, engine: Engine, tmp_path: Path
) -> None:
    owner = seed(engine)
    smart_playlist(db_url, tmp_path, owner, "epic", {"all": [{"gt": {"duration": 100_000}}]})
    result = runner.invoke(app, ["playlists", "refresh-smart", "--all"], env=env_for(db_url))
    assert result.exit_code == 0, result.output
    assert totals(engine) == {"epic": 3 * LONGEST_INTEGER_MS}


def test_one_playlist_the_database_refuses_is_reported_and_the_others_refresh(
    db_url: URL, engine: Engine, tmp_path: Path
) -> None:
    owner = seed(engine)
    smart_playlist(db_url, tmp_path, owner, "epic", {"all": [{"gt": {"duration": 100_000}}]})
    smart_playlist(db_url, tmp_path, owner, "short", {"all": [{"lt": {"duration": 100}}]})
    with engine.begin() as conn:  # a limit the long playlist's refresh breaks
        conn.execute(
            text(
                "ALTER TABLE playlists ADD CONSTRAINT at_most_a_day"
                " CHECK (total_duration_ms < 86400000)"
            )
        )
    result = runner.invoke(app, ["playlists", "refresh-smart", "--all"], env=env_for(db_url))
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "refreshed 1 smart playlist(s), skipped 1" in result.output
    assert "at_most_a_day" in result.output
    assert totals(engine) == {"epic": 0, "short": 60_000}
