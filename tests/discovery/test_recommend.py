"""Recommendations: profile-driven KNN, exclusions, diversity, and the index behind them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from statistics import mean

from sqlalchemy import Connection, text

from searxng_cool.discovery.recommend import CANDIDATES_SQL, Request, recommend
from searxng_cool.listening.profiles import load_profile, record_event, set_discovery_settings
from tests import factories
from tests.music_catalog import CatalogTrack

NOW = datetime(2026, 11, 24, 12, tzinfo=UTC)


def like(connection: Connection, user: int, tracks: list[CatalogTrack], kind: str = "like") -> None:
    for track in tracks:
        factories.interaction(connection, user_id=user, track_id=track.id, interaction_type=kind)
        record_event(
            connection, user_id=user, track_id=track.id, interaction_type=kind, occurred_at=NOW
        )


def recommend_for(
    connection: Connection, user: int, limit: int = 10, **options: object
) -> list[int]:
    profile = load_profile(connection, user_id=user)
    request = Request(
        target=profile.state.target(),
        anchor="tracks you liked",
        limit=limit,
        **options,  # type: ignore[arg-type]
    )
    return [r.track_id for r in recommend(connection, profile=profile, request=request)]


def energy(catalog: list[CatalogTrack], ids: list[int]) -> float:
    by_id = {t.id: t.energy for t in catalog}
    return mean(by_id[i] for i in ids)


def test_a_user_who_likes_loud_tracks_gets_louder_recommendations_than_a_calm_listener(
    connection: Connection, catalog: list[CatalogTrack]
) -> None:
    loud_fan, calm_fan = factories.user(connection), factories.user(connection)
    ranked = sorted(catalog, key=lambda t: t.energy)
    like(connection, loud_fan, ranked[-8:])
    like(connection, calm_fan, ranked[:8])
    loud = recommend_for(connection, loud_fan)
    calm = recommend_for(connection, calm_fan)
    assert energy(catalog, loud) > energy(catalog, calm) + 0.3
    assert energy(catalog, loud) > 0.6
    assert energy(catalog, calm) < 0.4


def test_already_liked_tracks_are_left_out_unless_asked_for(
    connection: Connection, catalog: list[CatalogTrack]
) -> None:
    user = factories.user(connection)
    liked = sorted(catalog, key=lambda t: t.energy)[-4:]
    like(connection, user, liked)
    liked_ids = {t.id for t in liked}
    assert not liked_ids & set(recommend_for(connection, user, limit=20, max_per_artist=6))
    assert liked_ids & set(
        recommend_for(connection, user, limit=20, max_per_artist=6, include_liked=True)
    )


def test_recently_skipped_tracks_are_left_out_but_old_skips_are_forgiven(
    connection: Connection, catalog: list[CatalogTrack]
) -> None:
    user = factories.user(connection)
    like(connection, user, sorted(catalog, key=lambda t: t.energy)[-3:])
    before = recommend_for(connection, user, limit=6, max_per_artist=6)
    recent, old = before[0], before[1]
    factories.interaction(connection, user_id=user, track_id=recent, interaction_type="skip")
    factories.interaction(
        connection,
        user_id=user,
        track_id=old,
        interaction_type="skip",
        created_at=datetime.now(UTC) - timedelta(days=90),
    )
    after = recommend_for(connection, user, limit=30, max_per_artist=6)
    assert recent not in after
    assert old in after


def test_no_artist_gets_more_than_the_cap_in_one_batch(
    connection: Connection, catalog: list[CatalogTrack]
) -> None:
    user = factories.user(connection)
    like(connection, user, sorted(catalog, key=lambda t: t.energy)[-2:])
    by_artist = {t.id: t.artist_id for t in catalog}
    for cap in (1, 2, 3):
        picks = recommend_for(connection, user, limit=12, max_per_artist=cap)
        counts = [sum(1 for p in picks if by_artist[p] == a) for a in {by_artist[p] for p in picks}]
        assert len(picks) == 12
        assert max(counts) == cap


def test_excluded_genres_and_the_energy_range_from_the_settings_are_respected(
    connection: Connection, catalog: list[CatalogTrack]
) -> None:
    user = factories.user(connection)
    like(connection, user, sorted(catalog, key=lambda t: t.energy)[-5:])
    set_discovery_settings(
        connection, user_id=user, changes={"excluded_genres": ["edm"], "energy_range": [0.6, 0.9]}
    )
    by_id = {t.id: t for t in catalog}
    picks = recommend_for(connection, user, limit=10)
    assert picks
    assert all(by_id[p].genre != "edm" for p in picks)
    assert all(0.6 <= by_id[p].energy <= 0.9 for p in picks)


def test_a_user_without_history_gets_popular_tracks_across_genres(
    connection: Connection, catalog: list[CatalogTrack]
) -> None:
    user = factories.user(connection)
    profile = load_profile(connection, user_id=user)
    assert profile.cold_start
    assert len(profile.state.genre_weights()) >= 3
    picks = recommend_for(connection, user, limit=10)
    popularity = dict(connection.execute(text("SELECT id, popularity FROM tracks")).all())
    assert mean(popularity[p] for p in picks) > mean(popularity.values())


def test_a_new_user_with_stated_genres_starts_from_those_genres(
    connection: Connection, catalog: list[CatalogTrack]
) -> None:
    user = factories.user(connection, preferences={"genres": ["ambient"]})
    profile = load_profile(connection, user_id=user)
    assert profile.cold_start
    assert profile.state.genre_weights() == {"ambient": 1.0}
    genre = {t.id: t.genre for t in catalog}
    picks = recommend_for(connection, user, limit=10)
    assert sum(genre[p] == "ambient" for p in picks) >= 5


def test_the_knn_candidate_query_is_served_by_the_gist_index(connection: Connection) -> None:
    connection.execute(
        text(
            """
            INSERT INTO tracks (title, audio_features)
            SELECT 'T' || g, jsonb_build_object(
                'danceability', random(), 'energy', random(), 'loudness', -60 * random(),
                'speechiness', random(), 'acousticness', random(), 'instrumentalness', random(),
                'liveness', random(), 'valence', random(), 'tempo', 60 + 120 * random())
              FROM generate_series(1, 5000) g
            """
        )
    )
    connection.execute(text("ANALYZE tracks"))
    user = factories.user(connection)
    plan = connection.execute(
        text("EXPLAIN " + CANDIDATES_SQL.format(genre_filter="")),
        {
            "target": "(0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5)",
            "pool": 100,
            "user_id": user,
            "include_liked": False,
            "session_id": 0,
            "excluded": [],
            "energy_low": 0.0,
            "energy_high": 1.0,
            "valence_low": 0.0,
            "valence_high": 1.0,
            "excluded_genres": [],
        },
    ).scalars()
    text_plan = "\n".join(plan)
    assert "Index Scan using idx_tracks_audio_vector on tracks" in text_plan
    assert "Order By: (audio_vector <-> " in text_plan


def test_the_audio_vector_follows_audio_features_for_any_writer(connection: Connection) -> None:
    track = factories.track(
        connection, audio_features=factories.audio_features(energy=0.2, tempo=500)
    )
    vector = connection.execute(
        text("SELECT audio_vector::text FROM tracks WHERE id = :t"), {"t": track}
    )
    coords = [float(x) for x in vector.scalar_one().strip("()").split(",")]
    assert coords[1] == 0.2
    assert coords[-1] == 1.0  # tempo clamped to the top of its range
    connection.execute(
        text(
            "UPDATE tracks SET audio_features = audio_features || '{\"energy\": 0.9}' WHERE id = :t"
        ),
        {"t": track},
    )
    energy_now = connection.execute(
        text("SELECT cube_ll_coord(audio_vector, 2) FROM tracks WHERE id = :t"), {"t": track}
    ).scalar_one()
    assert energy_now == 0.9
    connection.execute(
        text(
            'UPDATE tracks SET audio_features = audio_features || \'{"energy": "loud"}\' WHERE id = :t'
        ),
        {"t": track},
    )
    missing = connection.execute(
        text("SELECT audio_vector IS NULL FROM tracks WHERE id = :t"), {"t": track}
    ).scalar_one()
    assert missing


def test_the_novelty_setting_trades_familiar_tracks_for_new_ones(
    connection: Connection, catalog: list[CatalogTrack]
) -> None:
    user = factories.user(connection)
    played = sorted(catalog, key=lambda t: t.energy)[-12:]
    like(connection, user, played, kind="play")
    played_ids = {t.id for t in played}
    set_discovery_settings(connection, user_id=user, changes={"novelty": 0.0})
    familiar = set(recommend_for(connection, user, limit=10, max_per_artist=6))
    set_discovery_settings(connection, user_id=user, changes={"novelty": 1.0})
    adventurous = set(recommend_for(connection, user, limit=10, max_per_artist=6))
    assert len(familiar & played_ids) > len(adventurous & played_ids)
