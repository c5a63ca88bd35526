"""Real data for discovery's evaluation: the Spotify catalog and one Last.fm listening history.

Plain SQL and COPY (the project's ingest arrives at merge): the CSV is copied as text into a
temporary table, then artists, albums, tracks (with audio features and Spotify popularity)
and their genres (each row's playlist genre and subgenre) are built set-based. Scrobbles
are matched to the catalog by normalised (artist, title); timestamp-0 rows are not plays.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Connection, text

from searxng_cool.db.models.catalog import AUDIO_FEATURES

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"

SPOTIFY_COLUMNS = (
    "track_id, track_name, track_artist, track_popularity, track_album_id, track_album_name,"
    " track_album_release_date, playlist_name, playlist_id, playlist_genre, playlist_subgenre,"
    " danceability, energy, key, loudness, mode, speechiness, acousticness, instrumentalness,"
    " liveness, valence, tempo, duration_ms"
)
LASTFM_COLUMNS = "artist, artist_mbid, album, album_mbid, track, track_mbid, ts, datetime"
FEATURES = AUDIO_FEATURES


def normalised(column: str) -> str:
    """Lower case, no accents, punctuation to single spaces: names that should match, do."""
    return f"btrim(regexp_replace(lower(immutable_unaccent({column})), '[^a-z0-9]+', ' ', 'g'))"


def _copy_csv(conn: Connection, table: str, columns: str, path: Path) -> None:
    names = [c.strip() for c in columns.split(",")]
    conn.exec_driver_sql(f"CREATE TEMP TABLE {table} ({', '.join(n + ' text' for n in names)})")
    raw = conn.connection.driver_connection
    assert raw is not None
    with (
        raw.cursor() as cursor,
        cursor.copy(f"COPY {table} FROM STDIN (FORMAT csv, HEADER true)") as copy,
        path.open("rb") as source,
    ):
        while chunk := source.read(1 << 20):
            copy.write(chunk)


# A tempo of 0 (no beat detected) is outside the stored range (tempo > 0): left out, as
# ingest would refuse it.
FEATURE_PAIRS = ", ".join(
    f"'{f}', NULLIF({f}::float8, 0)" if f == "tempo" else f"'{f}', {f}::float8" for f in FEATURES
)
SPOTIFY_STATEMENTS = [
    """CREATE TEMP TABLE song AS
       SELECT DISTINCT ON (track_id) * FROM raw_spotify
        WHERE track_name NOT IN ('', 'NA') AND track_artist NOT IN ('', 'NA')
        ORDER BY track_id, playlist_id""",
    "CREATE INDEX ON song (track_id)",
    """CREATE TEMP TABLE song_genre AS
       SELECT DISTINCT track_id, track_artist, track_album_id, g AS genre FROM raw_spotify,
              unnest(ARRAY[playlist_genre, playlist_subgenre]) g WHERE g <> ''""",
    """INSERT INTO artists (name, genres)
       SELECT left(s.track_artist, 255), COALESCE(g.genres, '[]')
         FROM (SELECT DISTINCT track_artist FROM song) s
         LEFT JOIN (SELECT track_artist, jsonb_agg(DISTINCT genre) AS genres
                      FROM song_genre GROUP BY track_artist) g USING (track_artist)""",
    # Ids drawn up front, so each Spotify id keeps its row (and its source mapping).
    """CREATE TEMP TABLE album_map AS
       SELECT nextval('albums_id_seq') AS id, track_album_id AS spotify_id
         FROM (SELECT DISTINCT track_album_id FROM song
                WHERE btrim(track_album_name) NOT IN ('', 'NA')) d""",
    """INSERT INTO albums (id, title, artist_id, genres)
       SELECT m.id, left(max(s.track_album_name), 255), min(a.id),
              COALESCE(min(g.genres::text)::jsonb, '[]')
         FROM album_map m JOIN song s ON s.track_album_id = m.spotify_id
         JOIN artists a ON a.name = left(s.track_artist, 255)
         LEFT JOIN (SELECT track_album_id, jsonb_agg(DISTINCT genre) AS genres
                      FROM song_genre GROUP BY track_album_id) g
                ON g.track_album_id = m.spotify_id
        GROUP BY m.id""",
    """INSERT INTO album_sources (album_id, source_type, source_id)
       SELECT id, 'spotify', spotify_id FROM album_map""",
    """CREATE TEMP TABLE track_map AS
       SELECT nextval('tracks_id_seq') AS id, track_id AS spotify_id FROM song""",
    f"""INSERT INTO tracks (id, title, artist_id, album_id, duration_ms, popularity,
                            audio_features)
       SELECT m.id, left(s.track_name, 255), a.id, al.id, s.duration_ms::int,
              s.track_popularity::float8, jsonb_strip_nulls(jsonb_build_object({FEATURE_PAIRS}))
         FROM track_map m JOIN song s ON s.track_id = m.spotify_id
         JOIN artists a ON a.name = left(s.track_artist, 255)
         LEFT JOIN album_map al ON al.spotify_id = s.track_album_id""",
    """INSERT INTO track_sources (track_id, source_type, source_id)
       SELECT id, 'spotify', spotify_id FROM track_map""",
    "ANALYZE artists; ANALYZE albums; ANALYZE tracks",
]


def load_spotify_catalog(conn: Connection, data: Path = SHARED_DATA) -> int:
    """Artists, albums and tracks from spotify_songs.csv; returns the number of tracks."""
    _copy_csv(conn, "raw_spotify", SPOTIFY_COLUMNS, data / "spotify_songs.csv")
    for statement in SPOTIFY_STATEMENTS:
        conn.exec_driver_sql(statement)
    return int(conn.execute(text("SELECT count(*) FROM tracks")).scalar_one())


def load_lastfm_listener(conn: Connection, data: Path = SHARED_DATA) -> tuple[int, int]:
    """One user and their plays of catalog tracks (as `play` interactions, at the scrobble time).

    Returns (user id, number of matched plays). The interactions are staged in the temporary
    table `listened (track_id, played_at)` and not yet inserted, so an evaluation can replay
    them in time order.
    """
    _copy_csv(conn, "raw_lastfm", LASTFM_COLUMNS, data / "lastfm_scrobbles.csv")
    user_id = int(
        conn.execute(
            text(
                "INSERT INTO users (username, email, password_hash)"
                " VALUES ('lastfm_listener', 'listener@example.org', 'none') RETURNING id"
            )
        ).scalar_one()
    )
    conn.exec_driver_sql(
        f"""CREATE TEMP TABLE catalog_key AS
            SELECT DISTINCT ON (key) key, id FROM (
                SELECT {normalised("a.name")} || ' / ' || {normalised("t.title")} AS key,
                       t.id, t.popularity
                  FROM tracks t JOIN artists a ON a.id = t.artist_id) k
             ORDER BY key, popularity DESC NULLS LAST, id"""
    )
    conn.exec_driver_sql(
        f"""CREATE TEMP TABLE listened AS
            SELECT c.id AS track_id, to_timestamp(r.ts::bigint) AS played_at
              FROM raw_lastfm r
              JOIN catalog_key c ON c.key = {normalised("r.artist")} || ' / ' || {normalised("r.track")}
             WHERE r.ts::bigint > 0"""
    )
    plays = conn.execute(text("SELECT count(*) FROM listened")).scalar_one()
    return user_id, int(plays)
