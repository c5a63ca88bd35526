"""Live queries of this database, and cancelling or terminating one (the dashboard's buttons).

Only client backends connected to the current database are listed or touched, never the
caller's own backend.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from searxng_cool.errors import Forbidden, InvalidInput, NotFound

_LIVE = """
SELECT pid, usename, application_name, state, wait_event_type, backend_start, query_start,
       extract(epoch FROM now() - query_start) AS seconds, query
  FROM pg_stat_activity
 WHERE datname = current_database() AND backend_type = 'client backend'
   AND pid <> pg_backend_pid() AND state IS DISTINCT FROM 'idle'
 ORDER BY query_start NULLS LAST, pid
"""


@dataclass(frozen=True)
class LiveQuery:
    pid: int
    user: str | None
    application: str | None
    state: str | None
    waiting_on: str | None
    started_at: datetime | None
    seconds: float
    query: str


def live_queries(connection: Connection) -> list[LiveQuery]:
    """Statements running (or idle in a transaction) in this database, oldest first."""
    return [
        LiveQuery(
            pid=int(row.pid),
            user=row.usename,
            application=row.application_name or None,
            state=row.state,
            waiting_on=row.wait_event_type,
            started_at=row.query_start,
            seconds=float(row.seconds or 0.0),
            query=str(row.query or ""),
        )
        for row in connection.execute(text(_LIVE))
    ]


def stop_query(connection: Connection, *, pid: int, terminate: bool = False) -> None:
    """Cancel the statement of backend `pid` (or terminate its connection); NotFound when
    it is not a live query of this database."""
    if not isinstance(pid, int) or isinstance(pid, bool) or pid <= 0:
        raise InvalidInput(f"pid {pid!r} must be a positive integer")
    if pid not in {query.pid for query in live_queries(connection)}:
        raise NotFound(f"no live query with pid {pid} in this database; reload the list")
    function = "pg_terminate_backend" if terminate else "pg_cancel_backend"
    try:
        with connection.begin_nested():
            done = connection.execute(text(f"SELECT {function}(:pid)"), {"pid": pid}).scalar_one()
    except DBAPIError:
        raise Forbidden(
            f"this database role may not signal backend {pid} (another role's); grant it"
            " pg_signal_backend, or stop the query as the owner or a superuser"
        ) from None
    if not done:
        raise NotFound(f"backend {pid} could not be signalled; it may have ended")
