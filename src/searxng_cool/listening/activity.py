"""Plays counted over time: per day and per hour, for one listener or everyone (charts)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Connection, text

from searxng_cool.errors import InvalidInput

MAX_DAYS = 366
MAX_HOURS = 24 * 14


def plays_per_day(
    connection: Connection, *, days: int = 90, user_id: int | None = None
) -> list[tuple[date, int]]:
    """(day, plays) for each of the last `days` days up to today (UTC), zero days included;
    one listener's plays when `user_id` is given, everyone's otherwise."""
    if not 1 <= days <= MAX_DAYS:
        raise InvalidInput(f"days {days} is out of range 1..{MAX_DAYS}")
    rows = connection.execute(
        text(
            "WITH span AS (SELECT generate_series("
            "   (now() AT TIME ZONE 'UTC')::date - (:days - 1),"
            "   (now() AT TIME ZONE 'UTC')::date, interval '1 day')::date AS day)"
            " SELECT span.day, count(i.id) FROM span"
            "  LEFT JOIN user_interactions i"
            "    ON i.interaction_type = 'play'"
            "   AND i.created_at >= span.day::timestamp AT TIME ZONE 'UTC'"
            "   AND i.created_at < (span.day + 1)::timestamp AT TIME ZONE 'UTC'"
            "   AND (CAST(:user AS integer) IS NULL OR i.user_id = :user)"
            " GROUP BY span.day ORDER BY span.day"
        ),
        {"days": days, "user": user_id},
    )
    return [(day, int(count)) for day, count in rows]


def plays_per_hour(
    connection: Connection, *, hours: int = 48, user_id: int | None = None
) -> list[tuple[datetime, int]]:
    """(hour, plays) for each of the last `hours` hours, the current one included."""
    if not 1 <= hours <= MAX_HOURS:
        raise InvalidInput(f"hours {hours} is out of range 1..{MAX_HOURS}")
    rows = connection.execute(
        text(
            "WITH span AS (SELECT generate_series(date_trunc('hour', now()) - (:hours - 1)"
            "   * interval '1 hour', date_trunc('hour', now()), interval '1 hour') AS hour)"
            " SELECT span.hour, count(i.id) FROM span"
            "  LEFT JOIN user_interactions i"
            "    ON i.interaction_type = 'play'"
            "   AND i.created_at >= span.hour AND i.created_at < span.hour + interval '1 hour'"
            "   AND (CAST(:user AS integer) IS NULL OR i.user_id = :user)"
            " GROUP BY span.hour ORDER BY span.hour"
        ),
        {"hours": hours, "user": user_id},
    )
    return [(hour, int(count)) for hour, count in rows]
