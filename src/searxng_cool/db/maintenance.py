"""The operations tools' memory: maintenance events and size samples.

PostgreSQL records neither when a materialized view was refreshed nor how big a table
used to be; `record_refresh` and `record_size_samples` keep both, for `status`.
Any command that refreshes `mv_track_popularity` should call `record_refresh`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.sql import bindparam

REFRESH = "refresh"


def record_event(
    connection: Connection, *, action: str, subject: str, detail: dict[str, Any] | None = None
) -> None:
    statement = text(
        "INSERT INTO maintenance_events (action, subject, detail) VALUES (:action, :subject, :detail)"
    ).bindparams(bindparam("detail", type_=JSONB))
    connection.execute(statement, {"action": action, "subject": subject, "detail": detail or {}})


def record_refresh(connection: Connection, *, view_name: str) -> None:
    """Note that `view_name` was just refreshed (in the caller's transaction)."""
    record_event(connection, action=REFRESH, subject=view_name)


def last_event(connection: Connection, *, action: str, subject: str) -> datetime | None:
    found: datetime | None = connection.execute(
        text("SELECT max(happened_at) FROM maintenance_events WHERE action = :a AND subject = :s"),
        {"a": action, "s": subject},
    ).scalar_one()
    return found


def last_refresh(connection: Connection, *, view_name: str) -> datetime | None:
    return last_event(connection, action=REFRESH, subject=view_name)


def has_operations_tables(connection: Connection) -> bool:
    return bool(
        connection.execute(
            text(
                "SELECT to_regclass('maintenance_events') IS NOT NULL AND to_regclass('size_samples') IS NOT NULL"
            )
        ).scalar_one()
    )


def previous_sizes(connection: Connection) -> dict[str, tuple[int, datetime]]:
    """The latest sample of every relation: bytes and when."""
    found = connection.execute(
        text(
            "SELECT DISTINCT ON (relation) relation, total_bytes, sampled_at FROM size_samples "
            "ORDER BY relation, sampled_at DESC"
        )
    ).all()
    return {relation: (int(size), at) for relation, size, at in found}


def record_size_samples(connection: Connection, *, sizes: dict[str, int]) -> None:
    if sizes:
        connection.execute(
            text("INSERT INTO size_samples (relation, total_bytes) VALUES (:relation, :bytes)"),
            [{"relation": relation, "bytes": size} for relation, size in sizes.items()],
        )
