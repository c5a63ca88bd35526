"""Entity resolution rules, on real PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
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


def features(**changes: float) -> dict[str, float]:
    """An audio analysis; `changes` make another one."""
    analysis = {
        "danceability": 0.61, "energy": 0.72, "key": 5, "loudness": -6.2, "mode": 1,
        "speechiness": 0.04, "acousticness": 0.12, "instrumentalness": 0.0, "liveness": 0.11,
        "valence": 0.55, "tempo": 118.0,
    }  # fmt: skip
    return {**analysis, **changes}


DIFFERENT = {"energy": 0.45, "valence": 0.3, "tempo": 124.0, "loudness": -9.0}


def test_album_and_single_versions_seconds_apart_with_different_audio_stay_apart(
    engine: Engine, tmp_path: Path
) -> None:
    ingest_records(
        engine,
        tmp_path,
        [
            rec("spotify", "s1", "Halo", "Act", duration_ms=300000, audio_features=features()),
            rec(
                "spotify",
                "s2",
                "Halo",
                "Act",
                duration_ms=307500,
                audio_features=features(**DIFFERENT),
            ),
        ],
    )
    assert track_of(engine, "spotify", "s1") != track_of(engine, "spotify", "s2")


def test_a_fade_seconds_longer_with_agreeing_audio_is_the_same_recording(
    engine: Engine, tmp_path: Path
) -> None:
    ingest_records(
        engine,
        tmp_path,
        [
            rec("spotify", "s1", "Halo", "Act", duration_ms=300000, audio_features=features()),
            rec(
                "spotify",
                "s2",
                "Halo",
                "Act",
                duration_ms=306500,
                audio_features=features(energy=0.75, liveness=0.3),
            ),
        ],
    )
    assert track_of(engine, "spotify", "s1") == track_of(engine, "spotify", "s2")


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Halo - Remastered 2011", "Halo - 2011 Remaster"),
        ("Halo (feat. Someone)", "Halo (feat.- Someone)"),
        ("Halo - Edit", "Halo - Radio Edit"),
        ("Halo", "Halo - Remastered"),
        ("Halo", "Halo - Single Version"),
    ],
)
def test_differently_worded_tags_on_the_same_audio_merge(
    engine: Engine, tmp_path: Path, left: str, right: str
) -> None:
    ingest_records(
        engine,
        tmp_path,
        [
            rec("spotify", "s1", left, "Act", duration_ms=241000, audio_features=features()),
            rec(
                "deezer",
                "d1",
                right,
                "Act",
                duration_ms=241000,
                audio_features=features(energy=0.721, loudness=-6.25),
            ),
        ],
    )
    assert track_of(engine, "spotify", "s1") == track_of(engine, "deezer", "d1")


def test_a_remix_of_the_same_length_with_different_audio_stays_apart(
    engine: Engine, tmp_path: Path
) -> None:
    ingest_records(
        engine,
        tmp_path,
        [
            rec("spotify", "s1", "Halo", "Act", duration_ms=241000, audio_features=features()),
            rec(
                "spotify",
                "s2",
                "Halo - Someone Remix",
                "Act",
                duration_ms=241000,
                audio_features=features(**DIFFERENT),
            ),
        ],
    )
    assert track_of(engine, "spotify", "s1") != track_of(engine, "spotify", "s2")


def test_a_chain_of_releases_never_merges_its_far_ends(engine: Engine, tmp_path: Path) -> None:
    # Each release 4 s from the next: 0 and 8 s are not one recording by the evidence.
    ingest_records(
        engine,
        tmp_path,
        [
            rec(
                "spotify",
                f"s{n}",
                "Halo",
                "Act",
                duration_ms=300000 + 4000 * n,
                audio_features=features(energy=0.5 + 0.15 * n),
            )
            for n in range(3)
        ],
    )
    assert track_of(engine, "spotify", "s0") != track_of(engine, "spotify", "s2")


def test_reingest_splits_a_merge_the_evidence_no_longer_supports(
    engine: Engine, tmp_path: Path
) -> None:
    records = [
        rec("spotify", "s1", "Halo", "Act", duration_ms=300000, audio_features=features()),
        rec(
            "spotify", "s2", "Halo", "Act", duration_ms=307500, audio_features=features(**DIFFERENT)
        ),
    ]
    ingest_records(engine, tmp_path, records)
    first, second = track_of(engine, "spotify", "s1"), track_of(engine, "spotify", "s2")
    # What the old duration tolerance built: both sources on one track.
    with engine.begin() as conn:
        conn.execute(text("UPDATE track_sources SET track_id = :a WHERE track_id = :b"),
                     {"a": first, "b": second})  # fmt: skip
        conn.execute(text("DELETE FROM tracks WHERE id = :b"), {"b": second})
    summary = ingest_records(engine, tmp_path, records, "again.jsonl")
    assert track_of(engine, "spotify", "s1") == first
    assert track_of(engine, "spotify", "s2") != first
    assert count(engine, "tracks") == 2
    assert summary.inserted == 1
    # And the catalog is stable from then on.
    again = ingest_records(engine, tmp_path, records, "third.jsonl")
    assert (again.inserted, again.merged) == (0, 0)


def test_reingest_joins_records_the_old_rules_kept_apart(engine: Engine, tmp_path: Path) -> None:
    records = [
        rec("spotify", "s1", "Halo - Remastered 2011", "Act", duration_ms=241000,
            audio_features=features()),
        rec("deezer", "d1", "Halo - 2011 Remaster", "Act", duration_ms=241000,
            audio_features=features()),
    ]  # fmt: skip
    ingest_records(engine, tmp_path, records)
    kept = track_of(engine, "spotify", "s1")
    # What the old version keys built: a second track for the other spelling.
    with engine.begin() as conn:
        apart = conn.execute(
            text(
                "INSERT INTO tracks (title, artist_id, duration_ms, audio_features, title_key,"
                " version_key) SELECT 'Halo - 2011 Remaster', artist_id, duration_ms,"
                " audio_features, title_key, '2011 remaster' FROM tracks WHERE id = :id"
                " RETURNING id"
            ),
            {"id": kept},
        ).scalar_one()
        conn.execute(
            text("UPDATE track_sources SET track_id = :t WHERE source_id = 'd1'"), {"t": apart}
        )
    ingest_records(engine, tmp_path, records, "again.jsonl")
    assert track_of(engine, "deezer", "d1") == kept
    assert count(engine, "tracks") == 1
    again = ingest_records(engine, tmp_path, records, "third.jsonl")
    assert (again.inserted, again.merged) == (0, 0)
