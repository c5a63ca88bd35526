"""Validation of single records against the quirks of the real files (no database)."""

from __future__ import annotations

import json

import pytest

from searxng_cool.catalog.reader import apply_mapping, load_mapping
from searxng_cool.catalog.records import RecordRejected, parse_record

SPOTIFY_ROW = {
    "track_id": "0r7CVbZTWZgbTCYdfa2P31",
    "track_name": "Memories - Dillon Francis Remix",
    "track_artist": "Maroon 5",
    "track_popularity": "67",
    "track_album_id": "63rPSO",
    "track_album_name": "Memories (Dillon Francis Remix)",
    "track_album_release_date": "2019",
    "playlist_genre": "pop",
    "playlist_subgenre": "dance pop",
    "danceability": "0.726",
    "energy": "0.815",
    "key": "11",
    "loudness": "-4.969",
    "mode": "1",
    "speechiness": "0.0373",
    "acousticness": "0.0724",
    "instrumentalness": "2.33e-5",
    "liveness": "0.357",
    "valence": "0.693",
    "tempo": "0",
    "duration_ms": "162600",
}


def spotify(**changes: str) -> dict[str, object]:
    return apply_mapping(load_mapping(format_name="spotify-songs"), {**SPOTIFY_ROW, **changes})


def test_spotify_row_keeps_features_popularity_genres_and_year_precision() -> None:
    record = parse_record(spotify(), 2)
    features = json.loads(record.audio_features or "{}")
    assert features["instrumentalness"] == pytest.approx(2.33e-5)
    assert features["key"] == 11
    assert "tempo" not in features  # 0 means the analyser found no beat
    assert record.popularity == 67
    assert record.genres == ["pop", "dance pop"]
    assert record.release_precision == "year"
    assert record.source_uri == "spotify:track:0r7CVbZTWZgbTCYdfa2P31"


def test_spotify_na_row_is_rejected_for_its_missing_artist() -> None:
    with pytest.raises(RecordRejected, match="artist is missing"):
        parse_record(spotify(track_artist="NA", track_name="NA"), 9)


def test_lastfm_scrobble_with_timestamp_zero_has_no_play_time_and_album_zero_is_absent() -> None:
    mapping = load_mapping(format_name="lastfm-scrobbles")
    row = {
        "artist": "Sigur Rós",
        "artist_mbid": "",
        "album": "0",
        "album_mbid": "",
        "track": "Hoppípolla",
        "track_mbid": "",
        "timestamp": "0",
        "datetime": "",
    }
    record = parse_record(apply_mapping(mapping, row), 5)
    assert record.played_at is None
    assert record.album is None
    assert record.source_id == "Sigur Rós/_/Hoppípolla"
    assert record.source_uri == "https://www.last.fm/music/Sigur%20R%C3%B3s/_/Hopp%C3%ADpolla"
