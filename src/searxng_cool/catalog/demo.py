"""Demo data: generated records under their own source types, and their complete removal.

`demo` ingests generated records whose source types start with DEMO_PREFIX (`demo_spotify`,
`demo_deezer`, ...), so they never pass for a real service's data and can be taken out
again. `remove_demo_data` deletes the tracks, albums and artists known only from demo
sources, and the demo source mappings of entities that real data also describes. A demo
track that a user played, liked or put in a playlist is kept (with its mapping, so a later
removal can take it) and counted: a user's history is not removed behind their back.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, text

DEMO_PREFIX = "demo_"
_DEMO = r"demo\_%"

# Tracks whose every source is a demo source and that nothing of a user's refers to.
DEMO_ONLY_TRACKS = """
CREATE TEMPORARY TABLE demo_only_tracks ON COMMIT DROP AS
SELECT t.id, t.artist_id, t.album_id
  FROM tracks t
 WHERE EXISTS (SELECT FROM track_sources s WHERE s.track_id = t.id AND s.source_type LIKE :demo)
   AND NOT EXISTS (SELECT FROM track_sources s
                    WHERE s.track_id = t.id AND s.source_type NOT LIKE :demo)
   AND NOT EXISTS (SELECT FROM user_interactions ui WHERE ui.track_id = t.id)
   AND NOT EXISTS (SELECT FROM playlist_tracks pt WHERE pt.track_id = t.id)
   AND NOT EXISTS (SELECT FROM discovery_session_tracks d WHERE d.track_id = t.id)
"""
KEPT_TRACKS = """
SELECT count(*) FROM tracks t
 WHERE EXISTS (SELECT FROM track_sources s WHERE s.track_id = t.id AND s.source_type LIKE :demo)
   AND NOT EXISTS (SELECT FROM track_sources s
                    WHERE s.track_id = t.id AND s.source_type NOT LIKE :demo)
"""
DELETE_TRACKS = "DELETE FROM tracks WHERE id IN (SELECT id FROM demo_only_tracks)"
# Demo mappings of tracks that real sources describe too (the track stays).
DELETE_SHARED_TRACK_MAPPINGS = """
DELETE FROM track_sources s
 WHERE s.source_type LIKE :demo
   AND EXISTS (SELECT FROM track_sources r
                WHERE r.track_id = s.track_id AND r.source_type NOT LIKE :demo)
"""
DELETE_ALBUMS = """
DELETE FROM albums a
 WHERE EXISTS (SELECT FROM album_sources s WHERE s.album_id = a.id AND s.source_type LIKE :demo)
   AND NOT EXISTS (SELECT FROM album_sources s
                    WHERE s.album_id = a.id AND s.source_type NOT LIKE :demo)
   AND NOT EXISTS (SELECT FROM tracks t WHERE t.album_id = a.id)
"""
DELETE_ARTISTS = """
DELETE FROM artists a
 WHERE EXISTS (SELECT FROM artist_sources s WHERE s.artist_id = a.id AND s.source_type LIKE :demo)
   AND NOT EXISTS (SELECT FROM artist_sources s
                    WHERE s.artist_id = a.id AND s.source_type NOT LIKE :demo)
   AND NOT EXISTS (SELECT FROM tracks t WHERE t.artist_id = a.id)
   AND NOT EXISTS (SELECT FROM albums al WHERE al.artist_id = a.id)
   AND NOT EXISTS (SELECT FROM track_credits c WHERE c.artist_id = a.id)
"""
# The artists and albums of the deleted demo tracks that had no source of their own
# (resolution makes them from a track's record) go with them, once nothing refers to them.
DELETE_ORPHAN_ALBUMS = """
DELETE FROM albums a
 WHERE a.id IN (SELECT album_id FROM demo_only_tracks)
   AND NOT EXISTS (SELECT FROM album_sources s WHERE s.album_id = a.id)
   AND NOT EXISTS (SELECT FROM tracks t WHERE t.album_id = a.id)
"""
DELETE_ORPHAN_ARTISTS = """
DELETE FROM artists a
 WHERE a.id IN (SELECT artist_id FROM demo_only_tracks)
   AND NOT EXISTS (SELECT FROM artist_sources s WHERE s.artist_id = a.id)
   AND NOT EXISTS (SELECT FROM tracks t WHERE t.artist_id = a.id)
   AND NOT EXISTS (SELECT FROM albums al WHERE al.artist_id = a.id)
   AND NOT EXISTS (SELECT FROM track_credits c WHERE c.artist_id = a.id)
"""
# What is left of demo album and artist mappings belongs to entities real data describes.
DELETE_SHARED_MAPPINGS = (
    "DELETE FROM album_sources WHERE source_type LIKE :demo",
    "DELETE FROM artist_sources WHERE source_type LIKE :demo",
)


@dataclass(frozen=True)
class DemoRemoval:
    tracks: int
    albums: int
    artists: int
    mappings: int
    kept_tracks: int  # demo-only tracks a user's plays, playlists or sessions refer to


def remove_demo_data(connection: Connection) -> DemoRemoval:
    """Delete what only demo sources describe, and demo mappings of everything else."""
    demo = {"demo": _DEMO}
    connection.execute(text(DEMO_ONLY_TRACKS), demo)
    tracks = connection.execute(text(DELETE_TRACKS)).rowcount
    kept = int(connection.execute(text(KEPT_TRACKS), demo).scalar_one())
    mappings = connection.execute(text(DELETE_SHARED_TRACK_MAPPINGS), demo).rowcount
    albums = connection.execute(text(DELETE_ALBUMS), demo).rowcount
    artists = connection.execute(text(DELETE_ARTISTS), demo).rowcount
    for statement in DELETE_SHARED_MAPPINGS:
        mappings += connection.execute(text(statement), demo).rowcount
    albums += connection.execute(text(DELETE_ORPHAN_ALBUMS)).rowcount
    artists += connection.execute(text(DELETE_ORPHAN_ARTISTS)).rowcount
    return DemoRemoval(
        tracks=tracks, albums=albums, artists=artists, mappings=mappings, kept_tracks=kept
    )
