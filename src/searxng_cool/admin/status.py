"""`status`: the database's health in one screen, and an exit code for monitoring.

0 = everything ok (info lines are context, not problems), 1 = at least one warning,
2 = at least one critical finding (including: cannot connect).
Running status records a size sample (at most one an hour), so later runs show growth.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from searxng_cool.admin import health_checks, migrations, replication
from searxng_cool.admin.health_checks import Check, Level, rows
from searxng_cool.admin.relations import root_of
from searxng_cool.config import OperationsConfig
from searxng_cool.db import maintenance
from searxng_cool.listening.popularity import POPULARITY_VIEW

_LARGEST_TABLES = 5
# Sizes and index sizes need a relation lock; behind a migration's exclusive lock status
# would hang, so each check waits at most this long and is reported as skipped instead.
STATUS_LOCK_TIMEOUT_MS = 1000
# Monitoring may run status every minute; one sample an hour is enough for growth trends.
SAMPLE_EVERY = timedelta(hours=1)


@dataclass(frozen=True)
class StatusReport:
    checks: list[Check]

    @property
    def level(self) -> Level:
        return max((check.level for check in self.checks), default=Level.OK)

    @property
    def exit_code(self) -> int:
        return {Level.WARNING: 1, Level.CRITICAL: 2}.get(self.level, 0)

    def as_json(self) -> dict[str, object]:
        return {
            "level": self.level.label,
            "exit_code": self.exit_code,
            "checks": [check.as_json() for check in self.checks],
        }


def unreachable(reason: str) -> StatusReport:
    return StatusReport([Check("connection", Level.CRITICAL, reason.splitlines()[0])])


def _server(connection: Connection) -> list[Check]:
    version, number = rows(
        connection, sql="SELECT version(), current_setting('server_version_num')::int"
    )[0]
    database = connection.execute(text("SELECT current_database()")).scalar_one()
    return [
        Check("connection", Level.OK, f"connected to {database}"),
        Check(
            "server version",
            Level.WARNING if number < 140000 else Level.OK,
            version.split(",")[0],
            "PostgreSQL 14+",
        ),
    ]


def _revision(connection: Connection) -> Check:
    at = migrations.current(connection)
    head = migrations.heads()
    known = {rev.revision for rev in migrations.history()}
    waiting = migrations.pending(connection) if set(at) <= known else []
    value = f"current {', '.join(at) or 'none'}; head {', '.join(head)}; {len(waiting)} pending"
    if not set(at) <= known:
        return Check(
            "migrations",
            Level.CRITICAL,
            value,
            "database at a revision this code knows",
            ["unknown revision"],
        )
    level = Level.WARNING if waiting else Level.OK
    return Check("migrations", level, value, "current = head", waiting, {"pending": len(waiting)})


def _sizes(connection: Connection, *, record: bool) -> Check:
    # A partitioned table's size is the sum of its partitions' (the parent stores nothing).
    found = rows(
        connection,
        sql="SELECT 'database', pg_database_size(current_database()) UNION ALL "
        f"(SELECT {root_of('c.oid')}::regclass::text, sum(pg_total_relation_size(c.oid))::bigint "
        "FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'm') "
        "GROUP BY 1 ORDER BY 2 DESC LIMIT :n)",
        n=_LARGEST_TABLES,
    )
    sizes = {name: int(size) for name, size in found}
    if not maintenance.has_operations_tables(connection):
        return Check(
            "size",
            Level.INFO,
            f"database {sizes['database'] / 1048576:.1f} MB; no samples table (run upgrade)",
        )
    before = maintenance.previous_sizes(connection)
    details = []
    for name, size in sizes.items():
        line = f"{name}: {size / 1024:,.0f} kB"
        if name in before:
            old, at = before[name]
            line += f" ({(size - old) / 1024:+,.0f} kB since {at:%Y-%m-%d %H:%M} UTC)"
        details.append(line)
    last = before.get("database")
    if record and (last is None or datetime.now(UTC) - last[1] >= SAMPLE_EVERY):
        maintenance.record_size_samples(connection, sizes=sizes)
    return Check(
        "size",
        Level.OK,
        f"database {sizes['database'] / 1048576:.1f} MB",
        "growth since the last sample",
        details,
        numbers={f"{name}_bytes": size for name, size in sizes.items()},
    )


def _popularity_refresh(connection: Connection, ops: OperationsConfig) -> Check:
    threshold = f"refreshed within {ops['POPULARITY_STALE_HOURS']:.0f} h"
    if not maintenance.has_operations_tables(connection):
        return Check("popularity view refreshed", Level.INFO, "unknown (run upgrade)", threshold)
    last = maintenance.last_refresh(connection, view_name=POPULARITY_VIEW)
    if last is None:
        return Check("popularity view refreshed", Level.INFO, "no refresh recorded yet", threshold)
    hours = (datetime.now(UTC) - last).total_seconds() / 3600
    level = Level.WARNING if hours > ops["POPULARITY_STALE_HOURS"] else Level.OK
    return Check(
        "popularity view refreshed",
        level,
        f"{hours:.1f} h ago",
        threshold,
        numbers={"hours": hours},
    )


def _guarded(
    connection: Connection, name: str, check: Callable[[], Check | list[Check]]
) -> list[Check]:
    """Run one check in a savepoint; a lock it cannot get within 1 s skips it, never hangs status."""
    savepoint = connection.begin_nested()
    try:
        found = check()
    except DBAPIError as exc:
        savepoint.rollback()
        reason = str(exc.orig).strip().splitlines()[0]
        return [
            Check(
                name,
                Level.WARNING,
                f"skipped: {reason}",
                f"lock wait <= {STATUS_LOCK_TIMEOUT_MS} ms",
            )
        ]
    savepoint.commit()
    return found if isinstance(found, list) else [found]


def collect_status(
    connection: Connection, *, ops: OperationsConfig, pool_size: int, record_sample: bool = True
) -> StatusReport:
    """Run every check against the connection's database."""
    connection.exec_driver_sql(f"SET LOCAL lock_timeout = {STATUS_LOCK_TIMEOUT_MS}")
    steps: list[tuple[str, Callable[[], Check | list[Check]]]] = [
        ("server", lambda: _server(connection)),
        ("migrations", lambda: _revision(connection)),
        (
            "connections",
            lambda: health_checks.connections(connection, ops=ops, pool_size=pool_size),
        ),
        ("index usage", lambda: health_checks.index_usage(connection, ops=ops)),
        ("slow queries", lambda: health_checks.slow_queries(connection, ops=ops)),
        ("dead tuples", lambda: health_checks.dead_tuples(connection, ops=ops)),
        ("unused indexes", lambda: health_checks.unused_indexes(connection, ops=ops)),
        ("duplicate indexes", lambda: health_checks.duplicate_indexes(connection, ops=ops)),
        ("invalid indexes", lambda: health_checks.invalid_indexes(connection, ops=ops)),
        ("NOT VALID constraints", lambda: health_checks.not_valid_constraints(connection, ops=ops)),
        ("sessions", lambda: health_checks.sessions(connection, ops=ops)),
        ("sequences near overflow", lambda: health_checks.sequences(connection, ops=ops)),
        (
            "integer columns near overflow",
            lambda: health_checks.integer_columns(connection, ops=ops),
        ),
        ("transaction-id wraparound", lambda: health_checks.wraparound(connection, ops=ops)),
        ("cache hit ratio", lambda: health_checks.cache_hit(connection, ops=ops)),
        ("size", lambda: _sizes(connection, record=record_sample)),
        ("popularity view refreshed", lambda: _popularity_refresh(connection, ops)),
        ("replication lag", lambda: replication.lag_check(connection, ops=ops)),
        ("replication slots", lambda: replication.slots_check(connection, ops=ops)),
    ]
    checks: list[Check] = []
    for name, check in steps:
        checks += _guarded(connection, name, check)
    return StatusReport(checks)


def rows_inserted(connection: Connection) -> tuple[int, int]:
    """Rows inserted since the statistics were reset: into listens (`user_interactions`
    and its partitions) and into the catalog (tracks and their source mappings)."""
    listens, catalog = connection.execute(
        text(
            "SELECT coalesce(sum(n_tup_ins) FILTER (WHERE relname LIKE 'user_interactions%'), 0),"
            " coalesce(sum(n_tup_ins) FILTER (WHERE relname IN ('tracks', 'track_sources')), 0)"
            " FROM pg_stat_user_tables"
        )
    ).one()
    return int(listens), int(catalog)
