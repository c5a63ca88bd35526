"""Realistic synthetic source records, for demo data and the 1M-record ingest benchmark.

The shape follows the public data: a few popular artists own many tracks (Zipf-like
weights), the same recording arrives from several services under different ids and
spellings (accents dropped, case changed, "feat." written "ft."), one service repeats a
record (a track in many playlists), versions (remix, live, remaster) are separate
recordings with their own durations, release dates come in every precision, and some
names are not ASCII. Deterministic for a given seed.
"""

from __future__ import annotations

import csv
import random
import unicodedata
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from searxng_cool.db.models.catalog import AUDIO_FEATURES

SERVICES = ("spotify", "deezer", "youtube", "soundcloud", "lastfm")
_SYLLABLES = [
    "ka",
    "lo",
    "mi",
    "ra",
    "ne",
    "so",
    "ti",
    "va",
    "lu",
    "be",
    "da",
    "re",
    "no",
    "sa",
    "ky",
    "zo",
    "fa",
    "ri",
    "el",
    "an",
]
_ACCENTED = {"e": "é", "o": "ö", "a": "á", "u": "ü", "n": "ñ", "i": "í"}
_JAPANESE = ("宇多田", "ヒカル", "米津", "玄師", "あいみょん", "嵐")
_WORDS = [
    "love",
    "night",
    "light",
    "heart",
    "fire",
    "dream",
    "summer",
    "rain",
    "city",
    "gold",
    "wild",
    "blue",
    "girl",
    "dance",
    "time",
    "home",
    "road",
    "star",
    "ocean",
    "shadow",
    "electric",
    "sweet",
    "lonely",
    "forever",
    "midnight",
    "paradise",
]
_GENRES = ("pop", "rap", "rock", "latin", "r&b", "edm", "indie", "jazz", "metal", "folk")
_VERSIONS = ("Remix", "Live", "Remastered 2011", "Radio Edit", "Acoustic")
CSV_COLUMNS = (
    *[
        "source_type",
        "source_id",
        "source_uri",
        "title",
        "artist",
        "album",
        "album_source_id",
        "release_date",
        "duration_ms",
        "isrc",
        "track_mbid",
        "popularity",
        "genres",
    ],
    *AUDIO_FEATURES,
)


@dataclass(frozen=True)
class Recording:
    number: int
    artist: str
    title: str
    album: str
    duration_ms: int
    release_date: str
    isrc: str
    genre: str
    featured: str | None


def _name(rng: random.Random, words: int) -> str:
    parts = []
    for _ in range(words):
        word = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(1, 3)))
        if rng.random() < 0.15:
            word = "".join(_ACCENTED.get(c, c) if rng.random() < 0.5 else c for c in word)
        parts.append(word.capitalize())
    if rng.random() < 0.03:
        return rng.choice(_JAPANESE) + rng.choice(_JAPANESE)
    return " ".join(parts)


def _release_date(rng: random.Random) -> str:
    year, month, day = rng.randint(1960, 2024), rng.randint(1, 12), rng.randint(1, 28)
    precision = rng.random()
    if precision < 0.06:
        return f"{year}"
    if precision < 0.07:
        return f"{year}-{month:02d}"
    return f"{year}-{month:02d}-{day:02d}"


def recordings(count: int, rng: random.Random) -> list[Recording]:
    """`count` distinct recordings, most by a few artists, some being versions of others."""
    artists = [_name(rng, rng.randint(1, 3)) for _ in range(max(count // 25, 2))]
    weights = [1 / (rank + 1) ** 1.1 for rank in range(len(artists))]
    made: list[Recording] = []
    for number in range(count):
        if made and rng.random() < 0.12:
            original = rng.choice(made[-50:])
            version = rng.choice(_VERSIONS)
            title = f"{original.title} - {version}"
            artist, album = original.artist, f"{original.album} ({version})"
            duration = original.duration_ms + rng.choice((-1, 1)) * rng.randint(15_000, 60_000)
        else:
            artist = rng.choices(artists, weights)[0]
            title = " ".join(rng.choice(_WORDS).capitalize() for _ in range(rng.randint(1, 4)))
            title = f"{title} {number}"
            album = " ".join(rng.choice(_WORDS).capitalize() for _ in range(rng.randint(1, 3)))
            duration = rng.randint(120_000, 360_000)
        featured = rng.choice(artists) if rng.random() < 0.1 else None
        isrc = f"US{rng.choice('ABCDEFGH')}{rng.randint(10, 99)}{rng.randint(0, 9_999_999):07d}"
        made.append(
            Recording(
                number,
                artist,
                title,
                album,
                max(duration, 30_000),
                _release_date(rng),
                isrc,
                rng.choice(_GENRES),
                featured,
            )
        )
    return made


def _spelling(name: str, rng: random.Random) -> str:
    """How another service might print the same name: accents dropped or case changed."""
    roll = rng.random()
    if roll < 0.2:
        return "".join(
            c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c)
        )
    if roll < 0.3:
        return name.lower()
    return name


def _record(recording: Recording, service: str, rng: random.Random) -> dict[str, Any]:
    title = recording.title
    if recording.featured:
        marker = "feat." if service != "soundcloud" else "ft."
        title = f"{title} ({marker} {_spelling(recording.featured, rng)})"
    source_id = f"{service[:2]}{recording.number:09d}"
    features = {name: round(rng.random(), 4) for name in AUDIO_FEATURES}
    features.update(key=rng.randint(0, 11), mode=rng.randint(0, 1), tempo=rng.uniform(60, 180))
    return {
        "source_type": service,
        "source_id": source_id,
        "source_uri": f"{service}:track:{source_id}",
        "title": title if service != "lastfm" else _spelling(title, rng),
        "artist": _spelling(recording.artist, rng),
        "album": recording.album,
        "album_source_id": f"{service[:2]}a{zlib.crc32(recording.album.encode()):x}",
        "release_date": recording.release_date,
        # Services disagree on durations by up to a second or so.
        "duration_ms": recording.duration_ms + rng.randint(-1000, 1000),
        "isrc": recording.isrc if service in ("spotify", "deezer") else "",
        "track_mbid": "",
        "popularity": rng.randint(0, 100),
        "genres": recording.genre,
        **features,
    }


def generate_records(
    count: int, *, seed: int = 1, source_prefix: str = ""
) -> Iterator[dict[str, Any]]:
    """`count` source records over about count/3 recordings, popular ones seen more often.

    `source_prefix` goes before every service name (`demo_` marks demo data as such).
    """
    rng = random.Random(seed)
    pool = recordings(max(count // 3, 1), rng)
    weights = [1 / (rank + 1) ** 0.6 for rank in range(len(pool))]
    for recording in rng.choices(pool, weights, k=count):
        record = _record(recording, rng.choice(SERVICES), rng)
        record["source_type"] = source_prefix + record["source_type"]
        yield record


def write_records(path: Path, count: int, *, seed: int = 1, source_prefix: str = "") -> Path:
    """Write `count` records as native CSV (see `records.py`); returns the path."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        writer.writerows(generate_records(count, seed=seed, source_prefix=source_prefix))
    return path
