"""The listening commands against a real database given by DATABASE_URL."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import create_engine, pool, text
from sqlalchemy.engine import URL
from typer.testing import CliRunner

from searxng_cool.cli.main import app
from tests import factories
from tests.cli.test_cli import env_for

runner = CliRunner()


def seed(url: URL) -> tuple[int, int]:
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.begin() as conn:
        ids = factories.user(conn), factories.track(conn, duration_ms=1000)
    engine.dispose()
    return ids


def scalar(url: URL, sql: str) -> object:
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as conn:
        value = conn.execute(text(sql)).scalar_one()
    engine.dispose()
    return value


def test_load_records_good_lines_and_writes_a_rejects_report(db_url: URL, tmp_path: Path) -> None:
    user, track = seed(db_url)
    events = tmp_path / "events.jsonl"
    events.write_text(
        json.dumps({"user_id": user, "track_id": track, "interaction_type": "play"})
        + "\n{broken\n"
        + json.dumps(
            {
                "user_id": user,
                "track_id": track,
                "interaction_type": "play",
                "play_duration_ms": 5000,
            }
        )
        + "\n"
    )
    report = tmp_path / "rejects.jsonl"
    result = runner.invoke(
        app, ["interactions", "load", str(events), "--rejects", str(report)], env=env_for(db_url)
    )
    assert result.exit_code == 0, result.output
    assert "duration_beyond_track" in result.output
    lines = [json.loads(x) for x in report.read_text().splitlines()]
    assert sorted(x["line"] for x in lines) == [2, 3]
    assert scalar(db_url, "SELECT count(*) FROM user_interactions") == 1


def test_load_of_a_csv_with_a_bad_header_is_one_red_line_and_records_nothing(
    db_url: URL, tmp_path: Path
) -> None:
    events = tmp_path / "events.csv"
    events.write_text("who,what\n1,2\n")
    result = runner.invoke(
        app,
        ["interactions", "load", str(events), "--rejects", str(tmp_path / "r.jsonl")],
        env=env_for(db_url),
    )
    assert result.exit_code == 1
    assert "header must name" in result.output
    assert scalar(db_url, "SELECT count(*) FROM user_interactions") == 0


def test_record_reports_an_unknown_track_clearly(db_url: URL) -> None:
    user, _ = seed(db_url)
    result = runner.invoke(
        app,
        ["interactions", "record", "--user", str(user), "--track", "424242"],
        env=env_for(db_url),
    )
    assert result.exit_code == 1
    assert "track 424242 does not exist" in result.output


def test_detach_without_yes_asks_and_a_no_detaches_nothing(db_url: URL) -> None:
    user, track = seed(db_url)
    engine = create_engine(db_url, poolclass=pool.NullPool)
    with engine.begin() as conn:
        conn.execute(text("SELECT ensure_user_interactions_partition(DATE '2016-05-01')"))
        factories.interaction(conn, user_id=user, track_id=track, created_at="2016-05-05T00:00:00Z")
    engine.dispose()
    declined = runner.invoke(
        app, ["partitions", "detach", "--before", "2017-01"], input="n\n", env=env_for(db_url)
    )
    assert declined.exit_code == 1
    assert scalar(db_url, "SELECT count(*) FROM user_interactions") == 1
    done = runner.invoke(
        app, ["partitions", "detach", "--before", "2017-01", "--yes"], env=env_for(db_url)
    )
    assert done.exit_code == 0, done.output
    assert "detached 1 partition(s), 1 rows" in done.output
    assert scalar(db_url, "SELECT count(*) FROM user_interactions") == 0


def test_partitions_ensure_then_popularity_refresh_and_compute_run(db_url: URL) -> None:
    env = env_for(db_url)
    ensure = runner.invoke(app, ["partitions", "ensure", "--months-ahead", "5"], env=env)
    assert ensure.exit_code == 0, ensure.output
    assert "created" in ensure.output or "already exists" in ensure.output
    refresh = runner.invoke(app, ["popularity", "refresh"], env=env)
    assert refresh.exit_code == 0, refresh.output
    assert "concurrently" in refresh.output
    compute = runner.invoke(app, ["popularity", "compute"], env=env)
    assert compute.exit_code == 0, compute.output
    bad = runner.invoke(app, ["partitions", "detach", "--before", "last year"], env=env)
    assert bad.exit_code == 1
    assert "YYYY-MM" in bad.output
