"""Months filled offline and swapped in: the same rows, indexes, keys and counters as row by row."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import IntegrityError

from searxng_cool.admin import validator
from searxng_cool.listening.events import InteractionEvent
from searxng_cool.listening.partitions import ensure_partitions
from searxng_cool.listening.recording import record_batch
from searxng_cool.rejects import CollectedRejects
from tests import factories

JANUARY = datetime(2025, 1, 1, tzinfo=UTC)
STORED = (
    "SELECT id, user_id, track_id, interaction_type, play_duration_ms, context, created_at,"
    " tableoid::regclass::text FROM user_interactions ORDER BY id"
)
COUNTERS = "SELECT * FROM track_play_counters ORDER BY track_id"


def make_people(conn: Connection) -> dict[str, int]:
    """Two listeners, a long and a short track, and empty partitions for Jan..Mar 2025."""
    ensure_partitions(conn, months_ahead=2, today=JANUARY.date())
    return {
        "user": factories.user(conn),
        "other": factories.user(conn),
        "track": factories.track(conn, duration_ms=200_000),
        "short": factories.track(conn, duration_ms=1_000),
    }


@pytest.fixture
def people(connection: Connection) -> dict[str, int]:
    return make_people(connection)


def history(people: dict[str, int]) -> list[InteractionEvent]:
    """Events over January and February 2025, a few refused, a few undated."""
    events = []
    for n in range(40):
        at = JANUARY + timedelta(days=n * 1.4, minutes=n)
        kind = ("play", "like", "skip", "play")[n % 4]
        track = people["track"] if n % 5 else people["short"]
        played = 900 if kind == "play" else None
        events.append(InteractionEvent(people["user"] + n % 2, track, kind, played, created_at=at))
    events.append(InteractionEvent(people["user"], people["short"], "play", 5_000, None, JANUARY))
    events.append(InteractionEvent(987_654, people["track"], "play", created_at=JANUARY))
    events.append(InteractionEvent(people["user"], people["track"], "save"))  # undated: now
    return events


def outcome(connection: Connection, events: list[InteractionEvent], bulk: int) -> Any:
    with connection.begin_nested() as savepoint:
        rejects = CollectedRejects()
        report = record_batch(connection, events=events, rejects=rejects, bulk_min_rows=bulk)
        stored = [tuple(row) for row in connection.execute(text(STORED))]
        counters = [tuple(row) for row in connection.execute(text(COUNTERS))]
        refused = sorted((r.line, r.code) for r in rejects.items)
        savepoint.rollback()
    return report.accepted, stored, counters, refused


def partition_shape(connection: Connection, name: str) -> dict[str, Any]:
    """The indexes and keys a partition has, as the parent sees them."""
    return {
        "attached_indexes": connection.execute(
            text(
                "SELECT count(*) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
                " JOIN pg_index x ON x.indexrelid = c.oid WHERE x.indrelid = CAST(:p AS regclass)"
            ),
            {"p": name},
        ).scalar_one(),
        "constraints": sorted(
            (conname.replace(name, "PARTITION"), inherited)
            for conname, inherited in connection.execute(
                text(
                    "SELECT conname, conparentid <> 0 FROM pg_constraint"
                    " WHERE conrelid = CAST(:p AS regclass) AND contype IN ('f', 'p')"
                ),
                {"p": name},
            )
        ),
    }


def test_a_month_filled_offline_holds_what_row_by_row_would(
    connection: Connection, people: dict[str, int]
) -> None:
    events = history(people)
    offline = outcome(connection, events, bulk=5)
    row_by_row = outcome(connection, events, bulk=10**9)
    # Same events, same partitions, same refusals, same counters; ids in event-time order.
    assert offline[0] == row_by_row[0] == 41
    assert [row[1:] for row in offline[1]] == [row[1:] for row in row_by_row[1]]
    assert offline[2:] == row_by_row[2:]
    assert [row[6] for row in offline[1]] == sorted(row[6] for row in offline[1])


def test_the_filled_partition_has_every_index_and_key_of_a_made_one(
    connection: Connection, people: dict[str, int]
) -> None:
    made = partition_shape(connection, "user_interactions_p2025_03")
    record_batch(connection, events=history(people), bulk_min_rows=5)
    for month in ("2025_01", "2025_02"):
        assert partition_shape(connection, f"user_interactions_p{month}") == made
    leftovers = connection.execute(
        text("SELECT count(*) FROM pg_class WHERE relname LIKE '%\\_load%'")
    ).scalar_one()
    assert leftovers == 0
    assert validator.exit_code(validator.validate(connection)) == 0


def test_keys_hold_on_a_filled_month(connection: Connection, people: dict[str, int]) -> None:
    record_batch(connection, events=history(people), bulk_min_rows=5)
    filled = "SELECT count(*) FROM user_interactions_p2025_01 WHERE user_id = :u"
    assert connection.execute(text(filled), {"u": people["other"]}).scalar_one() > 0
    connection.execute(text("DELETE FROM users WHERE id = :u"), {"u": people["other"]})
    assert connection.execute(text(filled), {"u": people["other"]}).scalar_one() == 0
    with pytest.raises(IntegrityError), connection.begin_nested():
        connection.execute(text("DELETE FROM tracks WHERE id = :t"), {"t": people["track"]})
    with pytest.raises(IntegrityError), connection.begin_nested():
        connection.execute(
            text(
                "INSERT INTO user_interactions_p2025_01 (user_id, track_id, interaction_type,"
                " created_at) VALUES (987654, :t, 'play', '2025-01-05')"
            ),
            {"t": people["track"]},
        )


def test_a_month_that_already_has_events_is_added_to_row_by_row(
    connection: Connection, people: dict[str, int]
) -> None:
    first = [InteractionEvent(people["user"], people["track"], "play", created_at=JANUARY)]
    record_batch(connection, events=first, bulk_min_rows=1)
    oid = "SELECT CAST('user_interactions_p2025_01' AS regclass)::oid"
    before = connection.execute(text(oid)).scalar_one()
    record_batch(connection, events=history(people), bulk_min_rows=5)
    assert connection.execute(text(oid)).scalar_one() == before
    count = "SELECT count(*) FROM user_interactions_p2025_01"
    assert connection.execute(text(count)).scalar_one() > 1


def test_two_batches_filling_the_same_empty_month_at_once_both_land(engine: Engine) -> None:
    with engine.begin() as conn:
        people = make_people(conn)
    start = threading.Barrier(2)
    outcomes: list[object] = []

    def load() -> None:
        try:
            with engine.begin() as conn:
                start.wait(5)
                outcomes.append(
                    record_batch(conn, events=history(people), bulk_min_rows=5).accepted
                )
        except Exception as exc:  # reported by the assertion below
            outcomes.append(exc)

    workers = [threading.Thread(target=load) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert outcomes == [41, 41]
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT count(*) FROM user_interactions")).scalar_one()
        counted = conn.execute(
            text("SELECT sum(total_interactions) FROM track_play_counters")
        ).scalar_one()
    assert stored == counted == 82


def test_a_writer_of_users_and_events_and_a_filling_batch_do_not_deadlock(engine: Engine) -> None:
    with engine.begin() as conn:
        people = make_people(conn)
    start = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def new_listener() -> None:
        try:
            with engine.begin() as conn:
                listener = factories.user(conn)  # a write to users, held until commit
                start.wait(5)
                time.sleep(0.5)  # the batch is under way by now
                event = [InteractionEvent(listener, people["track"], "play")]
                outcomes["listener"] = record_batch(conn, events=event).accepted
        except Exception as exc:  # reported by the assertion below
            outcomes["listener"] = exc

    def batch() -> None:
        try:
            with engine.begin() as conn:
                start.wait(5)
                outcomes["batch"] = record_batch(
                    conn, events=history(people), bulk_min_rows=5
                ).accepted
        except Exception as exc:  # reported by the assertion below
            outcomes["batch"] = exc

    workers = [threading.Thread(target=new_listener), threading.Thread(target=batch)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert outcomes == {"listener": 1, "batch": 41}
