"""Monthly partitioning of user_interactions: shape, routing, creation ahead, detach, migration."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Connection, Engine, create_engine, pool, text
from sqlalchemy.engine import URL

from searxng_cool.admin import migrations
from searxng_cool.errors import InvalidInput
from searxng_cool.listening.partitions import (
    detach_partitions,
    ensure_partitions,
    list_partitions,
    parse_month,
)
from searxng_cool.listening.popularity import refresh_view
from tests import factories

PARTITIONING_REVISION = "20261124_2045_partition_ui_month"
SPEC_INDEXES = {
    "idx_user_interactions_user_id",
    "idx_user_interactions_composite",
    "idx_user_interactions_created",
    "idx_user_interactions_track_id",
}


def partition_of(connection: Connection, interaction_id: int) -> str:
    return str(
        connection.execute(
            text("SELECT tableoid::regclass::text FROM user_interactions WHERE id = :id"),
            {"id": interaction_id},
        ).scalar_one()
    )


def attached(connection: Connection) -> set[str]:
    return {p.name for p in list_partitions(connection)}


@pytest.fixture
def ids(connection: Connection) -> dict[str, int]:
    return {"user": factories.user(connection), "track": factories.track(connection)}


def add_play(connection: Connection, ids: dict[str, int], at: str) -> int:
    return factories.interaction(
        connection, user_id=ids["user"], track_id=ids["track"], created_at=at
    )


def test_the_table_is_range_partitioned_on_created_at(connection: Connection) -> None:
    strategy, column = connection.execute(
        text(
            "SELECT p.partstrat, a.attname FROM pg_partitioned_table p"
            " JOIN pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0]"
            " WHERE p.partrelid = 'user_interactions'::regclass"
        )
    ).one()
    assert (strategy, column) == ("r", "created_at")


def test_the_primary_key_includes_the_partition_key(connection: Connection) -> None:
    columns = connection.execute(
        text(
            "SELECT array_agg(a.attname ORDER BY k.ord) FROM pg_constraint c"
            " CROSS JOIN unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)"
            " JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum"
            " WHERE c.conrelid = 'user_interactions'::regclass AND c.contype = 'p'"
        )
    ).scalar_one()
    assert columns == ["id", "created_at"]


def test_the_spec_indexes_exist_by_name_on_the_parent(connection: Connection) -> None:
    found = connection.execute(
        text("SELECT indexname FROM pg_indexes WHERE tablename = 'user_interactions'")
    ).scalars()
    assert set(found) >= SPEC_INDEXES


def test_a_default_partition_and_months_ahead_exist_after_migration(connection: Connection) -> None:
    names = attached(connection)
    this_month = datetime.now(UTC).date().replace(day=1)
    assert "user_interactions_default" in names
    assert f"user_interactions_p{this_month:%Y_%m}" in names
    assert len([n for n in names if n.startswith("user_interactions_p")]) >= 4


def test_a_row_lands_in_the_partition_of_its_utc_month(
    connection: Connection, ids: dict[str, int]
) -> None:
    ensure_partitions(connection, months_ahead=1, today=date(2030, 11, 5))
    # 23:30 in New York on 30 November is 04:30 UTC on 1 December.
    made = add_play(connection, ids, "2030-11-30T23:30:00-05:00")
    assert partition_of(connection, made) == "user_interactions_p2030_12"


def test_ensure_creates_the_months_ahead_once(connection: Connection) -> None:
    first = ensure_partitions(connection, months_ahead=2, today=date(2031, 12, 20))
    assert first == [
        "user_interactions_p2031_12",
        "user_interactions_p2032_01",
        "user_interactions_p2032_02",
    ]
    assert ensure_partitions(connection, months_ahead=2, today=date(2031, 12, 20)) == []


def test_ensure_moves_that_months_rows_out_of_the_default_partition(
    connection: Connection, ids: dict[str, int]
) -> None:
    made = add_play(connection, ids, "2035-03-10T00:00:00Z")
    assert partition_of(connection, made) == "user_interactions_default"
    ensure_partitions(connection, months_ahead=0, today=date(2035, 3, 1))
    assert partition_of(connection, made) == "user_interactions_p2035_03"
    plays = connection.execute(
        text("SELECT total_plays FROM track_play_counters WHERE track_id = :t"), {"t": ids["track"]}
    ).scalar_one()
    assert plays == 1


@pytest.mark.parametrize("months_ahead", [-1, 121])
def test_ensure_refuses_an_absurd_horizon(connection: Connection, months_ahead: int) -> None:
    with pytest.raises(InvalidInput, match=f"months ahead {months_ahead}"):
        ensure_partitions(connection, months_ahead=months_ahead)


@pytest.mark.parametrize(
    "value",
    [
        "2020-13",
        "2020-1",
        "20-01",
        "January",
        "",
        "2020-01-01",
        "\uff12\uff10\uff12\uff10-01",
        "0000-05",
    ],
)
def test_a_month_must_be_written_yyyy_mm(value: str) -> None:
    with pytest.raises(InvalidInput, match="YYYY-MM"):
        parse_month(value)


def test_detach_takes_whole_old_months_out_and_keeps_their_rows(
    connection: Connection, ids: dict[str, int]
) -> None:
    for month in ("2019-01", "2019-02", "2020-01"):
        ensure_partitions(connection, months_ahead=0, today=parse_month(month))
        add_play(connection, ids, f"{month}-15T12:00:00Z")
    report = detach_partitions(connection, before=parse_month("2020-01"))
    assert [p.name for p in report.partitions] == [
        "user_interactions_p2019_01",
        "user_interactions_p2019_02",
    ]
    assert report.rows == 2
    assert "user_interactions_p2019_01" not in attached(connection)
    assert "user_interactions_p2020_01" in attached(connection)
    kept = connection.execute(text("SELECT count(*) FROM user_interactions_p2019_01")).scalar_one()
    assert kept == 1
    assert connection.execute(text("SELECT count(*) FROM user_interactions")).scalar_one() == 1


def test_detached_rows_leave_the_counters_so_they_agree_with_the_view(
    connection: Connection, ids: dict[str, int]
) -> None:
    ensure_partitions(connection, months_ahead=0, today=date(2018, 6, 1))
    add_play(connection, ids, "2018-06-02T00:00:00Z")
    add_play(connection, ids, "2030-01-02T00:00:00Z")
    detach_partitions(connection, before=parse_month("2019-01"))
    refresh_view(connection)
    counters, view = connection.execute(
        text(
            "SELECT c.total_plays, v.total_plays FROM track_play_counters c"
            " JOIN mv_track_popularity v ON v.id = c.track_id WHERE c.track_id = :t"
        ),
        {"t": ids["track"]},
    ).one()
    assert counters == view == 1


def test_a_dry_run_detaches_nothing(connection: Connection, ids: dict[str, int]) -> None:
    ensure_partitions(connection, months_ahead=0, today=date(2017, 3, 1))
    add_play(connection, ids, "2017-03-02T00:00:00Z")
    report = detach_partitions(connection, before=parse_month("2018-01"), dry_run=True)
    assert [p.name for p in report.partitions] == ["user_interactions_p2017_03"]
    assert "user_interactions_p2017_03" in attached(connection)


@pytest.fixture
def empty_engine(empty_db_url: URL) -> Iterator[Engine]:
    made = create_engine(empty_db_url, poolclass=pool.NullPool)
    yield made
    made.dispose()


ROWS = text(
    "SELECT id, user_id, track_id, interaction_type, play_duration_ms, context, created_at"
    " FROM user_interactions ORDER BY id"
)


def _seed_plain_table(conn: Connection) -> None:
    user = factories.user(conn)
    track = factories.track(conn)
    for n, at in enumerate(
        ["2012-02-29T23:59:59Z", "2012-03-01T00:00:00Z", "2024-07-04T12:00:00Z"]
    ):
        factories.interaction(
            conn, user_id=user, track_id=track, created_at=at, play_duration_ms=n, context={"n": n}
        )


def test_partitioning_migration_keeps_every_row_up_and_down(empty_engine: Engine) -> None:
    before = migrations.script_directory().get_revision(PARTITIONING_REVISION).down_revision
    assert isinstance(before, str)
    with empty_engine.begin() as conn:
        migrations.upgrade(conn, revision=before)
        _seed_plain_table(conn)
        original = conn.execute(ROWS).all()
    with empty_engine.begin() as conn:
        migrations.upgrade(conn, revision=PARTITIONING_REVISION)
        assert conn.execute(ROWS).all() == original
        homes = conn.execute(
            text("SELECT DISTINCT tableoid::regclass::text FROM user_interactions ORDER BY 1")
        ).scalars()
        assert list(homes) == [
            "user_interactions_p2012_02",
            "user_interactions_p2012_03",
            "user_interactions_p2024_07",
        ]
        assert conn.execute(text("SELECT count(*) FROM mv_track_popularity")).scalar_one() == 1
    with empty_engine.begin() as conn:
        migrations.downgrade(conn, revision=before)
        assert conn.execute(ROWS).all() == original
        kind = conn.execute(
            text("SELECT relkind FROM pg_class WHERE relname = 'user_interactions'")
        )
        assert kind.scalar_one() == "r"
        next_id = factories.interaction(
            conn, user_id=original[0].user_id, track_id=original[0].track_id
        )
        assert next_id > original[-1].id
        assert conn.execute(text("SELECT total_plays FROM mv_track_popularity")).scalar_one() == 3


@given(value=st.text(max_size=40))
def test_any_text_is_a_month_or_a_clear_refusal(value: str) -> None:
    try:
        month = parse_month(value)
    except InvalidInput as exc:
        assert "YYYY-MM" in str(exc)  # noqa: PT017 - hypothesis explores both outcomes
    else:
        assert month.day == 1
        assert f"{month:%Y-%m}" == value.strip()
