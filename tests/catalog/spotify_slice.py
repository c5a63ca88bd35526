"""Load a slice of the public Spotify songs export with plain set-based SQL inserts.

Stands in for the real ingest (another module) so search can be tested on real names:
accents, featured artists, duplicates across playlists, partial release dates.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from sqlalchemy import Connection, text

FEATURES = (
    "danceability", "energy", "key", "loudness", "mode", "speechiness",
    "acousticness", "instrumentalness", "liveness", "valence", "tempo",
)  # fmt: skip


def release_date(value: str) -> date | None:
    parts = [int(p) for p in value.split("-") if p.isdigit()]
    if not parts:
        return None
    return date(parts[0], *([*parts[1:], 1, 1])[:2])


def rows_of(path: Path, *, first: int, artists: Iterable[str]) -> list[dict[str, str]]:
    wanted = set(artists)
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            row
            for number, row in enumerate(csv.DictReader(handle))
            if (number < first or row["track_artist"] in wanted)
            and "NA" not in (row["track_name"], row["track_artist"], row["track_album_name"])
        ]


def load(conn: Connection, path: Path, *, first: int, artists: Iterable[str]) -> int:
    """Insert the first `first` rows plus every row of `artists`; returns tracks loaded."""
    rows = rows_of(path, first=first, artists=artists)
    names = sorted({row["track_artist"] for row in rows})
    conn.execute(
        text("INSERT INTO artists (name) SELECT unnest(CAST(:names AS text[]))"), {"names": names}
    )
    albums: dict[str, dict[str, object]] = {}
    tracks: dict[str, dict[str, object]] = {}
    for row in rows:
        album = albums.setdefault(
            row["track_album_id"],
            {"title": row["track_album_name"], "artist": row["track_artist"],
             "released": release_date(row["track_album_release_date"]), "genres": set()},
        )  # fmt: skip
        genres = album["genres"]
        assert isinstance(genres, set)
        genres.add(row["playlist_genre"])
        tracks.setdefault(row["track_id"], {
            "title": row["track_name"], "artist": row["track_artist"],
            "album": row["track_album_id"], "popularity": float(row["track_popularity"]),
            "duration_ms": int(row["duration_ms"]),
            "features": json.dumps({f: float(row[f]) for f in FEATURES}),
        })  # fmt: skip
    conn.execute(
        text("""
            INSERT INTO albums (title, artist_id, release_date, genres)
            SELECT a.title, ar.id, a.released, a.genres
              FROM jsonb_to_recordset(CAST(:albums AS jsonb))
                   AS a(key text, title text, artist text, released date, genres jsonb)
              JOIN artists ar ON ar.name = a.artist
        """),
        {
            "albums": json.dumps(
                [
                    {
                        "key": k,
                        "title": a["title"],
                        "artist": a["artist"],
                        "released": str(a["released"]) if a["released"] else None,
                        "genres": sorted(a["genres"]),
                    }  # type: ignore[call-overload]
                    for k, a in albums.items()
                ]
            )
        },
    )
    conn.execute(
        text("""
            INSERT INTO tracks (title, artist_id, album_id, popularity, duration_ms, audio_features)
            SELECT t.title, ar.id,
                   (SELECT al.id FROM albums al WHERE al.title = t.album_title
                       AND al.artist_id = ar.id ORDER BY al.id LIMIT 1),
                   t.popularity, t.duration_ms, t.features
              FROM jsonb_to_recordset(CAST(:tracks AS jsonb))
                   AS t(title text, artist text, album_title text, popularity float8,
                        duration_ms int, features jsonb)
              JOIN artists ar ON ar.name = t.artist
        """),
        {
            "tracks": json.dumps(
                [
                    {
                        **{k: v for k, v in t.items() if k != "features"},
                        "features": json.loads(str(t["features"])),
                        "album_title": albums[str(t["album"])]["title"],
                    }
                    for t in tracks.values()
                ]
            )
        },
    )
    return len(tracks)
