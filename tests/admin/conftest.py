"""Shared set-up for the operations tests: settings for a test database, and seed rows."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, text
from sqlalchemy.engine import URL

from searxng_cool.config import Settings, load_settings
from tests import factories


def settings_for(url: URL) -> Settings:
    """The project's settings with DATABASE_URL pointing at `url` (as the CLI would read them)."""
    return load_settings(environ={"DATABASE_URL": url.render_as_string(hide_password=False)})


def seed(conn: Connection) -> dict[str, int]:
    """A small catalog: 3 artists with 2 tracks each, a user, a 3-track playlist, plays."""
    owner = factories.user(conn)
    tracks = []
    for _ in range(3):
        artist = factories.artist(conn)
        tracks += [factories.track(conn, artist_id=artist, duration_ms=200_000) for _ in range(2)]
    # total_duration_ms is the triggers' to keep: adding the tracks makes it 600_000.
    playlist = factories.playlist(conn, owner_id=owner)
    for position, track in enumerate(tracks[:3]):
        factories.insert(
            conn, "playlist_tracks", playlist_id=playlist, track_id=track, position=position
        )
    for track in tracks:
        factories.interaction(conn, user_id=owner, track_id=track, play_duration_ms=1000)
    return {"user": owner, "playlist": playlist, "track": tracks[0]}


@pytest.fixture
def seeded(engine: Engine) -> dict[str, int]:
    with engine.begin() as conn:
        return seed(conn)


def count(engine: Engine, table: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


@pytest.fixture
def backup_dir(tmp_path: Path) -> Path:
    """A directory the `postgres` OS user could also read (pg_dump runs as us, though)."""
    return tmp_path
