"""optimize acts only where needed, reports before/after, and changes nothing on --dry-run."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import URL
from typer.testing import CliRunner

from searxng_cool.admin import optimize
from searxng_cool.cli.main import app
from searxng_cool.config import OperationsConfig
from searxng_cool.db import maintenance

runner = CliRunner()


def dead_tuples(engine: Engine, table: str) -> int:
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_stat_clear_snapshot()"))
        found = conn.execute(
            text("SELECT n_dead_tup FROM pg_stat_user_tables WHERE relname = :t"), {"t": table}
        )
        return int(found.scalar_one())


def bloat(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            text("CREATE TABLE churn (id int PRIMARY KEY) WITH (autovacuum_enabled = false)")
        )
        conn.execute(text("INSERT INTO churn SELECT generate_series(1, 2000)"))
        conn.execute(text("ANALYZE churn"))
        conn.execute(text("DELETE FROM churn WHERE id <= 600"))
    deadline = time.monotonic() + 10
    while dead_tuples(engine, "churn") < 600 and time.monotonic() < deadline:
        time.sleep(0.1)


def plan(engine: Engine) -> list[optimize.Action]:
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        return optimize.plan_optimize(conn, ops=OperationsConfig())


def test_a_healthy_database_needs_only_the_first_view_refresh(engine: Engine) -> None:
    assert [(a.kind, a.target) for a in plan(engine)] == [("refresh", "mv_track_popularity")]
    with engine.begin() as conn:
        maintenance.record_refresh(conn, view_name="mv_track_popularity")
    assert plan(engine) == []


def test_vacuum_is_planned_for_a_bloated_table_and_the_dry_run_changes_nothing(
    db_url: URL, engine: Engine
) -> None:
    bloat(engine)
    planned = {a.target: a for a in plan(engine)}
    assert planned["churn"].kind == "vacuum analyze"
    assert planned["churn"].reason == "30% dead > 20%"
    env = {"DATABASE_URL": db_url.render_as_string(hide_password=False)}
    result = runner.invoke(app, ["optimize", "--dry-run"], env=env)
    assert result.exit_code == 0, result.output
    assert "would vacuum analyze churn: 30% dead > 20%" in result.output
    assert dead_tuples(engine, "churn") == 600


def test_optimize_vacuums_reindexes_and_refreshes_with_before_and_after(engine: Engine) -> None:
    bloat(engine)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("INSERT INTO artists (name) VALUES ('Twin'), ('Twin')"))
        with pytest.raises(Exception, match="could not create unique index"):
            conn.execute(text("CREATE UNIQUE INDEX CONCURRENTLY name_once ON artists (name)"))
        conn.execute(text("DELETE FROM artists WHERE name = 'Twin'"))  # now it can be rebuilt
        actions = optimize.plan_optimize(conn, ops=OperationsConfig())
        done = {
            a.target: a
            for a in optimize.run_optimize(conn, ops=OperationsConfig(), actions=actions)
        }
    assert done["churn"].before.startswith("600 dead (30%)")
    assert done["churn"].after.startswith("0 dead (0%)")
    assert (done["name_once"].before, done["name_once"].after) == ("invalid", "valid")
    assert done["mv_track_popularity"].after == "refreshed just now"
    with engine.connect() as conn:
        assert maintenance.last_refresh(conn, view_name="mv_track_popularity") is not None
        assert maintenance.last_event(conn, action="vacuum", subject="churn") is not None


def test_an_action_that_cannot_get_its_lock_fails_alone(engine: Engine) -> None:
    bloat(engine)
    ops = OperationsConfig().replace(LOCK_TIMEOUT_MS=100)
    with engine.connect() as holder:
        holder.execute(text("LOCK TABLE churn IN SHARE UPDATE EXCLUSIVE MODE"))
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            actions = optimize.plan_optimize(conn, ops=ops)
            done = {a.target: a for a in optimize.run_optimize(conn, ops=ops, actions=actions)}
        holder.rollback()
    assert "lock timeout" in done["churn"].error
    assert done["mv_track_popularity"].error == ""
