"""`optimize`: maintenance only where the statistics say it is needed.

VACUUM ANALYZE for tables over the dead-tuple threshold or with stale statistics,
REINDEX CONCURRENTLY for invalid indexes, REFRESH MATERIALIZED VIEW CONCURRENTLY for a
stale popularity view. VACUUM and the CONCURRENTLY forms cannot run inside a transaction,
so the caller passes an AUTOCOMMIT connection; every statement runs under the configured
lock_timeout and statement_timeout, so optimize never queues behind (or in front of)
application traffic for long.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from psycopg import sql as pgsql
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from searxng_cool.config import OperationsConfig
from searxng_cool.db import maintenance
from searxng_cool.listening import popularity
from searxng_cool.listening.popularity import POPULARITY_VIEW


@dataclass(frozen=True)
class Action:
    kind: str
    target: str
    reason: str
    statement: str
    before: str
    after: str = ""
    error: str = ""


def _table_figures(connection: Connection, table: str) -> str:
    connection.execute(text("SELECT pg_stat_clear_snapshot()"))
    live, dead, modified = connection.execute(
        text(
            "SELECT n_live_tup, n_dead_tup, n_mod_since_analyze FROM pg_stat_user_tables "
            "WHERE relid = CAST(:t AS regclass)"
        ),
        {"t": table},
    ).one()
    ratio = dead / (live + dead) if live + dead else 0.0
    return f"{dead} dead ({ratio:.0%}), {modified} changed since analyze"


def _tables(connection: Connection, ops: OperationsConfig) -> list[Action]:
    found = connection.execute(
        text(
            "SELECT relid::regclass::text, n_live_tup, n_dead_tup, n_mod_since_analyze "
            "FROM pg_stat_user_tables WHERE n_live_tup + n_dead_tup >= :min_rows AND ("
            "n_dead_tup::float / (n_live_tup + n_dead_tup) > :dead OR "
            "n_mod_since_analyze > :stale * greatest(n_live_tup, 1)) ORDER BY 1"
        ),
        {
            "min_rows": ops["DEAD_TUPLE_MIN_ROWS"],
            "dead": ops["DEAD_TUPLE_MAX_RATIO"],
            "stale": ops["STALE_STATS_RATIO"],
        },
    ).all()
    actions = []
    for table, live, dead, modified in found:
        ratio = dead / (live + dead)
        reason = (
            f"{ratio:.0%} dead > {ops['DEAD_TUPLE_MAX_RATIO']:.0%}"
            if ratio > ops["DEAD_TUPLE_MAX_RATIO"]
            else f"{modified} rows changed since the last ANALYZE"
        )
        statement = pgsql.SQL("VACUUM (ANALYZE) {}").format(pgsql.SQL(table)).as_string()
        actions.append(
            Action("vacuum analyze", table, reason, statement, _table_figures(connection, table))
        )
    return actions


def _invalid_indexes(connection: Connection) -> list[Action]:
    found = connection.execute(
        text("SELECT indexrelid::regclass::text FROM pg_index WHERE NOT indisvalid ORDER BY 1")
    ).scalars()
    return [
        Action(
            "reindex",
            name,
            "invalid (a failed concurrent build)",
            pgsql.SQL("REINDEX INDEX CONCURRENTLY {}").format(pgsql.SQL(name)).as_string(),
            "invalid",
        )
        for name in found
    ]


def _popularity_view(connection: Connection, ops: OperationsConfig) -> list[Action]:
    populated = popularity.view_populated(connection)
    if populated is None or not maintenance.has_operations_tables(connection):
        return []
    last = maintenance.last_refresh(connection, view_name=POPULARITY_VIEW)
    age_hours = (datetime.now(UTC) - last).total_seconds() / 3600 if last else None
    if age_hours is not None and age_hours <= ops["POPULARITY_STALE_HOURS"] and populated:
        return []
    before = "never refreshed by optimize" if last is None else f"refreshed {age_hours:.1f} h ago"
    concurrently = "CONCURRENTLY " if populated else ""
    return [
        Action(
            "refresh",
            POPULARITY_VIEW,
            f"older than {ops['POPULARITY_STALE_HOURS']:.0f} h" if last else "no refresh recorded",
            f"REFRESH MATERIALIZED VIEW {concurrently}{POPULARITY_VIEW}",
            before,
        )
    ]


def plan_optimize(connection: Connection, *, ops: OperationsConfig) -> list[Action]:
    """What optimize would do, and why; nothing is changed."""
    return [
        *_tables(connection, ops),
        *_invalid_indexes(connection),
        *_popularity_view(connection, ops),
    ]


def run_optimize(
    connection: Connection,
    *,
    ops: OperationsConfig,
    actions: list[Action],
    on_done: Callable[[Action], None] | None = None,
) -> list[Action]:
    """Carry out planned actions on an AUTOCOMMIT connection; report before/after figures.

    One failing action (a lock not granted in time) is reported and the rest still run.
    """
    connection.exec_driver_sql(f"SET lock_timeout = {int(ops['LOCK_TIMEOUT_MS'])}")
    connection.exec_driver_sql(f"SET statement_timeout = {int(ops['STATEMENT_TIMEOUT_MS'])}")
    done = []
    for action in actions:
        try:
            _carry_out(connection, action)
        except DBAPIError as exc:
            finished = replace(action, error=str(exc.orig).strip().splitlines()[0])
        else:
            finished = replace(action, after=_after(connection, action))
        done.append(finished)
        if on_done is not None:
            on_done(finished)
    return done


def _carry_out(connection: Connection, action: Action) -> None:
    if action.kind == "refresh":
        # The listening service refreshes the view and records it (one refresh path).
        popularity.refresh_view(connection)
    else:
        connection.exec_driver_sql(action.statement)


def _after(connection: Connection, action: Action) -> str:
    if not maintenance.has_operations_tables(connection):
        return "done (not recorded: run upgrade for the maintenance_events table)"
    if action.kind == "vacuum analyze":
        maintenance.record_event(connection, action="vacuum", subject=action.target)
        return _table_figures(connection, action.target)
    if action.kind == "reindex":
        maintenance.record_event(connection, action="reindex", subject=action.target)
        valid = connection.execute(
            text("SELECT indisvalid FROM pg_index WHERE indexrelid = CAST(:i AS regclass)"),
            {"i": action.target},
        ).scalar_one()
        return "valid" if valid else "still invalid"
    return "refreshed just now"
