"""Real listening history (the shared Last.fm export) through the batch API.

The catalog side (resolving a scrobble to a track) belongs to catalog ingest; here each
distinct (artist, title) simply becomes a track, so the test is about recording: real
timestamps from 2007 to 2018, and the export's timestamp-0 rows refused with that reason.
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Connection, text

from searxng_cool.accounts.users import get_or_create_user
from searxng_cool.listening.events import InteractionEvent
from searxng_cool.listening.popularity import refresh_view
from searxng_cool.listening.recording import record_batch
from searxng_cool.rejects import CollectedRejects


def _catalog_for(connection: Connection, rows: list[dict[str, str]]) -> dict[tuple[str, str], int]:
    connection.execute(text("CREATE TEMP TABLE scrobbled (artist text, title text)"))
    connection.execute(
        text("INSERT INTO scrobbled VALUES (:artist, :title)"),
        [{"artist": r["artist"], "title": r["track"]} for r in rows],
    )
    connection.execute(text("INSERT INTO artists (name) SELECT DISTINCT artist FROM scrobbled"))
    found = connection.execute(
        text(
            "INSERT INTO tracks (title, artist_id)"
            " SELECT DISTINCT s.title, a.id FROM scrobbled s JOIN artists a ON a.name = s.artist"
            " RETURNING id, title, (SELECT name FROM artists WHERE id = artist_id)"
        )
    )
    return {(artist, title): int(track) for track, title, artist in found}


@pytest.mark.shared_data
def test_a_real_scrobble_history_is_recorded_month_by_month(
    connection: Connection, shared_data: Path
) -> None:
    with (shared_data / "lastfm_scrobbles.csv").open(encoding="utf-8", newline="") as source:
        rows = [r for r in csv.DictReader(source) if r["artist"].strip() and r["track"].strip()]
    tracks = _catalog_for(connection, rows)
    listener = get_or_create_user(connection, username="lastfm_listener")
    events = [
        InteractionEvent(
            listener,
            tracks[(r["artist"], r["track"])],
            "play",
            created_at=datetime.fromtimestamp(int(r["timestamp"]), UTC),
            line=n,
        )
        for n, r in enumerate(rows, start=2)
    ]
    rejects = CollectedRejects()
    report = record_batch(connection, events=events, rejects=rejects)

    epoch_rows = sum(1 for r in rows if r["timestamp"] == "0")
    assert epoch_rows > 0
    assert report.rejected == epoch_rows
    assert {r.code for r in rejects.items} == {"bad_time"}
    assert report.accepted == len(rows) - epoch_rows
    in_default = connection.execute(
        text("SELECT count(*) FROM user_interactions_default")
    ).scalar_one()
    assert in_default == 0
    months = connection.execute(
        text("SELECT count(DISTINCT tableoid) FROM user_interactions")
    ).scalar_one()
    listened = {
        e.created_at.strftime("%Y-%m") for e in events if e.created_at and e.created_at.year > 1970
    }
    assert months == len(listened) > 12  # one partition per month listened
    refresh_view(connection)
    plays = connection.execute(
        text("SELECT sum(total_plays) FROM mv_track_popularity")
    ).scalar_one()
    counted = connection.execute(text("SELECT sum(total_plays) FROM track_play_counters"))
    assert plays == counted.scalar_one() == report.accepted
