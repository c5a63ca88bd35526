"""User music profiles: weights by kind, decay, genres, incremental == rebuild, settings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, text

from searxng_cool.errors import InvalidInput
from searxng_cool.listening.profile_settings import validate_discovery_settings
from searxng_cool.listening.profile_state import interaction_weight
from searxng_cool.listening.profiles import (
    load_profile,
    rebuild_profiles,
    record_event,
    set_discovery_settings,
)
from tests import factories
from tests.music_catalog import CatalogTrack, make_catalog

NOW = datetime(2026, 11, 24, 12, tzinfo=UTC)


@pytest.fixture
def catalog(connection: Connection) -> list[CatalogTrack]:
    return make_catalog(connection, artists=12, per_artist=4)


def event(
    connection: Connection,
    user: int,
    track: int,
    kind: str,
    at: datetime,
    *,
    duration: int | None = None,
) -> None:
    """Log the event and fold it into the profile, as the recording API does."""
    factories.interaction(
        connection,
        user_id=user,
        track_id=track,
        interaction_type=kind,
        play_duration_ms=duration,
        created_at=at,
    )
    record_event(
        connection,
        user_id=user,
        track_id=track,
        interaction_type=kind,
        occurred_at=at,
        play_duration_ms=duration,
    )


def documents(connection: Connection, user: int) -> tuple[dict[str, Any], dict[str, Any]]:
    row = connection.execute(
        text(
            "SELECT audio_preferences, genre_preferences FROM user_music_profiles WHERE user_id = :u"
        ),
        {"u": user},
    ).one()
    return row[0], row[1]


def test_a_like_weighs_more_than_a_full_play_which_weighs_more_than_a_partial_play() -> None:
    like = interaction_weight("like", None, 200_000)
    full = interaction_weight("play", 190_000, 200_000)
    partial = interaction_weight("play", 60_000, 200_000)
    skip = interaction_weight("skip", None, 200_000)
    assert like > full > partial > 0 > skip


def test_older_events_weigh_less_than_recent_ones(
    connection: Connection, catalog: list[CatalogTrack]
) -> None:
    user = factories.user(connection)
    calm = min(catalog, key=lambda t: t.energy)
    loud = max(catalog, key=lambda t: t.energy)
    event(connection, user, calm.id, "like", NOW - timedelta(days=365))
    event(connection, user, loud.id, "like", NOW)
    centre = documents(connection, user)[0]["features"]["energy"]["centre"]
    assert centre > calm.energy + 0.9 * (loud.energy - calm.energy)


def test_skips_push_the_target_away_from_what_was_skipped(
    connection: Connection, catalog: list[CatalogTrack]
) -> None:
    plain, skipper = factories.user(connection), factories.user(connection)
    middle = sorted(catalog, key=lambda t: t.energy)[len(catalog) // 2]
    calm = min(catalog, key=lambda t: t.energy)
    for user in (plain, skipper):
        event(connection, user, middle.id, "like", NOW)
    event(connection, skipper, calm.id, "skip", NOW)
    plain_target = load_profile(connection, user_id=plain).state.target()
    skipper_target = load_profile(connection, user_id=skipper).state.target()
    assert skipper_target[1] > plain_target[1]  # energy: away from the calm track


def test_genre_preferences_are_normalised_and_skips_count_against(
    connection: Connection, catalog: list[CatalogTrack]
) -> None:
    user = factories.user(connection)
    rock = [t for t in catalog if t.genre == "rock"]
    jazz = [t for t in catalog if t.genre == "jazz"]
    pop = [t for t in catalog if t.genre == "pop"]
    event(connection, user, rock[0].id, "like", NOW)
    event(connection, user, jazz[0].id, "play", NOW)
    event(connection, user, pop[0].id, "skip", NOW)
    genres = documents(connection, user)[1]
    weights = genres["weights"]
    assert set(weights) == {"rock", "jazz"}
    assert genres["mass"]["pop"] < 0
    assert weights["rock"] > weights["jazz"]
    assert sum(weights.values()) == pytest.approx(1.0)


def test_incremental_updates_give_the_same_profile_as_a_full_rebuild(
    connection: Connection, catalog: list[CatalogTrack]
) -> None:
    users = [factories.user(connection) for _ in range(3)]
    kinds = ["like", "play", "skip", "save", "dislike", "play", "share", "unlike"]
    for n in range(24):
        user, track = users[n % 3], catalog[(n * 7) % len(catalog)]
        at = NOW - timedelta(days=(n * 13) % 40, hours=n)  # arrives out of order
        event(
            connection,
            user,
            track.id,
            kinds[n % len(kinds)],
            at,
            duration=40_000 if n % 4 == 1 else None,
        )
    incremental = {u: documents(connection, u) for u in users}
    progress: list[tuple[int, int]] = []
    assert (
        rebuild_profiles(connection, chunk_size=2, on_progress=lambda d, t: progress.append((d, t)))
        == 3
    )
    assert progress == [(2, 3), (3, 3)]
    for user in users:
        audio, genres = documents(connection, user)
        before_audio, before_genres = incremental[user]
        assert audio["as_of"] == before_audio["as_of"]
        for name, feature in audio["features"].items():
            assert feature["centre"] == pytest.approx(before_audio["features"][name]["centre"])
            assert feature["spread"] == pytest.approx(
                before_audio["features"][name]["spread"], abs=1e-6
            )
        assert audio["liked_weight"] == pytest.approx(before_audio["liked_weight"])
        assert genres["weights"] == pytest.approx(before_genres["weights"])


def test_last_updated_moves_when_an_event_arrives(
    connection: Connection, catalog: list[CatalogTrack]
) -> None:
    user = factories.user(connection)
    event(connection, user, catalog[0].id, "like", NOW)
    connection.execute(
        text("UPDATE user_music_profiles SET last_updated = now() - interval '1 day'")
    )
    event(connection, user, catalog[1].id, "like", NOW)
    fresh = connection.execute(
        text("SELECT last_updated > now() - interval '1 minute' FROM user_music_profiles")
    ).scalar_one()
    assert fresh


def test_discovery_settings_fill_defaults_and_merge_changes(connection: Connection) -> None:
    user = factories.user(connection)
    assert set_discovery_settings(connection, user_id=user, changes={"novelty": 0.9}) == {
        "novelty": 0.9,
        "energy_range": [0.0, 1.0],
        "excluded_genres": [],
    }
    merged = set_discovery_settings(
        connection, user_id=user, changes={"excluded_genres": [" edm "]}
    )
    assert merged["novelty"] == 0.9
    assert merged["excluded_genres"] == ["edm"]


@pytest.mark.parametrize(
    ("settings_in", "message"),
    [
        ({"novelty": 2}, "novelty must be a number from 0 to 1, got 2"),
        ({"novelty": True}, "novelty must be a number"),
        ({"energy_range": [0.8, 0.2]}, "low 0.8 is above high 0.2"),
        ({"energy_range": [0.1]}, "energy_range must be"),
        ({"excluded_genres": ["", "rock"]}, "is not a genre name"),
        ({"excluded_genre": ["rock"]}, "unknown discovery setting"),
    ],
)
def test_bad_discovery_settings_are_refused_and_nothing_is_stored(
    connection: Connection, settings_in: dict[str, Any], message: str
) -> None:
    user = factories.user(connection)
    with pytest.raises(InvalidInput, match=message):
        set_discovery_settings(connection, user_id=user, changes=settings_in)
    assert connection.execute(text("SELECT count(*) FROM user_music_profiles")).scalar_one() == 0


json_values = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=True) | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=10,
)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(
    raw=st.dictionaries(
        st.sampled_from(
            ["novelty", "energy_range", "excluded_genres", "other", "'; DROP TABLE users"]
        ),
        json_values,
        max_size=3,
    )
)
def test_any_settings_are_either_refused_clearly_or_valid(raw: dict[str, Any]) -> None:
    try:
        clean = validate_discovery_settings(raw)
    except InvalidInput:
        return  # refused with the project's error, which the edges show as one clear line
    assert 0 <= clean["novelty"] <= 1
    assert 0 <= clean["energy_range"][0] <= clean["energy_range"][1] <= 1
    assert all(isinstance(g, str) and g.strip() for g in clean["excluded_genres"])


def test_a_rebuild_limited_to_some_users_leaves_the_others_alone(
    connection: Connection, catalog: list[CatalogTrack]
) -> None:
    touched, untouched = factories.user(connection), factories.user(connection)
    for user in (touched, untouched):
        factories.interaction(
            connection, user_id=user, track_id=catalog[0].id, interaction_type="like"
        )
    assert rebuild_profiles(connection, user_ids=[touched]) == 1
    profiled = connection.execute(text("SELECT user_id FROM user_music_profiles")).scalars().all()
    assert profiled == [touched]
