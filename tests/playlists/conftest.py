"""Shared checks for playlist tests: the order and duration invariants, read from the table."""

from __future__ import annotations

from sqlalchemy import Connection, text


def order_of(conn: Connection, playlist_id: int) -> list[int]:
    """Track ids in position order."""
    rows = conn.execute(
        text("SELECT track_id FROM playlist_tracks WHERE playlist_id = :p ORDER BY position"),
        {"p": playlist_id},
    )
    return [row.track_id for row in rows]


def assert_invariants(conn: Connection, playlist_id: int) -> None:
    """Positions are exactly 0..n-1 and total_duration_ms is the sum of the durations."""
    positions = (
        conn.execute(
            text("SELECT position FROM playlist_tracks WHERE playlist_id = :p ORDER BY position"),
            {"p": playlist_id},
        )
        .scalars()
        .all()
    )
    assert list(positions) == list(range(len(positions)))
    stored, summed = conn.execute(
        text(
            """
            SELECT p.total_duration_ms,
                   (SELECT COALESCE(sum(COALESCE(t.duration_ms, 0)), 0) FROM playlist_tracks pt
                      JOIN tracks t ON t.id = pt.track_id WHERE pt.playlist_id = p.id)
              FROM playlists p WHERE p.id = :p
            """
        ),
        {"p": playlist_id},
    ).one()
    assert stored == summed
