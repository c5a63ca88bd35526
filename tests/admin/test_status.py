"""Each status check fires on a database set up to trigger it and stays quiet on a healthy one."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Engine, create_engine, pool, text
from sqlalchemy.engine import URL
from typer.testing import CliRunner

from searxng_cool.admin import migrations, status
from searxng_cool.admin.health_checks import Check, Level
from searxng_cool.cli.main import app
from searxng_cool.config import OperationsConfig
from searxng_cool.db import maintenance
from tests import factories

runner = CliRunner()
FIRST_REVISION = "20261124_2040_initial_schema"


def run_status(
    engine: Engine, pool_size: int = 20, *, record: bool = False, **overrides: float
) -> dict[str, Check]:
    ops = OperationsConfig().replace(**overrides)
    with engine.begin() as conn:
        report = status.collect_status(conn, ops=ops, pool_size=pool_size, record_sample=record)
    return {check.name: check for check in report.checks}


def wait_until(
    engine: Engine, sql: str, ready: Callable[[object], bool], timeout: float = 10.0
) -> None:
    """Statistics reach the shared view a moment after a session ends: poll for them."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with engine.connect() as conn:
            if ready(conn.execute(text(sql)).scalar()):
                return
        time.sleep(0.1)
    pytest.fail(f"statistics never showed: {sql}")


def make_table(engine: Engine, name: str, rows: int) -> None:
    with engine.begin() as conn:
        conn.execute(
            text(
                f"CREATE TABLE {name} (id int PRIMARY KEY, v int) WITH (autovacuum_enabled = false)"
            )
        )
        conn.execute(text(f"INSERT INTO {name} SELECT g, g % 97 FROM generate_series(1, {rows}) g"))


def test_a_healthy_database_reports_no_warning(engine: Engine, seeded: dict[str, int]) -> None:
    checks = run_status(engine)
    loud = {name: c.value for name, c in checks.items() if c.level >= Level.WARNING}
    assert loud == {}
    assert {"connection", "migrations", "connections", "index usage", "slow queries", "dead tuples",
            "unused indexes", "duplicate indexes", "invalid indexes", "NOT VALID constraints",
            "long-running queries", "idle in transaction", "blocked queries",
            "sequences near overflow", "transaction-id wraparound", "cache hit ratio", "size",
            "popularity view refreshed", "server version"} == set(checks)  # fmt: skip


def test_every_check_shows_its_threshold(engine: Engine) -> None:
    checks = run_status(engine, SLOW_QUERY_MS=250)
    assert checks["slow queries"].threshold == "mean > 250 ms"
    assert all(c.threshold for name, c in checks.items() if name not in {"connection"})


def test_spec_prefix_indexes_are_reported_as_known_not_as_a_problem(engine: Engine) -> None:
    check = run_status(engine)["duplicate indexes"]
    assert check.level is Level.OK
    assert any("idx_tracks_artist_id (known" in d for d in check.details)


def test_a_table_with_30_percent_dead_tuples_is_flagged(engine: Engine) -> None:
    make_table(engine, "bloated", 2000)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM bloated WHERE id <= 600"))
    wait_until(
        engine,
        "SELECT n_dead_tup FROM pg_stat_user_tables WHERE relname = 'bloated'",
        lambda n: n == 600,
    )
    check = run_status(engine)["dead tuples"]
    assert check.level is Level.WARNING
    assert check.details == ["bloated: 30% dead (600 of 2000)"]


def test_an_unused_index_is_flagged(engine: Engine) -> None:
    make_table(engine, "wide", 5000)
    with engine.begin() as conn:
        conn.execute(text("CREATE INDEX wide_v_never_used ON wide (v)"))
    assert run_status(engine)["unused indexes"].level is Level.OK  # under the size floor
    check = run_status(engine, UNUSED_INDEX_MIN_BYTES=0, UNUSED_INDEX_MIN_DAYS=0)["unused indexes"]
    assert check.level is Level.WARNING
    assert any(d.startswith("wide_v_never_used") for d in check.details)


def test_a_query_made_slow_with_pg_sleep_is_flagged_with_calls_and_total(engine: Engine) -> None:
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_sleep(0.15)"))
    check = run_status(engine)["slow queries"]
    assert check.level is Level.WARNING
    assert any("pg_sleep" in d and "x 1 calls" in d for d in check.details)
    assert run_status(engine, SLOW_QUERY_MS=1000)["slow queries"].level is Level.OK


def test_an_idle_in_transaction_session_is_flagged(engine: Engine) -> None:
    with engine.connect() as idle:
        idle.execute(text("SELECT 1 AS left_open"))
        time.sleep(0.05)
        check = run_status(engine, IDLE_IN_TRANSACTION_SECONDS=0)["idle in transaction"]
        assert check.level is Level.WARNING
        assert any("left_open" in d for d in check.details)
        assert run_status(engine)["idle in transaction"].level is Level.OK


@contextmanager
def blocked_reader(engine: Engine) -> Iterator[None]:
    """One session holds an exclusive lock on tracks while another waits to read it."""
    with engine.connect() as holder:
        holder.execute(text("LOCK TABLE tracks IN ACCESS EXCLUSIVE MODE"))
        reader = threading.Thread(target=lambda: _read_tracks(engine))
        reader.start()
        wait_until(
            engine,
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
            lambda n: n == 1,
        )
        try:
            yield
        finally:
            holder.rollback()
            reader.join()


def _read_tracks(engine: Engine) -> None:
    with engine.connect() as conn:
        conn.execute(text("SELECT count(*) FROM tracks"))


def test_a_blocked_and_long_running_query_is_flagged(engine: Engine) -> None:
    with blocked_reader(engine):
        checks = run_status(engine, LONG_RUNNING_SECONDS=0)
    assert checks["blocked queries"].level is Level.WARNING
    assert any("SELECT count(*) FROM tracks" in d for d in checks["blocked queries"].details)
    assert any("FROM tracks" in d for d in checks["long-running queries"].details)
    assert checks["long-running queries"].level is Level.WARNING
    assert checks["size"].value.startswith("skipped: canceling statement due to lock timeout")


def test_a_sequence_near_overflow_is_critical(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("SELECT setval('artists_id_seq', 2000000000)"))
    check = run_status(engine)["sequences near overflow"]
    assert check.level is Level.CRITICAL
    assert check.details[0].startswith("artists_id_seq: 2000000000")


def test_a_not_valid_constraint_is_flagged(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            text(
                "ALTER TABLE tracks ADD CONSTRAINT ck_short CHECK (duration_ms < 1000000) NOT VALID"
            )
        )
    check = run_status(engine)["NOT VALID constraints"]
    assert check.level is Level.WARNING
    assert check.details == ["tracks.ck_short"]


def test_an_invalid_index_left_by_a_failed_concurrent_build_is_critical(engine: Engine) -> None:
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("INSERT INTO artists (name) VALUES ('Twin'), ('Twin')"))
        with pytest.raises(Exception, match="could not create unique index"):
            conn.execute(text("CREATE UNIQUE INDEX CONCURRENTLY uq_artist_name ON artists (name)"))
    check = run_status(engine)["invalid indexes"]
    assert check.level is Level.CRITICAL
    assert check.details == ["uq_artist_name"]


def test_duplicate_and_unknown_prefix_indexes_are_flagged(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("CREATE INDEX title_a ON tracks (title)"))
        conn.execute(text("CREATE INDEX title_b ON tracks (title)"))
        conn.execute(text("CREATE INDEX title_isrc ON tracks (title, isrc)"))
    check = run_status(engine)["duplicate indexes"]
    assert check.level is Level.WARNING
    assert "title_a = title_b" in check.details
    assert "title_a is a prefix of title_isrc" in check.details


def test_a_busy_table_read_without_its_index_is_flagged(engine: Engine) -> None:
    make_table(engine, "scanned", 2000)
    with engine.connect() as conn:
        for value in range(120):
            conn.execute(text("SELECT count(*) FROM scanned WHERE v = :v"), {"v": value})
    wait_until(
        engine,
        "SELECT seq_scan FROM pg_stat_user_tables WHERE relname = 'scanned'",
        lambda n: n >= 120,
    )
    check = run_status(engine)["index usage"]
    assert check.level is Level.WARNING
    assert any(d.startswith("scanned: 0% of") for d in check.details)


def test_connections_are_judged_against_the_pool_size(engine: Engine) -> None:
    with engine.connect() as one, engine.connect() as two:
        one.execute(text("SELECT 1"))
        two.execute(text("SELECT 1"))
        check = run_status(engine, pool_size=2)["connections"]
    assert check.level is Level.CRITICAL
    assert "of pool size 2" in check.details[0]
    assert run_status(engine, pool_size=20)["connections"].level is Level.OK


def test_pending_migrations_are_a_warning(empty_db_url: URL) -> None:
    engine = create_engine(empty_db_url, poolclass=pool.NullPool)
    with engine.begin() as conn:
        migrations.upgrade(conn, revision=FIRST_REVISION)
    check = run_status(engine)["migrations"]
    engine.dispose()
    assert check.level is Level.WARNING
    assert check.details == [r.revision for r in reversed(migrations.history())][1:]


def test_wraparound_and_cache_hit_fire_at_their_configured_thresholds(engine: Engine) -> None:
    checks = run_status(
        engine, WRAPAROUND_WARN_AGE=1, CACHE_HIT_MIN_RATIO=1.0, CACHE_HIT_MIN_BLOCKS=1
    )
    assert checks["transaction-id wraparound"].level is Level.WARNING
    assert checks["cache hit ratio"].level is Level.WARNING


def test_size_growth_is_shown_against_the_last_sample(engine: Engine) -> None:
    run_status(engine, record=True)
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO artists (name) SELECT 'Grower ' || g FROM generate_series(1, 3000) g")
        )
    details = run_status(engine, record=True)["size"].details
    artists = next(d for d in details if d.startswith("artists:"))
    assert "since" in artists
    assert "(+0 kB" not in artists
    assert "(+" in artists
    with engine.connect() as conn:  # the second run, within the hour, added no sample
        assert (
            conn.execute(text("SELECT count(DISTINCT sampled_at) FROM size_samples")).scalar_one()
            == 1
        )


def test_popularity_refresh_age_comes_from_recorded_refreshes(engine: Engine) -> None:
    assert run_status(engine)["popularity view refreshed"].value == "no refresh recorded yet"
    with engine.begin() as conn:
        maintenance.record_refresh(conn, view_name="mv_track_popularity")
    assert run_status(engine)["popularity view refreshed"].level is Level.OK
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE maintenance_events SET happened_at = now() - interval '48 hours'")
        )
    check = run_status(engine)["popularity view refreshed"]
    assert check.level is Level.WARNING
    assert check.value == "48.0 h ago"


def test_status_command_exit_codes_follow_the_worst_level(db_url: URL, engine: Engine) -> None:
    env = {"DATABASE_URL": db_url.render_as_string(hide_password=False)}
    healthy = runner.invoke(app, ["status", "--json"], env=env)
    assert healthy.exit_code == 0, healthy.output
    assert '"exit_code": 0' in healthy.output
    with engine.begin() as conn:
        conn.execute(
            text(
                "ALTER TABLE tracks ADD CONSTRAINT ck_short CHECK (duration_ms < 1000000) NOT VALID"
            )
        )
    assert runner.invoke(app, ["status"], env=env).exit_code == 1
    gone = {
        "DATABASE_URL": db_url.set(database="sxc_no_such_db").render_as_string(hide_password=False)
    }
    unreachable = runner.invoke(app, ["status", "--json"], env=gone)
    assert unreachable.exit_code == 2
    assert "sxc_no_such_db" in unreachable.output


PARTITION_ROWS = 2000


@pytest.fixture
def old_interactions(engine: Engine) -> str:
    """2000 interactions from January 2000, a month without its own partition: they land in
    user_interactions_default (autovacuum off there, so dead tuples stay to be seen)."""
    with engine.begin() as conn:
        user, track = factories.user(conn), factories.track(conn)
        conn.execute(text("ALTER TABLE user_interactions_default SET (autovacuum_enabled = false)"))
        conn.execute(
            text(
                "INSERT INTO user_interactions (user_id, track_id, interaction_type, created_at) "
                "SELECT :u, :t, 'play', timestamptz '2000-01-15 00:00Z' + g * interval '1 minute' "
                "FROM generate_series(1, :n) g"
            ),
            {"u": user, "t": track, "n": PARTITION_ROWS},
        )
    wait_until(
        engine,
        "SELECT n_live_tup FROM pg_stat_user_tables WHERE relname = 'user_interactions_default'",
        lambda n: n == PARTITION_ROWS,
    )
    return "user_interactions_default"


def test_a_partitioned_index_is_reported_once_by_its_own_name(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("CREATE INDEX ui_track_again ON user_interactions (track_id)"))
        conn.execute(text("CREATE INDEX ui_user_type ON user_interactions (user_id, context)"))
    checks = run_status(engine, UNUSED_INDEX_MIN_BYTES=0, UNUSED_INDEX_MIN_DAYS=0)
    duplicates = checks["duplicate indexes"]
    assert duplicates.level is Level.WARNING
    assert duplicates.details.count("idx_user_interactions_track_id = ui_track_again") == 1
    assert "idx_user_interactions_user_id (known" in " ".join(duplicates.details)
    unused = checks["unused indexes"]
    assert any(d.startswith("ui_track_again: ") for d in unused.details)
    every_name = duplicates.details + unused.details
    assert not [d for d in every_name if d.startswith("user_interactions_")]


def test_a_scanned_partitioned_index_counts_as_used(engine: Engine, old_interactions: str) -> None:
    with engine.connect() as conn:
        conn.execute(text("SET enable_seqscan = off"))
        conn.execute(text("SELECT count(*) FROM user_interactions WHERE track_id = 1"))
    wait_until(
        engine,
        "SELECT sum(idx_scan) FROM pg_stat_user_indexes WHERE indexrelname LIKE '%track_id_idx'",
        lambda n: n is not None and int(str(n)) >= 1,
    )
    details = run_status(engine, UNUSED_INDEX_MIN_BYTES=0, UNUSED_INDEX_MIN_DAYS=0)[
        "unused indexes"
    ].details
    assert not any(d.startswith("idx_user_interactions_track_id:") for d in details)
    assert any(d.startswith("idx_user_interactions_created:") for d in details)


def test_dead_tuples_are_reported_per_partition_with_the_parent_named(
    engine: Engine, old_interactions: str
) -> None:
    with engine.begin() as conn:
        conn.execute(
            text("DELETE FROM user_interactions WHERE id IN "
                 "(SELECT id FROM user_interactions_default ORDER BY id LIMIT 600)")
        )  # fmt: skip
    wait_until(
        engine,
        f"SELECT n_dead_tup FROM pg_stat_user_tables WHERE relname = '{old_interactions}'",
        lambda n: n == 600,
    )
    check = run_status(engine)["dead tuples"]
    assert check.level is Level.WARNING
    assert check.details == [
        "user_interactions_default (partition of user_interactions): 30% dead (600 of 2000)"
    ]


def test_index_usage_and_size_of_a_partitioned_table_are_summed_under_the_parent(
    engine: Engine, old_interactions: str
) -> None:
    with engine.connect() as conn:
        for value in range(120):
            conn.execute(
                text("SELECT count(*) FROM user_interactions WHERE play_duration_ms = :v"),
                {"v": value},
            )
    wait_until(
        engine,
        f"SELECT seq_scan FROM pg_stat_user_tables WHERE relname = '{old_interactions}'",
        lambda n: n is not None and int(str(n)) >= 120,
    )
    checks = run_status(engine)
    usage = checks["index usage"]
    assert usage.level is Level.WARNING
    about_interactions = [d for d in usage.details if d.startswith("user_interactions")]
    assert len(about_interactions) == 1
    assert about_interactions[0].startswith("user_interactions: 0% of")
    sizes = checks["size"].details
    assert any(d.startswith("user_interactions: ") for d in sizes)
    assert not any(d.startswith("user_interactions_") for d in sizes)
