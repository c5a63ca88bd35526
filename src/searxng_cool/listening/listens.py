"""Listens as ListenBrainz speaks of them: submitted track metadata becomes a user's plays.

Each listen's metadata (artist, title, release, MusicBrainz ids, ISRC, duration, Spotify id)
is turned into a catalog source record and resolved by the catalog's own entity
resolution (`catalog.resolve.resolve_tracks`: an existing track, or a new one with its
source mapping); the listen is then that user's `play` at `listened_at`. A listen already
recorded (same user, track and instant) is not recorded again. The metadata as submitted
is kept in the play's context, so reading a listen back gives what the client sent.

Every returned listen carries `recording_msid`: an id of its canonical track (a UUID, as
ListenBrainz's are) that `delete_listen` and feedback accept.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, text

from searxng_cool.catalog.records import MAX_NAME, RecordRejected, SourceRecord, parse_record
from searxng_cool.catalog.resolve import resolve_tracks
from searxng_cool.errors import InvalidInput, NotFound
from searxng_cool.listening.events import InteractionEvent
from searxng_cool.listening.recording import record_batch
from searxng_cool.rejects import Rejection

SOURCE_TYPE = "listenbrainz"
MAX_SOURCE_ID = 255
# Our recording ids: a UUID whose last 12 hex digits are the canonical track's id.
_RECORDING_ID = re.compile(r"00000000-5ea2-4c00-8000-([0-9a-f]{12})")
_SPOTIFY_TRACK = re.compile(
    r"(?:https?://open\.spotify\.com/track/|spotify:track:)([A-Za-z0-9]{22})"
)


def recording_msid(track_id: int) -> str:
    """The recording id of a canonical track, in ListenBrainz's UUID form."""
    return f"00000000-5ea2-4c00-8000-{track_id:012x}"


def track_of_recording(connection: Connection, *, recording_id: str) -> int:
    """The canonical track of a recording id: ours (`recording_msid`) or a MusicBrainz id."""
    value = recording_id.strip().lower()
    try:
        uuid.UUID(value)
    except ValueError:
        raise InvalidInput(f"{recording_id[:60]!r} is not a recording id (a UUID)") from None
    ours = _RECORDING_ID.fullmatch(value)
    if ours:
        track_id = int(ours.group(1), 16)
        known = connection.execute(
            text("SELECT EXISTS (SELECT FROM tracks WHERE id = :id)"), {"id": track_id}
        ).scalar_one()
        if known:
            return track_id
    else:
        found = connection.execute(
            text(
                "SELECT track_id FROM track_sources"
                " WHERE source_type = 'musicbrainz' AND source_id = :mbid"
            ),
            {"mbid": value},
        ).scalar_one_or_none()
        if found is not None:
            return int(found)
    raise NotFound(f"recording {recording_id} is not in the catalog; submit a listen of it first")


@dataclass(frozen=True)
class ListenInput:
    """One validated listen: when, and the track metadata as the client sent it."""

    listened_at: datetime
    track_metadata: dict[str, Any]


@dataclass(frozen=True)
class SubmitReport:
    recorded: int
    already_recorded: int


@dataclass(frozen=True)
class Listen:
    listened_at: datetime
    track_id: int
    track_metadata: dict[str, Any]

    @property
    def recording_msid(self) -> str:
        return recording_msid(self.track_id)


def _source_id(metadata: dict[str, Any]) -> tuple[str, str]:
    info = metadata.get("additional_info") or {}
    spotify = _SPOTIFY_TRACK.match(str(info.get("spotify_id") or ""))
    if spotify:
        return "spotify", spotify.group(1)
    # As Last.fm names a track: artist and title. A longer name is kept apart by its digest.
    name = f"{metadata['artist_name']}/_/{metadata['track_name']}"
    if len(name) > MAX_SOURCE_ID:
        name = "sha256:" + hashlib.sha256(name.encode("utf-8")).hexdigest()
    return SOURCE_TYPE, name


def _first(value: Any) -> Any:
    return value[0] if isinstance(value, list) and value else None


def listen_record(metadata: dict[str, Any], line_no: int) -> SourceRecord:
    """The catalog source record of one listen's track metadata.

    Names are cut to the catalog's 255 characters (the listen keeps them whole); an
    optional field the catalog cannot take (an ISRC of the wrong shape, ...) is left out
    rather than refusing the listen, as ListenBrainz accepts such listens.
    """
    info = metadata.get("additional_info") or {}
    source_type, source_id = _source_id(metadata)
    duration_ms = info.get("duration_ms")
    if duration_ms is None and info.get("duration") is not None:
        duration_ms = int(info["duration"]) * 1000
    required = {
        "source_type": source_type,
        "source_id": source_id,
        "title": _cut(metadata.get("track_name")),
        "artist": _cut(metadata.get("artist_name")),
        "album": _cut(metadata.get("release_name")),
    }
    optional = {
        "duration_ms": duration_ms,
        "isrc": info.get("isrc"),
        "track_mbid": info.get("recording_mbid"),
        "artist_mbid": _first(info.get("artist_mbids")),
        "album_mbid": info.get("release_mbid"),
        "track_number": info.get("tracknumber"),
    }
    fields = {k: v for k, v in (required | optional).items() if v is not None}
    try:
        return parse_record(fields, line_no)
    except RecordRejected:
        pass
    try:
        return parse_record({k: v for k, v in required.items() if v is not None}, line_no)
    except RecordRejected as exc:
        raise InvalidInput(f"listen {line_no}: {exc}") from None


def _cut(value: Any) -> Any:
    return value[:MAX_NAME] if isinstance(value, str) else value


# A listen of a track whose source id is already mapped, naming no MusicBrainz id and no
# ISRC, is what resolution's step 3 (source id) would match: looked up in one query, so a
# scrobbler's repeat listens skip the batch resolution (which runs for everything else).
_MAPPED = text(
    "SELECT source_type, source_id, track_id FROM track_sources"
    " WHERE (source_type, source_id) IN (SELECT * FROM unnest(CAST(:types AS text[]),"
    " CAST(:ids AS text[])))"
)


def _already_mapped(connection: Connection, records: Sequence[SourceRecord]) -> dict[int, int]:
    plain = [r for r in records if r.track_mbid is None and r.isrc is None]
    if not plain:
        return {}
    found = {
        (str(kind), str(source)): int(track)
        for kind, source, track in connection.execute(
            _MAPPED,
            {"types": [r.source_type for r in plain], "ids": [r.source_id for r in plain]},
        )
    }
    return {
        r.line_no: found[(r.source_type, r.source_id)]
        for r in plain
        if (r.source_type, r.source_id) in found
    }


_USER_LOCK = text("SELECT pg_advisory_xact_lock(hashtext('searxng_cool.listens'), :user)")
_ALREADY_RECORDED = text(
    "SELECT track_id, created_at FROM user_interactions"
    " WHERE user_id = :user AND interaction_type = 'play' AND created_at = ANY(:times)"
)


def submit_listens(
    connection: Connection, *, user_id: int, listens: Sequence[ListenInput]
) -> SubmitReport:
    """Resolve each listen's track (creating unknown ones) and record it as a play.

    One set-based resolution for the listens not already mapped (`resolve_tracks`, which
    also serialises concurrent ingests until commit); listens of tracks already mapped by
    their source id, with no MusicBrainz id or ISRC, are matched by that mapping.
    """
    if not listens:
        return SubmitReport(recorded=0, already_recorded=0)
    records = [listen_record(listen.track_metadata, line) for line, listen in enumerate(listens, 1)]
    # One submission per user at a time, until commit: two copies of one listen sent at
    # once must not both pass the already-recorded check below.
    connection.execute(_USER_LOCK, {"user": user_id})
    track_ids = _already_mapped(connection, records)
    unresolved = [r for r in records if r.line_no not in track_ids]
    if unresolved:
        track_ids |= resolve_tracks(connection, records=unresolved)
    seen = {
        (int(track), moment)
        for track, moment in connection.execute(
            _ALREADY_RECORDED, {"user": user_id, "times": [x.listened_at for x in listens]}
        )
    }
    events: list[InteractionEvent | Rejection] = []
    for line, listen in enumerate(listens, 1):
        key = (track_ids[line], listen.listened_at)
        if key in seen:
            continue
        seen.add(key)
        events.append(
            InteractionEvent(
                user_id=user_id,
                track_id=track_ids[line],
                interaction_type="play",
                context={"source": SOURCE_TYPE, "track_metadata": listen.track_metadata},
                created_at=listen.listened_at,
                line=line,
            )
        )
    report = record_batch(connection, events=events)
    if report.rejected:
        raise InvalidInput(
            f"{report.rejected} listens could not be recorded: {report.rejected_by_code}"
        )
    return SubmitReport(recorded=report.accepted, already_recorded=len(listens) - len(events))


# The metadata as submitted; for plays recorded otherwise, built from the catalog.
_LISTEN_COLUMNS = """
SELECT ui.created_at, ui.track_id,
       coalesce(ui.context -> 'track_metadata',
                jsonb_strip_nulls(jsonb_build_object(
                    'track_name', t.title, 'artist_name', ar.name, 'release_name', al.title)))
  FROM user_interactions ui
  JOIN tracks t ON t.id = ui.track_id
  LEFT JOIN artists ar ON ar.id = t.artist_id
  LEFT JOIN albums al ON al.id = t.album_id
 WHERE ui.user_id = :user AND ui.interaction_type = 'play'
   AND (CAST(:min_ts AS timestamptz) IS NULL OR ui.created_at > :min_ts)
   AND (CAST(:max_ts AS timestamptz) IS NULL OR ui.created_at < :max_ts)
"""


def list_listens(
    connection: Connection,
    *,
    user_id: int,
    min_ts: datetime | None = None,
    max_ts: datetime | None = None,
    count: int = 25,
) -> list[Listen]:
    """The user's plays, newest first: before `max_ts`, or the `count` just after `min_ts`."""
    if not 0 <= count <= 1000:
        raise InvalidInput(f"count {count} is outside 0..1000")
    # Only min_ts: the listens right after it (ascending), shown newest first like the rest.
    ascending = min_ts is not None and max_ts is None
    order = "ASC" if ascending else "DESC"
    rows = connection.execute(
        text(f"{_LISTEN_COLUMNS} ORDER BY ui.created_at {order}, ui.id {order} LIMIT :count"),
        {"user": user_id, "min_ts": min_ts, "max_ts": max_ts, "count": count},
    ).all()
    listens = [Listen(row[0], int(row[1]), dict(row[2])) for row in rows]
    return listens[::-1] if ascending else listens


def listen_count(connection: Connection, *, user_id: int) -> int:
    return int(
        connection.execute(
            text(
                "SELECT count(*) FROM user_interactions"
                " WHERE user_id = :user AND interaction_type = 'play'"
            ),
            {"user": user_id},
        ).scalar_one()
    )


def delete_listen(
    connection: Connection, *, user_id: int, track_id: int, listened_at: datetime
) -> int:
    """Delete the user's play of the track at that instant; how many rows went (0 or 1+)."""
    return int(
        connection.execute(
            text(
                "DELETE FROM user_interactions WHERE user_id = :user AND track_id = :track"
                " AND interaction_type = 'play' AND created_at = :at"
            ),
            {"user": user_id, "track": track_id, "at": listened_at},
        ).rowcount
    )


def musicbrainz_ids(connection: Connection, *, track_ids: Sequence[int]) -> dict[int, str]:
    """The MusicBrainz recording id of each track that has one."""
    if not track_ids:
        return {}
    rows = connection.execute(
        text(
            "SELECT track_id, min(source_id) FROM track_sources"
            " WHERE source_type = 'musicbrainz' AND track_id = ANY(:ids) GROUP BY track_id"
        ),
        {"ids": list(track_ids)},
    )
    return {int(track): str(mbid) for track, mbid in rows}


def track_metadata(
    connection: Connection, *, track_ids: Sequence[int]
) -> dict[int, dict[str, Any]]:
    """ListenBrainz-style track metadata (track, artist, release names) of catalog tracks."""
    if not track_ids:
        return {}
    rows = connection.execute(
        text(
            "SELECT t.id, jsonb_strip_nulls(jsonb_build_object('track_name', t.title,"
            " 'artist_name', ar.name, 'release_name', al.title))"
            " FROM tracks t LEFT JOIN artists ar ON ar.id = t.artist_id"
            " LEFT JOIN albums al ON al.id = t.album_id WHERE t.id = ANY(:ids)"
        ),
        {"ids": list(track_ids)},
    )
    return {int(track): dict(described) for track, described in rows}
