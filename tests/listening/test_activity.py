"""Plays per day and per hour: every slot present (zeros included), one user or everyone."""

from __future__ import annotations

import pytest
from sqlalchemy import Connection, text

from searxng_cool.errors import InvalidInput
from searxng_cool.listening import activity
from tests import factories


def test_plays_per_day_counts_each_day_and_keeps_empty_days(connection: Connection) -> None:
    track = factories.track(connection)
    alice, bob = factories.user(connection), factories.user(connection)
    for days_ago, user in ((0, alice), (0, alice), (2, alice), (0, bob)):
        factories.interaction(connection, user_id=user, track_id=track)
        if days_ago:
            connection.execute(
                text(
                    "UPDATE user_interactions SET created_at = now() - make_interval(days => :d)"
                    " WHERE id = (SELECT max(id) FROM user_interactions)"
                ),
                {"d": days_ago},
            )
    mine = activity.plays_per_day(connection, days=3, user_id=alice)
    everyone = activity.plays_per_day(connection, days=3)
    assert [n for _, n in mine] == [1, 0, 2]
    assert [n for _, n in everyone] == [1, 0, 3]


def test_plays_per_hour_has_one_slot_per_hour(connection: Connection) -> None:
    assert len(activity.plays_per_hour(connection, hours=48)) == 48


def test_a_span_out_of_range_is_refused(connection: Connection) -> None:
    with pytest.raises(InvalidInput, match="days 0"):
        activity.plays_per_day(connection, days=0)
