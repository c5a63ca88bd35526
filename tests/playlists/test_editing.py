"""Ordered editing on real PostgreSQL: positions stay 0..n-1, durations stay summed."""

from __future__ import annotations

import pytest
from sqlalchemy import Connection, text

from searxng_cool.errors import Conflict, InvalidInput, NotFound
from searxng_cool.playlists import editing, manage
from tests import factories
from tests.playlists.conftest import assert_invariants, order_of


@pytest.fixture
def owner(connection: Connection) -> int:
    return factories.user(connection)


def make_tracks(connection: Connection, count: int, duration_ms: int = 1000) -> list[int]:
    return [factories.track(connection, duration_ms=duration_ms * (i + 1)) for i in range(count)]


def new_playlist(connection: Connection, owner: int, tracks: list[int]) -> int:
    playlist_id = manage.create_playlist(connection, owner_id=owner, name="Mix")
    if tracks:
        editing.add_tracks(connection, playlist_id=playlist_id, actor_id=owner, track_ids=tracks)
    return playlist_id


def test_adding_at_the_end_and_at_a_position_keeps_order_and_sums(
    connection: Connection, owner: int
) -> None:
    a, b, c, d = make_tracks(connection, 4)
    playlist_id = new_playlist(connection, owner, [a, b])
    result = editing.add_tracks(
        connection, playlist_id=playlist_id, actor_id=owner, track_ids=[c, d], position=1
    )
    assert result.track_count == 4
    assert order_of(connection, playlist_id) == [a, c, d, b]
    assert_invariants(connection, playlist_id)
    connection.commit()  # the deferred unique constraint is checked here


def test_removing_positions_closes_the_gaps(connection: Connection, owner: int) -> None:
    tracks = make_tracks(connection, 6)
    playlist_id = new_playlist(connection, owner, tracks)
    editing.remove_tracks(connection, playlist_id=playlist_id, actor_id=owner, positions=[4, 1, 1])
    assert order_of(connection, playlist_id) == [tracks[i] for i in (0, 2, 3, 5)]
    assert_invariants(connection, playlist_id)
    connection.commit()


@pytest.mark.parametrize(("src", "dst"), [(0, 4), (4, 0), (2, 3), (3, 1), (2, 2)])
def test_moving_a_track_keeps_positions_contiguous(
    connection: Connection, owner: int, src: int, dst: int
) -> None:
    tracks = make_tracks(connection, 5)
    playlist_id = new_playlist(connection, owner, tracks)
    editing.move_track(
        connection, playlist_id=playlist_id, actor_id=owner, from_position=src, to_position=dst
    )
    expected = list(tracks)
    expected.insert(dst, expected.pop(src))
    assert order_of(connection, playlist_id) == expected
    assert_invariants(connection, playlist_id)
    connection.commit()


def test_a_move_rewrites_only_the_rows_between_source_and_target(
    connection: Connection, owner: int
) -> None:
    tracks = make_tracks(connection, 10)
    playlist_id = new_playlist(connection, owner, tracks)
    connection.commit()
    before = set(
        connection.execute(
            text("SELECT xmin::text FROM playlist_tracks WHERE playlist_id = :p"),
            {"p": playlist_id},
        ).scalars()
    )
    editing.move_track(
        connection, playlist_id=playlist_id, actor_id=owner, from_position=3, to_position=6
    )
    connection.commit()
    rows = connection.execute(
        text("SELECT track_id, xmin::text FROM playlist_tracks WHERE playlist_id = :p"),
        {"p": playlist_id},
    ).all()
    rewritten = {tracks.index(track_id) for track_id, xmin in rows if xmin not in before}
    assert rewritten == {3, 4, 5, 6}


def test_bulk_reorder_applies_a_permutation(connection: Connection, owner: int) -> None:
    tracks = make_tracks(connection, 5)
    playlist_id = new_playlist(connection, owner, tracks)
    editing.reorder_tracks(
        connection, playlist_id=playlist_id, actor_id=owner, new_order=[4, 2, 0, 1, 3]
    )
    assert order_of(connection, playlist_id) == [tracks[i] for i in (4, 2, 0, 1, 3)]
    assert_invariants(connection, playlist_id)
    connection.commit()


@pytest.mark.parametrize("new_order", [[0, 1, 2], [0, 0, 1, 2], [0, 1, 2, 4], [0, 1, 2, True]])
def test_a_new_order_that_is_not_a_permutation_is_refused(
    connection: Connection, owner: int, new_order: list[int]
) -> None:
    tracks = make_tracks(connection, 4)
    playlist_id = new_playlist(connection, owner, tracks)
    with pytest.raises(InvalidInput):
        editing.reorder_tracks(
            connection, playlist_id=playlist_id, actor_id=owner, new_order=new_order
        )
    assert order_of(connection, playlist_id) == tracks


def test_dedupe_keeps_first_occurrences_in_order(connection: Connection, owner: int) -> None:
    a, b, c = make_tracks(connection, 3)
    playlist_id = new_playlist(connection, owner, [a, b, a, c, b, a])
    result = editing.dedupe_tracks(connection, playlist_id=playlist_id, actor_id=owner)
    assert result.track_count == 3
    assert order_of(connection, playlist_id) == [a, b, c]
    assert_invariants(connection, playlist_id)
    connection.commit()


def test_an_out_of_range_position_names_the_range(connection: Connection, owner: int) -> None:
    tracks = make_tracks(connection, 3)
    playlist_id = new_playlist(connection, owner, tracks)
    with pytest.raises(InvalidInput, match=r"has 3 tracks; position 7 is out of range 0\.\.2"):
        editing.move_track(
            connection, playlist_id=playlist_id, actor_id=owner, from_position=7, to_position=0
        )


def test_adding_an_unknown_track_adds_nothing(connection: Connection, owner: int) -> None:
    (a,) = make_tracks(connection, 1)
    playlist_id = new_playlist(connection, owner, [a])
    with pytest.raises(NotFound, match="tracks not found: 2147483000"):
        editing.add_tracks(
            connection, playlist_id=playlist_id, actor_id=owner, track_ids=[a, 2147483000]
        )
    assert order_of(connection, playlist_id) == [a]


def test_a_stale_expected_version_is_a_conflict(connection: Connection, owner: int) -> None:
    a, b = make_tracks(connection, 2)
    playlist_id = new_playlist(connection, owner, [a])
    first = editing.add_tracks(
        connection, playlist_id=playlist_id, actor_id=owner, track_ids=[b], expected_version=2
    )
    assert first.version == 3
    with pytest.raises(Conflict, match="at version 3"):
        editing.move_track(
            connection,
            playlist_id=playlist_id,
            actor_id=owner,
            from_position=0,
            to_position=1,
            expected_version=2,
        )


def test_total_duration_follows_a_change_of_a_tracks_duration(
    connection: Connection, owner: int
) -> None:
    a, b = make_tracks(connection, 2, duration_ms=1000)
    playlist_id = new_playlist(connection, owner, [a, b, a])
    other = new_playlist(connection, owner, [a])
    connection.execute(
        text("UPDATE tracks SET duration_ms = duration_ms + 500 WHERE id IN (:a, :b)"),
        {"a": a, "b": b},
    )
    connection.execute(text("UPDATE tracks SET duration_ms = NULL WHERE id = :b"), {"b": b})
    total = connection.execute(
        text("SELECT total_duration_ms FROM playlists WHERE id = :p"), {"p": playlist_id}
    ).scalar_one()
    assert total == 2 * 1500
    assert_invariants(connection, playlist_id)
    assert_invariants(connection, other)


def test_total_duration_follows_a_track_merge(connection: Connection, owner: int) -> None:
    a, b = make_tracks(connection, 2, duration_ms=1000)
    playlist_id = new_playlist(connection, owner, [a, a])
    connection.execute(
        text("UPDATE playlist_tracks SET track_id = :b WHERE track_id = :a"), {"a": a, "b": b}
    )
    assert_invariants(connection, playlist_id)


def test_editing_a_smart_playlist_by_hand_is_refused(connection: Connection, owner: int) -> None:
    (a,) = make_tracks(connection, 1)
    playlist_id = manage.create_playlist(
        connection, owner_id=owner, name="Smart", dynamic_rules={"all": [{"gt": {"energy": 0.5}}]}
    )
    with pytest.raises(Conflict, match="smart playlist"):
        editing.add_tracks(connection, playlist_id=playlist_id, actor_id=owner, track_ids=[a])
