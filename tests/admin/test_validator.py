"""The validator's six groups pass on a healthy database and fail on each planted fault."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from sqlalchemy import Engine, create_engine, pool, text
from sqlalchemy.engine import URL

from searxng_cool.admin import migrations, validator
from searxng_cool.admin.outcomes import Outcome, Result
from tests import factories
from tests.conftest import REPO_ROOT

SCRIPT = REPO_ROOT / "scripts" / "utilities" / "database" / "db_validator.py"


def results(engine: Engine, *groups: str) -> dict[str, Result]:
    with engine.begin() as conn:
        found = validator.validate(conn, groups=groups or None)
    return {r.name: r for r in found}


def failures(engine: Engine) -> dict[str, str]:
    return {name: r.reason for name, r in results(engine).items() if r.outcome is Outcome.FAIL}


def test_a_healthy_database_passes_all_six_groups(engine: Engine, seeded: dict[str, int]) -> None:
    with engine.begin() as conn:
        found = validator.validate(conn)
    assert {r.group for r in found} == {
        "schema integrity", "relationship consistency", "index effectiveness",
        "performance benchmarks", "data consistency", "migration history",
    }  # fmt: skip
    assert [r for r in found if r.outcome is not Outcome.PASS] == []
    assert validator.exit_code(found) == 0


def test_an_orphan_row_fails_relationship_consistency(
    engine: Engine, seeded: dict[str, int]
) -> None:
    with engine.begin() as conn:
        conn.execute(text("SET session_replication_role = replica"))  # skips FK triggers
        conn.execute(text("INSERT INTO tracks (title, artist_id) VALUES ('Orphan', 999999)"))
    found = failures(engine)
    assert found == {
        "no orphans: tracks.artist_id -> artists": "1 tracks rows point at a missing artists"
    }


def test_a_gap_in_playlist_positions_fails(engine: Engine, seeded: dict[str, int]) -> None:
    with engine.begin() as conn:
        conn.execute(text("UPDATE playlist_tracks SET position = 7 WHERE position = 2"))
    assert failures(engine) == {
        "playlist positions contiguous": f"playlists with gaps: {seeded['playlist']}"
    }


def test_a_wrong_playlist_total_duration_fails(engine: Engine, seeded: dict[str, int]) -> None:
    with engine.begin() as conn:
        conn.execute(text("UPDATE playlists SET total_duration_ms = 1"))
    assert set(failures(engine)) == {"playlist total_duration_ms"}


def test_a_dropped_spec_index_fails_schema_integrity_and_its_benchmark(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("DROP INDEX idx_tracks_search"))
    found = failures(engine)
    assert found["spec indexes"] == "missing: idx_tracks_search"
    assert found["model indexes"] == "missing: idx_tracks_search"
    assert found["full-text track search"].startswith("expected idx_tracks_search")
    assert "no drift" in found


def test_a_database_behind_head_fails_migration_history(empty_db_url: URL) -> None:
    engine = create_engine(empty_db_url, poolclass=pool.NullPool)
    with engine.begin() as conn:
        migrations.upgrade(conn, revision=migrations.history()[-1].revision)
    found = results(engine, "migrations")
    engine.dispose()
    assert found["database at head"].outcome is Outcome.FAIL
    assert found["single head"].outcome is Outcome.PASS


def test_benchmarks_use_the_planner_choice_on_a_table_big_enough_for_indexes(
    engine: Engine,
) -> None:
    with engine.begin() as conn:
        artist = factories.artist(conn)
        conn.execute(
            text(
                "INSERT INTO tracks (title, artist_id) SELECT 'T' || g, :a FROM generate_series(1, 20000) g"
            ),
            {"a": artist},
        )
        conn.execute(text("ANALYZE tracks"))
    found = results(engine, "performance")
    assert found["tracks of an album"].outcome is Outcome.PASS
    assert "seq scan disabled" not in found["tracks of an album"].reason


def test_not_valid_constraints_are_a_warning_not_a_failure(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            text("ALTER TABLE tracks ADD CONSTRAINT ck_short CHECK (duration_ms < 10) NOT VALID")
        )
    found = results(engine, "data")
    assert found["constraints validated"].outcome is Outcome.WARN


def run_script(url: URL, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DATABASE_URL": url.render_as_string(hide_password=False),
        "COLUMNS": "200",
    }
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], env=env, capture_output=True, text=True, check=False
    )


def test_the_validator_script_prints_json_and_exits_by_outcome(db_url: URL, engine: Engine) -> None:
    passing = run_script(db_url, "--json")
    assert passing.returncode == 0, passing.stderr
    assert {r["outcome"] for r in json.loads(passing.stdout)} == {"pass"}
    with engine.begin() as conn:
        conn.execute(text("DROP INDEX idx_artists_genres"))
    failing = run_script(db_url, "--group", "schema")
    assert failing.returncode == 2
    assert "idx_artists_genres" in failing.stdout


def test_a_track_without_a_duration_counts_as_zero_in_the_playlist_total(
    engine: Engine, seeded: dict[str, int]
) -> None:
    with engine.begin() as conn:
        unknown = factories.track(conn, duration_ms=None)
        conn.execute(
            text(
                "INSERT INTO playlist_tracks (playlist_id, track_id, position) VALUES (:p, :t, 3)"
            ),
            {"p": seeded["playlist"], "t": unknown},
        )
        total = conn.execute(
            text("SELECT total_duration_ms FROM playlists WHERE id = :p"), {"p": seeded["playlist"]}
        ).scalar_one()
    assert total == 600_000
    assert results(engine, "relationships")["playlist total_duration_ms"].outcome is Outcome.PASS


def test_orphans_in_a_partitioned_table_are_checked_once_through_the_parent(
    engine: Engine, seeded: dict[str, int]
) -> None:
    checked = [name for name in results(engine, "relationships") if "user_interactions" in name]
    assert sorted(checked) == [
        "no orphans: user_interactions.track_id -> tracks",
        "no orphans: user_interactions.user_id -> users",
    ]
