"""Popularity: live counters, the concurrently refreshed view, and time-decayed scores."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Connection, Engine, text

from searxng_cool.errors import InvalidInput
from searxng_cool.listening.events import InteractionEvent
from searxng_cool.listening.popularity import compute_popularity, refresh_view, track_counters
from searxng_cool.listening.recording import record_batch, record_interaction
from tests import factories

NOW = datetime(2026, 6, 1, tzinfo=UTC)

COUNTERS_VS_VIEW = text(
    """
    SELECT v.id, v.total_plays, coalesce(c.total_plays, 0),
           v.total_likes, coalesce(c.total_likes, 0),
           v.avg_play_duration::float8, c.play_duration_sum_ms::float8 / nullif(c.timed_plays, 0)
      FROM mv_track_popularity v LEFT JOIN track_play_counters c ON c.track_id = v.id
    """
)


def test_a_new_play_is_counted_at_once_without_a_refresh(engine: Engine) -> None:
    with engine.begin() as conn:
        user, track = factories.user(conn), factories.track(conn)
    with engine.begin() as conn:
        record_interaction(
            conn, user_id=user, track_id=track, interaction_type="play", play_duration_ms=60_000
        )
    with engine.connect() as reader:
        counters = track_counters(reader, track_id=track)
        stale = reader.execute(
            text("SELECT total_plays FROM mv_track_popularity WHERE id = :t"), {"t": track}
        ).scalar_one_or_none()
    assert counters is not None
    assert (counters.total_plays, counters.avg_play_duration_ms) == (1, 60_000.0)
    assert stale in (None, 0)


def test_counters_and_the_view_agree_after_a_refresh(connection: Connection) -> None:
    users = [factories.user(connection) for _ in range(3)]
    tracks = [factories.track(connection, duration_ms=300_000) for _ in range(4)]
    kinds = ["play", "like", "skip", "play", "save", "play", "unlike"]
    events = [
        InteractionEvent(
            users[i % 3],
            tracks[i % 4],
            kinds[i % len(kinds)],
            None if i % 5 == 0 else i * 1000,
            created_at=NOW - timedelta(days=i * 11),
        )
        for i in range(60)
    ]
    record_batch(connection, events=events)
    # Changes after the batch: one event deleted, one moved to another track, one deleted user.
    connection.execute(
        text("DELETE FROM user_interactions WHERE id = (SELECT min(id) FROM user_interactions)")
    )
    connection.execute(
        text(
            "UPDATE user_interactions SET track_id = :t WHERE id = (SELECT max(id) FROM user_interactions)"
        ),
        {"t": tracks[0]},
    )
    connection.execute(text("DELETE FROM users WHERE id = :u"), {"u": users[2]})
    report = refresh_view(connection)
    assert report.concurrently
    rows = connection.execute(COUNTERS_VS_VIEW).all()
    assert len(rows) == 4
    for _, view_plays, plays, view_likes, likes, view_avg, avg in rows:
        assert (view_plays, view_likes) == (plays, likes)
        assert view_avg == pytest.approx(avg) if view_avg is not None else avg is None
    assert sum(r[1] for r in rows) > 0


def test_truncating_the_log_empties_the_counters(connection: Connection) -> None:
    user, track = factories.user(connection), factories.track(connection)
    record_batch(connection, events=[InteractionEvent(user, track, "play")])
    connection.execute(text("TRUNCATE user_interactions"))
    assert track_counters(connection, track_id=track) is None


def test_the_view_refreshes_concurrently_inside_a_transaction_with_other_statements(
    connection: Connection,
) -> None:
    user, track = factories.user(connection), factories.track(connection)
    record_batch(connection, events=[InteractionEvent(user, track, "like")])
    report = refresh_view(connection)
    assert report.concurrently
    likes = connection.execute(
        text("SELECT total_likes FROM mv_track_popularity WHERE id = :t"), {"t": track}
    ).scalar_one()
    assert likes == 1


def test_readers_are_not_blocked_while_the_view_refreshes(engine: Engine) -> None:
    with engine.begin() as conn:
        factories.track(conn)
    with engine.connect() as refresher:
        refresh_view(refresher)  # holds its locks until this transaction ends
        result: list[int] = []

        def read() -> None:
            with engine.connect() as reader:
                reader.execute(text("SET lock_timeout = '2s'"))
                result.append(
                    reader.execute(text("SELECT count(*) FROM mv_track_popularity")).scalar_one()
                )

        worker = threading.Thread(target=read)
        worker.start()
        worker.join(10)
        refresher.rollback()
    # The reader got the view's previous contents (built before the track existed) at once,
    # instead of waiting on the refresh's lock and failing its 2 s lock_timeout.
    assert result == [0]


def test_a_never_populated_view_gets_a_plain_first_refresh(connection: Connection) -> None:
    connection.execute(text("REFRESH MATERIALIZED VIEW mv_track_popularity WITH NO DATA"))
    report = refresh_view(connection)
    assert not report.concurrently
    assert refresh_view(connection).concurrently


def _scores(connection: Connection, table: str) -> dict[int, float]:
    rows = connection.execute(
        text(f"SELECT id, popularity FROM {table} WHERE popularity IS NOT NULL")
    )
    return {int(i): float(p) for i, p in rows}


def test_recent_activity_outweighs_the_same_activity_long_ago(connection: Connection) -> None:
    user = factories.user(connection)
    artist_a, artist_b = factories.artist(connection), factories.artist(connection)
    fresh = factories.track(connection, artist_id=artist_a)
    stale = factories.track(connection, artist_id=artist_b)
    never = factories.track(connection, artist_id=artist_b, popularity=42.0)
    events = [InteractionEvent(user, fresh, "play", created_at=NOW - timedelta(days=1))] * 5
    events += [InteractionEvent(user, stale, "play", created_at=NOW - timedelta(days=90))] * 5
    record_batch(connection, events=events)
    report = compute_popularity(connection, half_life_days=30, now=NOW)
    tracks = _scores(connection, "tracks")
    assert tracks[fresh] == 100.0
    assert 0 < tracks[stale] < tracks[fresh]
    assert tracks[never] == 42.0  # no history: left as it was (e.g. a source's own figure)
    artists = _scores(connection, "artists")
    assert artists[artist_a] == 100.0
    assert 0 < artists[artist_b] < 100
    assert (report.tracks_updated, report.artists_updated) == (2, 2)


def test_the_score_follows_the_documented_formula(connection: Connection) -> None:
    import math

    user = factories.user(connection)
    top, other = factories.track(connection), factories.track(connection)
    record_batch(
        connection,
        events=[
            InteractionEvent(user, top, "play", created_at=NOW),
            InteractionEvent(user, top, "like", created_at=NOW),  # 1 + 2 = 3
            InteractionEvent(user, other, "play", created_at=NOW - timedelta(days=30)),  # 1 * 2^-1
            InteractionEvent(
                user, other, "skip", created_at=NOW - timedelta(days=60)
            ),  # -0.5 * 2^-2
        ],
    )
    compute_popularity(connection, half_life_days=30, now=NOW)
    expected = round(100 * math.log(1 + 0.5 - 0.125) / math.log(1 + 3), 2)
    assert _scores(connection, "tracks")[other] == pytest.approx(expected)


def test_activity_older_than_the_horizon_drops_a_track_to_zero(connection: Connection) -> None:
    user = factories.user(connection)
    old, recent = factories.track(connection), factories.track(connection)
    record_batch(
        connection,
        events=[
            InteractionEvent(user, old, "play", created_at=NOW - timedelta(days=400)),
            InteractionEvent(user, recent, "play", created_at=NOW),
        ],
    )
    compute_popularity(connection, half_life_days=30, now=NOW)
    assert _scores(connection, "tracks")[old] == 0.0


@pytest.mark.parametrize("half_life", [0, -3, 1e9, float("nan"), float("inf")])
def test_an_absurd_half_life_is_refused(connection: Connection, half_life: float) -> None:
    with pytest.raises(InvalidInput, match="half-life"):
        compute_popularity(connection, half_life_days=half_life)


def test_a_view_refresh_is_recorded_for_status(connection: Connection) -> None:
    from searxng_cool.db import maintenance

    assert maintenance.last_refresh(connection, view_name="mv_track_popularity") is None
    refresh_view(connection)
    assert maintenance.last_refresh(connection, view_name="mv_track_popularity") is not None
