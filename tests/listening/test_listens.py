"""Listens, playing-now, feedback, stats and the interaction history, as services."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Connection

from searxng_cool.errors import InvalidInput, NotFound
from searxng_cool.listening import feedback, history, listens, playing_now, stats
from tests import factories

AT = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def _listen(n: int, *, minutes: int = 0, **info: object) -> listens.ListenInput:
    metadata: dict[str, object] = {"track_name": f"Song {n}", "artist_name": f"Band {n % 2}"}
    if info:
        metadata["additional_info"] = dict(info)
    return listens.ListenInput(listened_at=AT + timedelta(minutes=minutes), track_metadata=metadata)


def test_the_same_listen_twice_is_one_play_and_one_catalog_track(connection: Connection) -> None:
    user = factories.user(connection)
    first = listens.submit_listens(connection, user_id=user, listens=[_listen(1), _listen(1)])
    again = listens.submit_listens(connection, user_id=user, listens=[_listen(1)])
    assert (first.recorded, first.already_recorded) == (1, 1)
    assert (again.recorded, again.already_recorded) == (0, 1)
    assert listens.listen_count(connection, user_id=user) == 1


def test_a_listen_with_a_musicbrainz_id_resolves_to_the_track_that_has_it(
    connection: Connection,
) -> None:
    user = factories.user(connection)
    mbid = "5b11f4ce-a62d-471e-81fc-a69a8278c7da"
    listens.submit_listens(connection, user_id=user, listens=[_listen(1, recording_mbid=mbid)])
    renamed = listens.ListenInput(
        listened_at=AT + timedelta(hours=1),
        track_metadata={
            "track_name": "Another Spelling",
            "artist_name": "Band 1",
            "additional_info": {"recording_mbid": mbid},
        },
    )
    listens.submit_listens(connection, user_id=user, listens=[renamed])
    newest, oldest = listens.list_listens(connection, user_id=user)
    assert newest.track_id == oldest.track_id
    assert newest.track_metadata["track_name"] == "Another Spelling"
    assert listens.track_of_recording(connection, recording_id=mbid) == newest.track_id
    assert listens.musicbrainz_ids(connection, track_ids=[newest.track_id]) == {
        newest.track_id: mbid
    }


def test_a_malformed_isrc_is_left_out_rather_than_refusing_the_listen(
    connection: Connection,
) -> None:
    user = factories.user(connection)
    report = listens.submit_listens(connection, user_id=user, listens=[_listen(1, isrc="nope")])
    assert report.recorded == 1


def test_listens_page_newest_first_before_max_ts_or_right_after_min_ts(
    connection: Connection,
) -> None:
    user = factories.user(connection)
    listens.submit_listens(
        connection, user_id=user, listens=[_listen(n, minutes=n) for n in range(10)]
    )
    before = listens.list_listens(
        connection, user_id=user, max_ts=AT + timedelta(minutes=5), count=2
    )
    assert [x.listened_at for x in before] == [AT + timedelta(minutes=m) for m in (4, 3)]
    after = listens.list_listens(
        connection, user_id=user, min_ts=AT + timedelta(minutes=5), count=2
    )
    assert [x.listened_at for x in after] == [AT + timedelta(minutes=m) for m in (7, 6)]


def test_a_deleted_listen_is_gone_and_an_unknown_recording_id_is_refused(
    connection: Connection,
) -> None:
    user = factories.user(connection)
    listens.submit_listens(connection, user_id=user, listens=[_listen(1)])
    (listen,) = listens.list_listens(connection, user_id=user)
    track = listens.track_of_recording(connection, recording_id=listen.recording_msid)
    assert listens.delete_listen(connection, user_id=user, track_id=track, listened_at=AT) == 1
    assert listens.listen_count(connection, user_id=user) == 0
    with pytest.raises(NotFound):
        listens.track_of_recording(connection, recording_id=listens.recording_msid(999_999))
    with pytest.raises(InvalidInput):
        listens.track_of_recording(connection, recording_id="\x00 not a uuid")


def test_playing_now_is_replaced_and_expires(connection: Connection) -> None:
    user = factories.user(connection)
    assert playing_now.get_playing_now(connection, user_id=user) is None
    playing_now.set_playing_now(connection, user_id=user, track_metadata={"track_name": "A"})
    playing_now.set_playing_now(
        connection, user_id=user, track_metadata={"track_name": "B"}, duration=timedelta(minutes=3)
    )
    now = playing_now.get_playing_now(connection, user_id=user)
    assert now is not None
    assert now.track_metadata == {"track_name": "B"}
    assert now.expires_at - now.started_at == timedelta(minutes=3)
    connection.exec_driver_sql(
        "UPDATE playing_now SET started_at = started_at - interval '1 hour', expires_at = expires_at - interval '1 hour'"
    )
    assert playing_now.get_playing_now(connection, user_id=user) is None


def test_feedback_is_the_latest_of_like_dislike_and_withdrawal(connection: Connection) -> None:
    user, first, second = (
        factories.user(connection),
        factories.track(connection),
        factories.track(connection),
    )
    feedback.give_feedback(connection, user_id=user, track_id=first, score=1)
    feedback.give_feedback(connection, user_id=user, track_id=second, score=1)
    feedback.give_feedback(connection, user_id=user, track_id=second, score=-1)
    items, total = feedback.list_feedback(connection, user_id=user)
    assert total == 2
    assert {(x.track_id, x.score) for x in items} == {(first, 1), (second, -1)}
    feedback.give_feedback(connection, user_id=user, track_id=first, score=0)
    loved, total = feedback.list_feedback(connection, user_id=user, score=1)
    assert (loved, total) == ([], 0)
    with pytest.raises(InvalidInput):
        feedback.give_feedback(connection, user_id=user, track_id=first, score=2)


def test_stats_count_plays_per_artist_recording_and_release_within_the_range(
    connection: Connection,
) -> None:
    user = factories.user(connection)
    artist = factories.artist(connection, name="Counted")
    album = factories.album(connection, artist_id=artist, title="The Record")
    hit = factories.track(connection, artist_id=artist, album_id=album, title="Hit")
    other = factories.track(connection, artist_id=artist, title="Other")
    now = datetime.now(UTC)
    for track, when in ((hit, now), (hit, now), (other, now), (hit, now - timedelta(days=400))):
        factories.interaction(connection, user_id=user, track_id=track, created_at=when)
    artists = stats.top_entities(connection, user_id=user, entity="artists", stats_range="year")
    assert [(a["artist_name"], a["listen_count"]) for a in artists.items] == [("Counted", 3)]
    everything = stats.top_entities(connection, user_id=user, entity="recordings")
    assert [(r["track_name"], r["listen_count"]) for r in everything.items] == [
        ("Hit", 3),
        ("Other", 1),
    ]
    releases = stats.top_entities(connection, user_id=user, entity="releases", stats_range="week")
    assert [(r["release_name"], r["listen_count"]) for r in releases.items] == [("The Record", 2)]
    assert stats.chart_tracks(connection, stats_range="month") == [(hit, 2), (other, 1)]
    with pytest.raises(InvalidInput):
        stats.top_entities(connection, user_id=user, entity="artists", stats_range="decade")


def test_the_interaction_history_pages_newest_first_without_repeats(connection: Connection) -> None:
    user, track = factories.user(connection), factories.track(connection)
    for minutes in range(5):
        factories.interaction(
            connection, user_id=user, track_id=track, created_at=AT + timedelta(minutes=minutes)
        )
    seen, cursor = [], None
    while True:
        page = history.list_interactions(connection, user_id=user, limit=2, cursor=cursor)
        seen += [x.created_at for x in page.items]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == [AT + timedelta(minutes=m) for m in (4, 3, 2, 1, 0)]
    with pytest.raises(InvalidInput):
        history.list_interactions(connection, user_id=user, cursor="garbage!")


def test_a_repeat_listen_of_a_mapped_track_takes_that_track_without_a_new_one(
    connection: Connection,
) -> None:
    user = factories.user(connection)
    listens.submit_listens(connection, user_id=user, listens=[_listen(3)])
    tracks_before = connection.exec_driver_sql("SELECT count(*) FROM tracks").scalar_one()
    listens.submit_listens(connection, user_id=user, listens=[_listen(3, minutes=5)])
    assert connection.exec_driver_sql("SELECT count(*) FROM tracks").scalar_one() == tracks_before
    newest, oldest = listens.list_listens(connection, user_id=user)
    assert newest.track_id == oldest.track_id
