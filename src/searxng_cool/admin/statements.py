"""pg_stat_statements for the dashboard: the statements of this database by total or mean
time, calls or rows; resetting the statistics; EXPLAIN (ANALYZE only on request).

EXPLAIN runs inside a savepoint that is always rolled back, under a statement timeout, so
even EXPLAIN ANALYZE of a statement that writes leaves no change behind.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from searxng_cool.errors import Forbidden, InvalidInput, NotFound

ORDERS = {
    "total": "total_exec_time",
    "mean": "mean_exec_time",
    "calls": "calls",
    "rows": "rows",
}
MAX_STATEMENTS = 100
MAX_EXPLAIN_CHARS = 20_000
EXPLAIN_TIMEOUT_MS = 10_000
_PARAMETER = re.compile(r"\$\d+")


@dataclass(frozen=True)
class Statement:
    query_id: int
    query: str
    calls: int
    total_ms: float
    mean_ms: float
    rows: int
    share: float


def installed(connection: Connection) -> bool:
    return (
        connection.execute(
            text("SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements'")
        ).first()
        is not None
    )


def top_statements(
    connection: Connection, *, order: str = "total", limit: int = 50
) -> list[Statement]:
    """This database's statements, most first by `order` (total, mean, calls, rows);
    `share` is the statement's part of all their total time. NotFound when the extension
    is not installed. A role without pg_read_all_stats sees only its own statements
    (PostgreSQL hides the others' text and id)."""
    if order not in ORDERS:
        raise InvalidInput(f"order {order!r} is not one of {', '.join(ORDERS)}")
    if not 1 <= limit <= MAX_STATEMENTS:
        raise InvalidInput(f"limit {limit} is out of range 1..{MAX_STATEMENTS}")
    if not installed(connection):
        raise NotFound("pg_stat_statements is not installed in this database; `init` adds it")
    found = connection.execute(
        text(
            "SELECT s.queryid, s.query, s.calls, s.total_exec_time, s.mean_exec_time, s.rows,"
            "       s.total_exec_time / nullif(sum(s.total_exec_time) OVER (), 0) AS share"
            "  FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid"
            " WHERE d.datname = current_database() AND s.queryid IS NOT NULL"
            f" ORDER BY {ORDERS[order]} DESC, s.queryid LIMIT :limit"
        ),
        {"limit": limit},
    )
    return [
        Statement(
            query_id=int(row.queryid),
            query=str(row.query),
            calls=int(row.calls),
            total_ms=float(row.total_exec_time),
            mean_ms=float(row.mean_exec_time),
            rows=int(row.rows),
            share=float(row.share or 0.0),
        )
        for row in found
    ]


def statement_text(connection: Connection, *, query_id: int) -> str:
    for found in top_statements(connection, order="total", limit=MAX_STATEMENTS):
        if found.query_id == query_id:
            return found.query
    raise NotFound(f"no statement with query id {query_id} in this database's statistics")


def reset_statistics(connection: Connection) -> None:
    """Forget every collected statement (all databases: pg_stat_statements keeps one set)."""
    if not installed(connection):
        raise NotFound("pg_stat_statements is not installed in this database")
    try:
        with connection.begin_nested():
            connection.execute(text("SELECT pg_stat_statements_reset()"))
    except DBAPIError as error:
        raise Forbidden(
            "this role may not reset pg_stat_statements; run it as the owner or a superuser"
        ) from error


def explain(connection: Connection, *, sql: str, analyze: bool = False) -> str:
    """The plan of one statement as text; with `analyze` it is run (then rolled back)."""
    statement = sql.strip().rstrip(";").strip() if isinstance(sql, str) else ""
    if not statement or len(statement) > MAX_EXPLAIN_CHARS or "\x00" in statement:
        raise InvalidInput(f"the statement must be 1..{MAX_EXPLAIN_CHARS} characters of SQL")
    if ";" in statement:
        raise InvalidInput("give one statement only (no ';' inside)")
    if _PARAMETER.search(statement):
        raise InvalidInput(
            "the statement has parameters ($1, $2, ...); replace them with values to explain it"
        )
    options = "ANALYZE, BUFFERS, " if analyze else ""
    try:
        savepoint = connection.begin_nested()
        try:
            connection.execute(text(f"SET LOCAL statement_timeout = {EXPLAIN_TIMEOUT_MS}"))
            lines = connection.exec_driver_sql(
                f"EXPLAIN ({options}VERBOSE, COSTS) {statement}"
            ).scalars()
            return "\n".join(str(line) for line in lines)
        finally:
            savepoint.rollback()
    except DBAPIError as error:
        diag = getattr(error.orig, "diag", None)
        first = getattr(diag, "message_primary", None) or "the statement is not valid"
        raise InvalidInput(f"EXPLAIN failed: {first}") from None
