"""Discovery sessions on real PostgreSQL: batches, actions, feedback, refusals."""

from __future__ import annotations

from statistics import mean

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, text

from searxng_cool.discovery import sessions
from searxng_cool.errors import Conflict, InvalidInput, NotFound
from searxng_cool.listening.recording import record_interaction
from tests import factories
from tests.music_catalog import CatalogTrack


def energy_of(catalog: list[CatalogTrack], track_ids: list[int]) -> float:
    by_id = {t.id: t.energy for t in catalog}
    return mean(by_id[i] for i in track_ids)


def start(
    connection: Connection, user_id: int, session_type: str = "genre", **parameters: object
) -> int:
    parameters = parameters or ({"genre": "rock"} if session_type == "genre" else {})
    return sessions.start_session(
        connection, user_id=user_id, session_type=session_type, parameters=parameters
    )


def test_positions_continue_across_batches_and_every_track_is_recorded(
    connection: Connection, catalog: list[CatalogTrack]
) -> None:
    user = factories.user(connection)
    sid = start(connection, user, "mood", mood="happy", batch_size=5)
    first = sessions.next_batch(connection, session_id=sid)
    second = sessions.next_batch(connection, session_id=sid, size=3)
    assert [p.position for p in first + second] == list(range(8))
    recorded = sessions.presented_tracks(connection, session_id=sid)
    assert [r.track_id for r in recorded] == [p.track_id for p in first + second]


def test_every_presented_track_stores_its_score_and_reasons(
    connection: Connection, catalog: list[CatalogTrack]
) -> None:
    user = factories.user(connection)
    sid = start(connection, user, "mood", mood="calm")
    sessions.next_batch(connection, session_id=sid)
    for row in sessions.presented_tracks(connection, session_id=sid):
        assert row.score > 0
        assert row.reasons[0].startswith("close in ")
        assert "the calm you asked for" in row.reasons[0]


def test_skipped_tracks_never_come_back_in_the_same_session(
    connection: Connection, catalog: list[CatalogTrack]
) -> None:
    user = factories.user(connection)
    sid = start(connection, user, "mood", mood="energetic", batch_size=8)
    skipped: set[int] = set()
    seen: list[int] = []
    for _ in range(6):
        batch = sessions.next_batch(connection, session_id=sid)
        seen += [p.track_id for p in batch]
        assert skipped.isdisjoint(p.track_id for p in batch)
        for presented in batch[:4]:
            sessions.record_action(
                connection, session_id=sid, track_id=presented.track_id, action="skipped"
            )
            skipped.add(presented.track_id)
    assert len(seen) == len(set(seen))


def test_the_next_batch_changes_after_feedback(
    connection: Connection, catalog: list[CatalogTrack]
) -> None:
    with_feedback, without_feedback = factories.user(connection), factories.user(connection)
    sid_a = start(connection, with_feedback, "mood", valence=0.5, energy=0.5, batch_size=10)
    sid_b = start(connection, without_feedback, "mood", valence=0.5, energy=0.5, batch_size=10)
    first_a = sessions.next_batch(connection, session_id=sid_a)
    first_b = sessions.next_batch(connection, session_id=sid_b)
    assert [p.track_id for p in first_a] == [p.track_id for p in first_b]

    by_energy = sorted(first_a, key=lambda p: energy_of(catalog, [p.track_id]))
    for loud in by_energy[-3:]:
        sessions.record_action(connection, session_id=sid_a, track_id=loud.track_id, action="liked")
    for calm in by_energy[:3]:
        sessions.record_action(
            connection, session_id=sid_a, track_id=calm.track_id, action="skipped"
        )

    second_a = [p.track_id for p in sessions.next_batch(connection, session_id=sid_a)]
    second_b = [p.track_id for p in sessions.next_batch(connection, session_id=sid_b)]
    assert second_a != second_b
    assert energy_of(catalog, second_a) > energy_of(catalog, second_b)


def test_an_action_is_written_to_user_interactions_and_updates_the_profile(
    connection: Connection, catalog: list[CatalogTrack]
) -> None:
    user = factories.user(connection)
    sid = start(connection, user, "mood", mood="sad")
    presented = sessions.next_batch(connection, session_id=sid)[0]
    sessions.record_action(
        connection,
        session_id=sid,
        track_id=presented.track_id,
        action="played",
        play_duration_ms=90_000,
    )
    logged = connection.execute(
        text(
            "SELECT interaction_type, play_duration_ms, context FROM user_interactions"
            " WHERE user_id = :u"
        ),
        {"u": user},
    ).one()
    assert logged.interaction_type == "play"
    assert logged.play_duration_ms == 90_000
    assert logged.context == {"discovery_session_id": sid, "position": presented.position}
    profile = connection.execute(
        text("SELECT audio_preferences FROM user_music_profiles WHERE user_id = :u"), {"u": user}
    ).scalar_one()
    assert profile["liked_weight"] > 0
    action = connection.execute(
        text(
            "SELECT user_action FROM discovery_session_tracks WHERE session_id = :s"
            " AND track_id = :t"
        ),
        {"s": sid, "t": presented.track_id},
    ).scalar_one()
    assert action == "played"


def test_a_discovery_play_longer_than_the_track_is_refused_as_any_interaction_and_writes_nothing(
    connection: Connection, catalog: list[CatalogTrack]
) -> None:
    user = factories.user(connection)
    sid = start(connection, user, "mood", mood="happy", batch_size=1)
    shown = sessions.next_batch(connection, session_id=sid)[0]
    track_ms = connection.execute(
        text("SELECT duration_ms FROM tracks WHERE id = :t"), {"t": shown.track_id}
    ).scalar_one()
    with pytest.raises(InvalidInput) as recorded_directly:
        record_interaction(
            connection,
            user_id=user,
            track_id=shown.track_id,
            interaction_type="play",
            play_duration_ms=track_ms + 1,
        )
    with pytest.raises(InvalidInput) as acted:
        sessions.record_action(
            connection,
            session_id=sid,
            track_id=shown.track_id,
            action="played",
            play_duration_ms=track_ms + 1,
        )
    assert str(acted.value) == str(recorded_directly.value)
    assert f"is beyond the duration of track {shown.track_id} ({track_ms} ms)" in str(acted.value)
    assert connection.execute(text("SELECT count(*) FROM user_interactions")).scalar_one() == 0
    assert connection.execute(text("SELECT count(*) FROM user_music_profiles")).scalar_one() == 0
    action = connection.execute(
        text("SELECT user_action FROM discovery_session_tracks WHERE session_id = :s"),
        {"s": sid},
    ).scalar_one()
    assert action is None


def test_acting_on_a_track_that_was_not_presented_is_refused(
    connection: Connection, catalog: list[CatalogTrack]
) -> None:
    user = factories.user(connection)
    sid = start(connection, user, "mood", mood="happy", batch_size=3)
    shown = {p.track_id for p in sessions.next_batch(connection, session_id=sid)}
    never_shown = next(t.id for t in catalog if t.id not in shown)
    with pytest.raises(NotFound, match=f"track {never_shown} was not presented"):
        sessions.record_action(connection, session_id=sid, track_id=never_shown, action="liked")
    count = connection.execute(text("SELECT count(*) FROM user_interactions")).scalar_one()
    assert count == 0


def test_an_ended_session_refuses_actions_and_batches(
    connection: Connection, catalog: list[CatalogTrack]
) -> None:
    user = factories.user(connection)
    sid = start(connection, user, "mood", mood="happy", batch_size=3)
    shown = sessions.next_batch(connection, session_id=sid)
    sessions.end_session(connection, session_id=sid, feedback_score=4)
    with pytest.raises(Conflict, match=f"discovery session {sid} ended"):
        sessions.record_action(
            connection, session_id=sid, track_id=shown[0].track_id, action="liked"
        )
    with pytest.raises(Conflict, match="ended"):
        sessions.next_batch(connection, session_id=sid)
    with pytest.raises(Conflict, match="ended"):
        sessions.end_session(connection, session_id=sid, feedback_score=5)
    stored = connection.execute(
        text("SELECT feedback_score, ended_at IS NOT NULL FROM discovery_sessions WHERE id = :s"),
        {"s": sid},
    ).one()
    assert tuple(stored) == (4, True)


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    score=st.one_of(
        st.integers(max_value=0),
        st.integers(min_value=6),
        st.booleans(),
        st.floats(),
        st.text(max_size=5),
    )
)
def test_a_feedback_score_outside_1_to_5_is_refused(connection: Connection, score: object) -> None:
    user = factories.user(connection)
    sid = start(connection, user, "mood", mood="calm")
    with pytest.raises(InvalidInput, match="feedback score"):
        sessions.end_session(connection, session_id=sid, feedback_score=score)  # type: ignore[arg-type]
    ended = connection.execute(
        text("SELECT ended_at FROM discovery_sessions WHERE id = :s"), {"s": sid}
    ).scalar_one()
    assert ended is None


def test_an_unknown_action_is_refused_and_nothing_is_recorded(
    connection: Connection, catalog: list[CatalogTrack]
) -> None:
    user = factories.user(connection)
    sid = start(connection, user, "mood", mood="calm", batch_size=2)
    shown = sessions.next_batch(connection, session_id=sid)[0]
    with pytest.raises(InvalidInput, match="'loved' is not one of"):
        sessions.record_action(connection, session_id=sid, track_id=shown.track_id, action="loved")
    assert connection.execute(text("SELECT count(*) FROM user_interactions")).scalar_one() == 0


def test_a_similarity_session_returns_neighbours_of_the_seed_but_never_the_seed(
    connection: Connection, catalog: list[CatalogTrack]
) -> None:
    user = factories.user(connection)
    seed = max(catalog, key=lambda t: t.energy)
    sid = start(
        connection, user, "similarity", seed_track_id=seed.id, batch_size=6, max_per_artist=3
    )
    batch = [p.track_id for p in sessions.next_batch(connection, session_id=sid)]
    assert seed.id not in batch
    assert energy_of(catalog, batch) > 0.75


def test_a_playlist_session_finds_more_like_the_playlist_and_skips_its_tracks(
    connection: Connection, catalog: list[CatalogTrack]
) -> None:
    user = factories.user(connection)
    playlist = factories.playlist(connection, owner_id=user)
    calm = sorted(catalog, key=lambda t: t.energy)[:4]
    for position, track in enumerate(calm):
        factories.insert(
            connection,
            "playlist_tracks",
            playlist_id=playlist,
            track_id=track.id,
            position=position,
        )
    sid = start(connection, user, "playlist", playlist_id=playlist, batch_size=6, max_per_artist=3)
    batch = [p.track_id for p in sessions.next_batch(connection, session_id=sid)]
    assert not {t.id for t in calm} & set(batch)
    assert energy_of(catalog, batch) < 0.25


def test_a_genre_session_only_returns_tracks_of_that_genre(
    connection: Connection, catalog: list[CatalogTrack]
) -> None:
    user = factories.user(connection)
    sid = start(connection, user, "genre", genre="jazz", batch_size=10, max_per_artist=5)
    batch = sessions.next_batch(connection, session_id=sid)
    genres = {t.id: t.genre for t in catalog}
    assert batch
    assert {genres[p.track_id] for p in batch} == {"jazz"}


def test_a_calm_mood_session_is_calmer_than_an_energetic_one(
    connection: Connection, catalog: list[CatalogTrack]
) -> None:
    user = factories.user(connection)
    calm = start(connection, user, "mood", mood="calm")
    loud = start(connection, user, "mood", mood="energetic")
    calm_ids = [p.track_id for p in sessions.next_batch(connection, session_id=calm)]
    loud_ids = [p.track_id for p in sessions.next_batch(connection, session_id=loud)]
    assert energy_of(catalog, calm_ids) + 0.4 < energy_of(catalog, loud_ids)


@pytest.mark.parametrize(
    ("parameters", "missing"),
    [
        ({"seed_track_id": 999_999}, "seed track 999999"),
        ({"seed_artist_id": 999_999}, "seed artist"),
    ],
)
def test_a_missing_seed_is_refused_and_no_session_is_made(
    connection: Connection, parameters: dict[str, int], missing: str
) -> None:
    user = factories.user(connection)
    with pytest.raises(NotFound, match=missing):
        sessions.start_session(
            connection, user_id=user, session_type="similarity", parameters=parameters
        )
    assert connection.execute(text("SELECT count(*) FROM discovery_sessions")).scalar_one() == 0


def test_another_users_private_playlist_is_refused(connection: Connection) -> None:
    owner, other = factories.user(connection), factories.user(connection)
    playlist = factories.playlist(connection, owner_id=owner)
    with pytest.raises(NotFound, match=f"playlist {playlist} does not exist or is not visible"):
        sessions.start_session(
            connection,
            user_id=other,
            session_type="playlist",
            parameters={"playlist_id": playlist},
        )


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    action=st.text(max_size=30).filter(lambda a: a not in sessions.ACTION_INTERACTIONS),
    duration=st.none() | st.integers(max_value=-1),
)
def test_any_unknown_action_or_negative_duration_is_refused_and_nothing_changes(
    connection: Connection, action: str, duration: int | None
) -> None:
    user = factories.user(connection)
    track = factories.track(connection, audio_features=factories.audio_features())
    sid = start(connection, user, "mood", mood="calm", batch_size=1)
    shown = sessions.next_batch(connection, session_id=sid)
    target = shown[0].track_id if shown else track
    with pytest.raises(InvalidInput):
        sessions.record_action(connection, session_id=sid, track_id=target, action=action)
    if duration is not None:
        with pytest.raises(InvalidInput, match="play_duration_ms"):
            sessions.record_action(
                connection,
                session_id=sid,
                track_id=target,
                action="played",
                play_duration_ms=duration,
            )
    acted = connection.execute(
        text("SELECT count(*) FROM discovery_session_tracks WHERE user_action IS NOT NULL")
    ).scalar_one()
    assert acted == 0
