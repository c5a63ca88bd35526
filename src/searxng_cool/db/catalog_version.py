"""The catalog's version (see db.models.cache): what cache keys are made of."""

from __future__ import annotations

from sqlalchemy import Connection


def current_version(connection: Connection) -> int:
    """The version as this connection's snapshot sees it (0 before the first change)."""
    # A fixed statement, sent as is: this runs on every cached read.
    found = connection.exec_driver_sql("SELECT version FROM catalog_version WHERE id = 1")
    return int(found.scalar() or 0)
