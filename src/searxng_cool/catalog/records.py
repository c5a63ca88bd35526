"""The source-record schema and its validation: one raw row in, a SourceRecord or a reason out.

A source record is what a search engine or an export says about one track (kind "track")
or one artist (kind "artist"). Fields, all optional unless marked:

| field | meaning |
| --- | --- |
| source_type * | the service: `spotify`, `lastfm`, `musicbrainz`, ... (`^[a-z0-9_]+$`) |
| source_id * | the service's id of the track (or artist); at most 255 characters |
| source_uri | a playable or browsable URI, at most 500 characters |
| kind | `track` (default) or `artist` |
| title * (tracks) | the title as the source prints it, with version and "feat." parts |
| artist * | the credited artist string; "A feat. B" credits B as featured |
| album, album_source_id | album title and the service's album id |
| release_date | `YYYY`, `YYYY-MM` or `YYYY-MM-DD` (the precision is kept) |
| track_number | a positive integer |
| duration_ms | milliseconds; integers, decimals and scientific notation are read |
| isrc | 12 characters (hyphens and case are forgiven) |
| track_mbid, artist_mbid, album_mbid | MusicBrainz ids (UUIDs) |
| genres | a list (JSON) or one name per mapped column |
| audio_features | danceability, energy, key, loudness, mode, speechiness, acousticness, instrumentalness, liveness, valence, tempo |
| popularity | 0 to 100 |
| country | ISO 3166 alpha-2 (artists) |
| played_at | when a scrobble was played (unix seconds or ISO 8601); 0 means unknown |

Empty strings and each mapping's null values ("NA") mean "absent".
"""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, date, datetime
from typing import Any, NamedTuple

from searxng_cool.catalog.normalize import split_artist, split_title
from searxng_cool.db.models.catalog import AUDIO_FEATURE_RANGES, AUDIO_FEATURES, EXCLUSIVE_LOW

INTEGER_FEATURES = frozenset({"key", "mode"})
KINDS = ("track", "artist")

_SOURCE_TYPE = re.compile(r"[a-z0-9_]{1,50}")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_ISRC = re.compile(r"[A-Z]{2}[A-Z0-9]{3}[0-9]{7}")
_PARTIAL_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
_COUNTRY = re.compile(r"[A-Z]{2}")
_PRECISION = {1: "year", 2: "month", 3: "day"}
MAX_NAME = 255


class RecordRejected(ValueError):  # noqa: N818 - the reason a row goes to the rejects file
    """A row that cannot become a SourceRecord; the message is the reason in the rejects file."""


class SourceRecord(NamedTuple):
    """A validated record, in the column order of the ingest staging table."""

    line_no: int
    kind: str
    source_type: str
    source_id: str
    source_uri: str | None
    title: str | None
    title_base: str | None
    title_version: str
    artist: str
    artist_primary: str
    featured: list[str]
    album: str | None
    album_source_id: str | None
    release_date: date | None
    release_precision: str | None
    track_number: int | None
    duration_ms: int | None
    isrc: str | None
    track_mbid: str | None
    artist_mbid: str | None
    album_mbid: str | None
    genres: list[str]
    audio_features: str | None
    popularity: float | None
    country: str | None
    played_at: datetime | None


STAGING_COLUMNS = SourceRecord._fields


def _text(raw: dict[str, Any], field: str, *, limit: int = MAX_NAME) -> str | None:
    value = raw.get(field)
    if value is None:
        return None
    if isinstance(value, dict | list | bool):
        kind = {dict: "an object", list: "a list", bool: "true/false"}[type(value)]
        raise RecordRejected(f"{field} must be text or a number, not {kind}")
    if not isinstance(value, str):
        value = str(value)
    value = value.strip()
    if not value:
        return None
    if "\x00" in value:
        raise RecordRejected(f"{field} contains a NUL character")
    if len(value) > limit:
        raise RecordRejected(f"{field} is {len(value)} characters long; the limit is {limit}")
    return value


def _required(raw: dict[str, Any], field: str, *, limit: int = MAX_NAME) -> str:
    value = _text(raw, field, limit=limit)
    if value is None:
        raise RecordRejected(f"{field} is missing")
    return value


def _number(raw: dict[str, Any], field: str) -> float | None:
    value = _text(raw, field, limit=64)
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        raise RecordRejected(f"{field} {value!r} is not a number") from None
    if not math.isfinite(number):
        raise RecordRejected(f"{field} {value!r} is not a finite number")
    return number


def _bounded_int(raw: dict[str, Any], field: str, low: int, high: int) -> int | None:
    number = _number(raw, field)
    if number is None:
        return None
    if not low <= number <= high:
        raise RecordRejected(f"{field} {number:g} is outside {low}..{high}")
    return round(number)


def _uuid(raw: dict[str, Any], field: str) -> str | None:
    value = _text(raw, field, limit=64)
    if value is None:
        return None
    value = value.lower()
    if not _UUID.fullmatch(value):
        raise RecordRejected(f"{field} {value!r} is not a MusicBrainz id (UUID)")
    return value


def _isrc(raw: dict[str, Any]) -> str | None:
    value = _text(raw, "isrc", limit=64)
    if value is None:
        return None
    value = value.replace("-", "").upper()
    if not _ISRC.fullmatch(value):
        raise RecordRejected(f"isrc {value!r} is not 12 characters like USRC17607839")
    return value


def parse_partial_date(value: str) -> tuple[date, str]:
    """'2019', '2019-06' or '2019-06-14' -> (first day it can mean, 'year'|'month'|'day')."""
    match = _PARTIAL_DATE.fullmatch(value)
    if not match:
        raise RecordRejected(f"release_date {value!r} is not YYYY, YYYY-MM or YYYY-MM-DD")
    parts = [int(p) for p in match.groups() if p is not None]
    try:
        day = date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
    except ValueError:
        raise RecordRejected(f"release_date {value!r} is not a calendar date") from None
    return day, _PRECISION[len(parts)]


def _release(raw: dict[str, Any]) -> tuple[date | None, str | None]:
    value = _text(raw, "release_date", limit=32)
    return parse_partial_date(value) if value else (None, None)


def _played_at(raw: dict[str, Any]) -> datetime | None:
    """Unix seconds or ISO 8601; 0 (1970-01-01) is how exports say "unknown"."""
    value = _text(raw, "played_at", limit=64)
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise RecordRejected(
                f"played_at {value!r} is neither unix seconds nor ISO 8601"
            ) from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    if not math.isfinite(seconds) or not 0 <= seconds < 32_503_680_000:
        raise RecordRejected(f"played_at {value!r} is not a plausible unix time")
    return datetime.fromtimestamp(seconds, UTC) if seconds > 0 else None


def _genres(raw: dict[str, Any]) -> list[str]:
    value = raw.get("genres")
    items = value if isinstance(value, list) else [] if value is None else [value]
    seen: dict[str, None] = {}
    for item in items:
        if isinstance(item, dict | list | bool):
            raise RecordRejected("genres holds something that is not a name (an object or list)")
        name = str(item).strip().lower() if item is not None else ""
        if "\x00" in name or len(name) > 100:
            raise RecordRejected("genres holds a name longer than 100 characters or a NUL")
        if name:
            seen.setdefault(name)
    return list(seen)


def _audio_features(raw: dict[str, Any]) -> str | None:
    value = raw.get("audio_features")
    if value is None:
        return None
    if not isinstance(value, dict):
        raise RecordRejected("audio_features is not an object of numbers")
    features: dict[str, float | int] = {}
    for name in AUDIO_FEATURES:
        number = _number(value, name)
        if number is None:
            continue
        features[name] = round(number) if name in INTEGER_FEATURES else number
    # A tempo of 0 is the analyser saying "no beat found", not a tempo.
    if features.get("tempo") == 0:
        del features["tempo"]
    for name, number in features.items():
        low, high = AUDIO_FEATURE_RANGES[name]
        if not low <= number <= high or (name in EXCLUSIVE_LOW and number == low):
            bound = (
                f"above {low:g} up to {high:g}" if name in EXCLUSIVE_LOW else f"{low:g}..{high:g}"
            )
            raise RecordRejected(f"audio feature {name} {number:g} is outside its range {bound}")
    return json.dumps(features) if features else None


def _country(raw: dict[str, Any]) -> str | None:
    value = _text(raw, "country", limit=8)
    if value is None:
        return None
    value = value.upper()
    if not _COUNTRY.fullmatch(value):
        raise RecordRejected(f"country {value!r} is not an ISO 3166 alpha-2 code")
    return value


def _identity(raw: dict[str, Any]) -> tuple[str, str, str]:
    kind = _text(raw, "kind", limit=16) or "track"
    if kind not in KINDS:
        raise RecordRejected(f"kind {kind!r} is not one of {', '.join(KINDS)}")
    source_type = _required(raw, "source_type", limit=50)
    if not _SOURCE_TYPE.fullmatch(source_type):
        raise RecordRejected(f"source_type {source_type!r} must match ^[a-z0-9_]+$")
    return kind, source_type, _required(raw, "source_id")


def parse_record(raw: dict[str, Any], line_no: int) -> SourceRecord:
    """Validate one row of record fields; raise RecordRejected with the reason."""
    kind, source_type, source_id = _identity(raw)
    artist = _required(raw, "artist")
    title = _required(raw, "title") if kind == "track" else None
    parts = split_title(title) if title else None
    credited = split_artist(artist)
    featured = list(dict.fromkeys((*credited.featured, *(parts.featured if parts else ()))))
    release_date, precision = _release(raw)
    return SourceRecord(
        line_no=line_no,
        kind=kind,
        source_type=source_type,
        source_id=source_id,
        source_uri=_text(raw, "source_uri", limit=500),
        title=title,
        title_base=parts.base if parts else None,
        title_version=parts.version if parts else "",
        artist=artist,
        artist_primary=credited.primary,
        featured=[name[:MAX_NAME] for name in featured],
        album=_text(raw, "album"),
        album_source_id=_text(raw, "album_source_id"),
        release_date=release_date,
        release_precision=precision,
        track_number=_bounded_int(raw, "track_number", 1, 100_000),
        duration_ms=_bounded_int(raw, "duration_ms", 0, 2**31 - 1),
        isrc=_isrc(raw),
        track_mbid=_uuid(raw, "track_mbid"),
        artist_mbid=_uuid(raw, "artist_mbid"),
        album_mbid=_uuid(raw, "album_mbid"),
        genres=_genres(raw),
        audio_features=_audio_features(raw),
        popularity=_number_in(raw, "popularity", 0, 100),
        country=_country(raw),
        played_at=_played_at(raw),
    )


def _number_in(raw: dict[str, Any], field: str, low: float, high: float) -> float | None:
    number = _number(raw, field)
    if number is not None and not low <= number <= high:
        raise RecordRejected(f"{field} {number:g} is outside {low:g}..{high:g}")
    return number
