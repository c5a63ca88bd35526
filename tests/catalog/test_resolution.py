"""Entity resolution rules, on real PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

from tests.catalog.ingest_helpers import count, ingest_records, track_of


def rec(source_type: str, source_id: str, title: str, artist: str, **more: Any) -> dict[str, Any]:
    return {
        "source_type": source_type,
        "source_id": source_id,
        "title": title,
        "artist": artist,
        **more,
    }


def test_same_recording_from_two_sources_becomes_one_track_with_two_mappings(
    engine: Engine, tmp_path: Path
) -> None:
    ingest_records(
        engine, tmp_path, [rec("spotify", "s1", "Red Lights", "Tiësto", duration_ms=263000)]
    )
    summary = ingest_records(
        engine,
        tmp_path,
        [rec("deezer", "d1", "red lights", "TIESTO", duration_ms=262100)],
        "second.jsonl",
    )
    assert track_of(engine, "spotify", "s1") == track_of(engine, "deezer", "d1")
    assert count(engine, "tracks") == 1
    assert summary.merged == 1


def test_same_recording_within_one_batch_merges_too(engine: Engine, tmp_path: Path) -> None:
    ingest_records(
        engine,
        tmp_path,
        [
            rec("spotify", "s1", "Halo", "Beyoncé", duration_ms=261000),
            rec("youtube", "y1", "Halo", "Beyonce", duration_ms=261900),
        ],
    )
    assert track_of(engine, "spotify", "s1") == track_of(engine, "youtube", "y1")


def test_remix_and_live_versions_stay_separate_tracks(engine: Engine, tmp_path: Path) -> None:
    ingest_records(
        engine,
        tmp_path,
        [
            rec("spotify", "s1", "Memories", "Maroon 5", duration_ms=189000),
            rec("spotify", "s2", "Memories - Dillon Francis Remix", "Maroon 5", duration_ms=189000),
            rec("deezer", "d3", "Memories (Live)", "Maroon 5", duration_ms=189000),
        ],
    )
    ids = {
        track_of(engine, "spotify", "s1"),
        track_of(engine, "spotify", "s2"),
        track_of(engine, "deezer", "d3"),
    }
    assert len(ids) == 3


def test_remaster_tags_in_either_spelling_are_the_same_version(
    engine: Engine, tmp_path: Path
) -> None:
    ingest_records(
        engine,
        tmp_path,
        [
            rec("spotify", "s1", "Let It Be - Remastered 2009", "The Beatles", duration_ms=243000),
            rec("deezer", "d1", "Let It Be (2009 Remaster)", "The Beatles", duration_ms=243500),
        ],
    )
    assert track_of(engine, "spotify", "s1") == track_of(engine, "deezer", "d1")


def test_musicbrainz_id_beats_a_matching_name(engine: Engine, tmp_path: Path) -> None:
    first, second = "8a8c8a1e-0000-4000-8000-000000000001", "8a8c8a1e-0000-4000-8000-000000000002"
    ingest_records(
        engine,
        tmp_path,
        [
            rec("lastfm", "l1", "Intro", "The xx", track_mbid=first),
            rec("lastfm", "l2", "Intro", "The xx", track_mbid=second),
        ],
    )
    assert track_of(engine, "lastfm", "l1") != track_of(engine, "lastfm", "l2")
    ingest_records(
        engine,
        tmp_path,
        [rec("other", "o1", "Totally Different", "Someone", track_mbid=first)],
        "b.jsonl",
    )
    assert track_of(engine, "other", "o1") == track_of(engine, "lastfm", "l1")


def test_same_name_with_different_durations_stays_apart(engine: Engine, tmp_path: Path) -> None:
    ingest_records(
        engine, tmp_path, [rec("spotify", "s1", "Angel", "Massive Attack", duration_ms=379000)]
    )
    ingest_records(
        engine,
        tmp_path,
        [rec("deezer", "d1", "Angel", "Massive Attack", duration_ms=251000)],
        "b.jsonl",
    )
    assert track_of(engine, "spotify", "s1") != track_of(engine, "deezer", "d1")


def test_isrc_merges_differently_spelled_titles(engine: Engine, tmp_path: Path) -> None:
    ingest_records(
        engine,
        tmp_path,
        [
            rec("spotify", "s1", "Song Two", "Blur", isrc="GBAYE9600001", duration_ms=122000),
            rec("deezer", "d1", "Song 2", "Blur", isrc="GB-AYE-96-00001", duration_ms=122000),
        ],
    )
    assert track_of(engine, "spotify", "s1") == track_of(engine, "deezer", "d1")


def test_featured_artists_are_credited_and_spellings_become_aliases(
    engine: Engine, tmp_path: Path
) -> None:
    ingest_records(
        engine,
        tmp_path,
        [
            rec(
                "spotify", "s1", "Beautiful People (feat. Khalid)", "Ed Sheeran", duration_ms=197000
            ),
            rec("lastfm", "l1", "Beautiful People", "ed sheeran ft. Khalid"),
        ],
    )
    assert track_of(engine, "spotify", "s1") == track_of(engine, "lastfm", "l1")
    with engine.connect() as conn:
        credited = (
            conn.execute(
                text("SELECT a.name FROM track_credits c JOIN artists a ON a.id = c.artist_id")
            )
            .scalars()
            .all()
        )
        aliases = conn.execute(
            text("SELECT aliases FROM artists WHERE name = 'Ed Sheeran'")
        ).scalar_one()
    assert credited == ["Khalid"]
    assert aliases == ["ed sheeran"]


def test_spotify_genres_go_to_the_album_and_the_artist(engine: Engine, tmp_path: Path) -> None:
    ingest_records(
        engine,
        tmp_path,
        [
            rec("spotify", "s1", "Tusk", "Fleetwood Mac", album="Tusk", genres=["rock"]),
            rec("spotify", "s1", "Tusk", "Fleetwood Mac", album="Tusk", genres=["album rock"]),
        ],
    )
    with engine.connect() as conn:
        artist = conn.execute(text("SELECT genres FROM artists")).scalar_one()
        album = conn.execute(text("SELECT genres FROM albums")).scalar_one()
    assert sorted(artist) == sorted(album) == ["album rock", "rock"]
