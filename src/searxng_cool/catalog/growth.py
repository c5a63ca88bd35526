"""How the catalog grows: tracks added per day (for the operator's activity chart)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Connection, text

from searxng_cool.errors import InvalidInput

MAX_DAYS = 366


def tracks_added_per_day(connection: Connection, *, days: int = 90) -> list[tuple[date, int]]:
    """(day, tracks created that day) for each of the last `days` days (UTC), zeros included."""
    if not 1 <= days <= MAX_DAYS:
        raise InvalidInput(f"days {days} is out of range 1..{MAX_DAYS}")
    rows = connection.execute(
        text(
            "WITH span AS (SELECT generate_series("
            "   (now() AT TIME ZONE 'UTC')::date - (:days - 1),"
            "   (now() AT TIME ZONE 'UTC')::date, interval '1 day')::date AS day)"
            " SELECT span.day, count(t.id) FROM span"
            "  LEFT JOIN tracks t"
            "    ON t.created_at >= span.day::timestamp AT TIME ZONE 'UTC'"
            "   AND t.created_at < (span.day + 1)::timestamp AT TIME ZONE 'UTC'"
            " GROUP BY span.day ORDER BY span.day"
        ),
        {"days": days},
    )
    return [(day, int(count)) for day, count in rows]
