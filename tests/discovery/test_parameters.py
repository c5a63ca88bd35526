"""Session parameters: each type's documented shape is enforced, hostile input refused."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from searxng_cool.discovery.parameters import validate_parameters
from searxng_cool.errors import InvalidInput


def test_a_named_mood_becomes_its_target_with_the_common_defaults() -> None:
    assert validate_parameters("mood", {"mood": "calm"}) == {
        "mood": "calm",
        "valence": 0.5,
        "energy": 0.2,
        "batch_size": 10,
        "max_per_artist": 2,
        "include_liked": False,
    }


def test_explicit_valence_overrides_the_named_mood() -> None:
    assert validate_parameters("mood", {"mood": "sad", "valence": 0.4})["valence"] == 0.4


@pytest.mark.parametrize(
    ("session_type", "parameters", "message"),
    [
        ("radio", {}, "session type 'radio' is not one of mood, genre, similarity, playlist"),
        ("mood", {}, "needs `mood` or `valence`/`energy`"),
        ("mood", {"mood": "ecstatic"}, "mood 'ecstatic' is not one of"),
        ("mood", {"energy": 1.5}, "energy must be a number from 0 to 1, got 1.5"),
        (
            "mood",
            {"mood": "calm", "genre": "rock"},
            "unknown parameter(s) for a mood session: 'genre'",
        ),
        ("genre", {}, "needs `genre`"),
        ("genre", {"genre": "   "}, "needs `genre`"),
        ("similarity", {}, "exactly one of seed_track_id, seed_artist_id"),
        ("similarity", {"seed_track_id": 1, "seed_artist_id": 2}, "exactly one of"),
        ("similarity", {"seed_track_id": "7"}, "seed_track_id must be an integer"),
        ("similarity", {"seed_track_id": 0}, "seed_track_id must be an integer from 1"),
        ("playlist", {}, "needs `playlist_id`"),
        (
            "playlist",
            {"playlist_id": 3, "batch_size": 500},
            "batch_size must be an integer from 1 to 50",
        ),
        ("genre", {"genre": "rock", "include_liked": "yes"}, "include_liked must be true or false"),
        ("genre", {"genre": "rock", "max_per_artist": 0}, "max_per_artist must be"),
    ],
)
def test_invalid_parameters_are_refused_with_the_bad_value_named(
    session_type: str, parameters: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        validate_parameters(session_type, parameters)
    assert message in str(refused.value)


json_values = st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
KEYS = [
    "mood",
    "valence",
    "energy",
    "genre",
    "seed_track_id",
    "seed_artist_id",
    "playlist_id",
    "batch_size",
    "max_per_artist",
    "include_liked",
    "x'); DROP TABLE tracks; --",
    "ü🎵",
]


@settings(max_examples=400)
@given(
    session_type=st.sampled_from(["mood", "genre", "similarity", "playlist"])
    | st.text(max_size=10),
    raw=st.dictionaries(st.sampled_from(KEYS), json_values, max_size=4) | json_values,
)
def test_any_parameters_are_either_refused_clearly_or_valid(session_type: str, raw: Any) -> None:
    try:
        clean = validate_parameters(session_type, raw)
    except InvalidInput:
        return  # refused with the project's error, which the edges show as one clear line
    assert 1 <= clean["batch_size"] <= 50
    assert 1 <= clean["max_per_artist"] <= 10
    assert isinstance(clean["include_liked"], bool)
    assert set(clean) <= set(KEYS)
