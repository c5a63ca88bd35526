"""Recording interactions: one event, or a batch staged through COPY, on real PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, Engine, text

from searxng_cool.db.models.users import INTERACTION_TYPES
from searxng_cool.errors import InvalidInput, NotFound
from searxng_cool.listening.events import InteractionEvent
from searxng_cool.listening.recording import record_batch, record_interaction
from searxng_cool.rejects import CollectedRejects, Rejection
from tests import factories


@pytest.fixture
def listener(connection: Connection) -> dict[str, int]:
    return {
        "user": factories.user(connection),
        "track": factories.track(connection, duration_ms=200_000),
        "untimed_track": factories.track(connection, duration_ms=None),
    }


def count_interactions(connection: Connection) -> int:
    return int(connection.execute(text("SELECT count(*) FROM user_interactions")).scalar_one())


def test_one_event_is_recorded_with_its_fields(
    connection: Connection, listener: dict[str, int]
) -> None:
    when = datetime(2024, 5, 17, 12, 30, tzinfo=UTC)
    made = record_interaction(
        connection,
        user_id=listener["user"],
        track_id=listener["track"],
        interaction_type="play",
        play_duration_ms=120_000,
        context={"playlist": 7},
        created_at=when,
    )
    row = connection.execute(
        text(
            "SELECT user_id, track_id, interaction_type, play_duration_ms, context, created_at"
            " FROM user_interactions WHERE id = :id"
        ),
        {"id": made},
    ).one()
    assert tuple(row) == (
        listener["user"],
        listener["track"],
        "play",
        120_000,
        {"playlist": 7},
        when,
    )


def test_an_unknown_user_is_refused_by_name(
    connection: Connection, listener: dict[str, int]
) -> None:
    with pytest.raises(NotFound, match="user 987654 does not exist"):
        record_interaction(
            connection, user_id=987654, track_id=listener["track"], interaction_type="play"
        )
    assert count_interactions(connection) == 0


def test_an_unknown_track_is_refused_by_name(
    connection: Connection, listener: dict[str, int]
) -> None:
    with pytest.raises(NotFound, match="track 987654 does not exist"):
        record_interaction(
            connection, user_id=listener["user"], track_id=987654, interaction_type="like"
        )


@pytest.mark.parametrize(
    ("kind", "duration", "message"),
    [
        ("listen", None, "interaction_type 'listen' is not one of play"),
        ("play", -1, "play_duration_ms -1 is out of range"),
        ("play", 200_001, "beyond the duration of track"),
    ],
)
def test_a_bad_type_or_duration_is_refused_with_the_value(
    connection: Connection, listener: dict[str, int], kind: str, duration: int | None, message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        record_interaction(
            connection,
            user_id=listener["user"],
            track_id=listener["track"],
            interaction_type=kind,
            play_duration_ms=duration,
        )
    assert count_interactions(connection) == 0


def test_every_schema_interaction_type_is_accepted(
    connection: Connection, listener: dict[str, int]
) -> None:
    events = [
        InteractionEvent(listener["user"], listener["track"], kind) for kind in INTERACTION_TYPES
    ]
    report = record_batch(connection, events=events)
    assert report.accepted == len(INTERACTION_TYPES)
    assert report.rejected == 0


def test_a_batch_keeps_the_good_events_and_reports_each_bad_one_with_line_and_reason(
    connection: Connection, listener: dict[str, int]
) -> None:
    user, track = listener["user"], listener["track"]
    events = [
        InteractionEvent(user, track, "play", 1000, line=1),
        InteractionEvent(999_999, track, "play", line=2),
        InteractionEvent(user, 999_999, "play", line=3),
        InteractionEvent(user, track, "dance", line=4),
        InteractionEvent(user, track, "play", 250_000, line=5),
        InteractionEvent(user, track, "skip", 10, line=6),
        Rejection(7, "unresolved", "no catalog match for 'Song X'"),
    ]
    rejects = CollectedRejects()
    report = record_batch(connection, events=events, rejects=rejects)
    assert (report.accepted, report.rejected) == (2, 5)
    reasons = {r.line: (r.code, r.reason) for r in rejects.items}
    assert reasons[2] == ("unknown_user", "user 999999 does not exist")
    assert reasons[3] == ("unknown_track", "track 999999 does not exist")
    assert reasons[4][0] == "bad_type"
    assert reasons[5] == (
        "duration_beyond_track",
        f"play_duration_ms 250000 is beyond the duration of track {track} (200000 ms)",
    )
    assert reasons[7] == ("unresolved", "no catalog match for 'Song X'")
    kinds = connection.execute(
        text("SELECT interaction_type, play_duration_ms FROM user_interactions ORDER BY id")
    ).all()
    assert [tuple(k) for k in kinds] == [("play", 1000), ("skip", 10)]


def test_every_event_is_kept_even_identical_ones(
    connection: Connection, listener: dict[str, int]
) -> None:
    same = InteractionEvent(listener["user"], listener["track"], "play", 5, created_at=None)
    report = record_batch(connection, events=[same, same, same])
    assert report.accepted == 3
    assert count_interactions(connection) == 3


def test_a_batch_keeps_each_events_own_time_and_ids_follow_event_time(
    connection: Connection, listener: dict[str, int]
) -> None:
    start = datetime(2021, 3, 1, tzinfo=UTC)
    events = [
        InteractionEvent(
            listener["user"], listener["track"], "play", created_at=start + timedelta(days=40 * i)
        )
        for i in reversed(range(5))  # newest first, as a Last.fm export lists them
    ]
    record_batch(connection, events=events)
    times = connection.execute(
        text("SELECT created_at FROM user_interactions ORDER BY id")
    ).scalars()
    assert list(times) == sorted(e.created_at for e in events if e.created_at)


def test_a_naive_time_is_taken_as_utc(connection: Connection, listener: dict[str, int]) -> None:
    naive = datetime(2022, 1, 2, 3, 4, 5)
    record_batch(
        connection,
        events=[InteractionEvent(listener["user"], listener["track"], "like", created_at=naive)],
    )
    stored = connection.execute(text("SELECT created_at FROM user_interactions")).scalar_one()
    assert stored == naive.replace(tzinfo=UTC)


def test_a_track_without_a_duration_accepts_any_play_length(
    connection: Connection, listener: dict[str, int]
) -> None:
    event = InteractionEvent(listener["user"], listener["untimed_track"], "play", 10**9)
    assert record_batch(connection, events=[event]).accepted == 1


def test_the_unix_epoch_is_refused_as_not_a_real_time(
    connection: Connection, listener: dict[str, int]
) -> None:
    rejects = CollectedRejects()
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    event = InteractionEvent(listener["user"], listener["track"], "play", created_at=epoch, line=9)
    report = record_batch(connection, events=[event], rejects=rejects)
    assert report.accepted == 0
    assert rejects.items[0].line == 9
    assert "Unix epoch" in rejects.items[0].reason


def test_progress_is_reported_up_to_the_number_of_items(
    connection: Connection, listener: dict[str, int]
) -> None:
    seen: list[int] = []
    events = [InteractionEvent(listener["user"], listener["track"], "play")] * 25_000
    record_batch(connection, events=events, progress=seen.append)
    assert seen == [10_000, 20_000, 25_000]


hostile_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True),
    st.text(max_size=300),
    st.integers(5_000, 200_000).map(lambda n: "é\u0000" * n),  # huge, with NULs
    st.binary(max_size=50),
    st.lists(st.integers(), max_size=3),
)
hostile_context = st.one_of(
    st.none(),
    st.dictionaries(
        st.text(max_size=20),
        st.one_of(st.text(max_size=50), st.integers(), st.floats(), st.just("x" * 70_000)),
        max_size=4,
    ),
    hostile_values,
)


@st.composite
def hostile_events(draw: Any, user: int, track: int) -> InteractionEvent:
    def maybe(good: object) -> Any:
        return draw(st.one_of(st.just(good), hostile_values))

    return InteractionEvent(
        user_id=maybe(user),
        track_id=maybe(track),
        interaction_type=maybe(draw(st.sampled_from(INTERACTION_TYPES))),
        play_duration_ms=maybe(draw(st.integers(0, 200_000))),
        context=draw(hostile_context),
        created_at=maybe(
            draw(st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2100, 1, 1)))
        ),
    )


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_hostile_events_are_each_recorded_or_rejected_never_a_crash(
    connection: Connection, listener: dict[str, int], data: st.DataObject
) -> None:
    events = data.draw(st.lists(hostile_events(listener["user"], listener["track"]), max_size=6))
    with connection.begin_nested() as savepoint:
        rejects = CollectedRejects()
        report = record_batch(connection, events=events, rejects=rejects)
        assert report.accepted + report.rejected == len(events)
        assert len(rejects.items) == report.rejected
        assert all(r.reason for r in rejects.items)
        assert count_interactions(connection) == report.accepted
        savepoint.rollback()


def test_a_batch_of_history_gets_its_own_month_partitions(
    connection: Connection, listener: dict[str, int]
) -> None:
    events = [
        InteractionEvent(listener["user"], listener["track"], "play", created_at=at)
        for at in (datetime(2008, 2, 29, 23, 0, tzinfo=UTC), datetime(1999, 12, 31, tzinfo=UTC))
    ]
    record_batch(connection, events=events)
    homes = connection.execute(
        text("SELECT tableoid::regclass::text FROM user_interactions ORDER BY created_at")
    ).scalars()
    assert list(homes) == ["user_interactions_default", "user_interactions_p2008_02"]


def test_two_concurrent_batches_needing_the_same_new_month_both_succeed(engine: Engine) -> None:
    with engine.begin() as conn:
        user, track = factories.user(conn), factories.track(conn)
    # Two different events of the month (the same event twice is recorded once).
    events = [
        InteractionEvent(user, track, "play", created_at=datetime(2011, 6, day, tzinfo=UTC))
        for day in (15, 16)
    ]
    started = threading.Barrier(2)
    outcomes: list[object] = []

    def load(event: InteractionEvent) -> None:
        try:
            with engine.begin() as conn:
                started.wait(5)
                outcomes.append(record_batch(conn, events=[event]).accepted)
        except Exception as exc:  # the test reports any failure below
            outcomes.append(exc)

    workers = [threading.Thread(target=load, args=(event,)) for event in events]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    assert outcomes == [1, 1]
    with engine.connect() as conn:
        assert count_interactions(conn) == 2
