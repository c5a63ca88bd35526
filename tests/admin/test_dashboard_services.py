"""The dashboard's services: live queries with cancel/terminate, pg_stat_statements listing,
EXPLAIN that leaves nothing behind, and space with growth from size samples."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError

from searxng_cool.admin import activity, health_checks, space, statements, status
from searxng_cool.admin.health_checks import Level
from searxng_cool.config import APP_ROLE, OperationsConfig
from searxng_cool.errors import InvalidInput, NotFound
from tests import factories
from tests.conftest import as_role


def _sleeper(engine: Engine, outcome: list[str]) -> threading.Thread:
    other = create_engine(engine.url)

    def run() -> None:
        try:
            with other.connect() as connection:
                connection.execute(text("SELECT pg_sleep(30) AS dashboard_sleeper"))
            outcome.append("finished")
        except DBAPIError as error:
            outcome.append(type(error.orig).__name__)
        finally:
            other.dispose()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def _wait_for_sleeper(engine: Engine) -> activity.LiveQuery:
    for _ in range(100):
        with engine.connect() as connection:
            for query in activity.live_queries(connection):
                if "dashboard_sleeper" in query.query:
                    return query
        time.sleep(0.05)
    raise AssertionError("the sleeping query never showed up")


def test_cancelling_a_live_query_stops_it_and_it_leaves_the_list(engine: Engine) -> None:
    outcome: list[str] = []
    thread = _sleeper(engine, outcome)
    found = _wait_for_sleeper(engine)
    with engine.begin() as connection:
        activity.stop_query(connection, pid=found.pid)
    thread.join(timeout=10)
    assert outcome == ["QueryCanceled"]


def test_terminating_a_live_query_ends_its_connection(engine: Engine) -> None:
    outcome: list[str] = []
    thread = _sleeper(engine, outcome)
    found = _wait_for_sleeper(engine)
    with engine.begin() as connection:
        activity.stop_query(connection, pid=found.pid, terminate=True)
    thread.join(timeout=10)
    assert outcome
    assert outcome[0] in ("AdminShutdown", "OperationalError")


def test_stopping_a_pid_that_is_not_a_live_query_here_is_not_found(
    connection: Connection,
) -> None:
    own = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
    with pytest.raises(NotFound, match=f"pid {own}"):
        activity.stop_query(connection, pid=own)


def test_statements_are_listed_by_the_order_asked(connection: Connection) -> None:
    # The embedded cluster preloads pg_stat_statements and the migrations install it.
    assert statements.installed(connection)
    for _ in range(3):
        connection.execute(text("SELECT count(*) FROM tracks WHERE id > 0"))
    by_calls = statements.top_statements(connection, order="calls", limit=100)
    calls = [s.calls for s in by_calls]
    assert calls == sorted(calls, reverse=True)


def test_an_unknown_order_is_refused_with_the_choices(connection: Connection) -> None:
    with pytest.raises(InvalidInput, match="total, mean, calls, rows"):
        statements.top_statements(connection, order="slowest")


def test_explain_analyze_of_a_write_leaves_no_change(connection: Connection) -> None:
    factories.artist(connection, name="Keep me")
    plan = statements.explain(
        connection, sql="DELETE FROM artists WHERE name = 'Keep me'", analyze=True
    )
    assert "actual time" in plan
    left = connection.execute(text("SELECT count(*) FROM artists WHERE name = 'Keep me'"))
    assert left.scalar_one() == 1


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("SELECT 1; DROP TABLE tracks", "one statement"),
        ("SELECT * FROM tracks WHERE id = $1", "replace them with values"),
        ("SELEC nothing", "EXPLAIN failed"),
    ],
)
def test_explain_refuses_what_it_cannot_explain_safely(
    connection: Connection, sql: str, message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        statements.explain(connection, sql=sql)


def test_space_reports_growth_against_samples_old_enough(connection: Connection) -> None:
    connection.execute(
        text(
            "INSERT INTO size_samples (relation, total_bytes, sampled_at) VALUES"
            " ('tracks', 1000, now() - interval '8 days'),"
            " ('tracks', 500, now() - interval '31 days')"
        )
    )
    sizes = {r.name: r for r in space.relation_sizes(connection, limit=200)}
    tracks = sizes["tracks"]
    assert (tracks.growth_7d, tracks.growth_30d) == (
        tracks.total_bytes - 1000,
        tracks.total_bytes - 500,
    )
    assert sizes["artists"].growth_7d is None


def test_an_integer_column_near_its_limit_is_critical_in_status(connection: Connection) -> None:
    for duration in (1000, 5000, 2_000_000_000):
        factories.track(connection, duration_ms=duration)
    connection.execute(text("ANALYZE tracks"))
    found = health_checks.integer_columns(connection, ops=OperationsConfig())
    assert found.level is Level.CRITICAL
    assert "tracks.duration_ms: 2,000,000,000 (93.1%)" in found.details


def test_status_includes_the_integer_and_replication_checks(connection: Connection) -> None:
    names = [
        check.name
        for check in status.collect_status(
            connection, ops=OperationsConfig(), pool_size=20, record_sample=False
        ).checks
    ]
    assert {"integer columns near overflow", "replication lag"} <= set(names)


def test_table_maintenance_shows_dead_rows_and_the_last_analyze(connection: Connection) -> None:
    factories.artist(connection, name="Analyze me")
    connection.execute(text("ANALYZE artists"))
    connection.execute(text("SELECT pg_stat_clear_snapshot()"))
    found = {t.table: t for t in space.table_maintenance(connection)}
    assert found["artists"].last_analyze is not None


def test_the_app_role_lists_its_own_statements_without_the_hidden_ones(
    engine: Engine, db_url: URL
) -> None:
    with engine.begin() as connection:
        connection.execute(text("SELECT count(*) FROM artists WHERE id > 0"))  # a superuser's
    app = create_engine(as_role(db_url, APP_ROLE))
    try:
        with app.begin() as connection:
            assert statements.installed(connection)
            connection.execute(text("SELECT count(*) FROM tracks WHERE id > 0"))
            listed = statements.top_statements(connection, order="calls", limit=100)
    finally:
        app.dispose()
    assert all(isinstance(s.query_id, int) for s in listed)
    assert not any("<insufficient privilege>" in s.query for s in listed)
