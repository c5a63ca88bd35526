"""Set-based resolution of a batch's artists and albums (staging table -> catalog ids).

Every statement works on the whole batch at once; ids for new rows come from the tables'
own sequences (`nextval`) before the INSERT, so the batch tables can point at them
without a per-row round trip. Merges only ever add information (fill a NULL, union a
JSONB array, append an alias), which is what makes re-runs converge: applying the same
batch twice changes nothing the second time.
"""

from __future__ import annotations

from sqlalchemy import Connection

# An artist in a batch is identified by its MusicBrainz id when a row gives one, otherwise
# by its name key; featured artists are always name-only.
ARTIST_STEPS = (
    """
    CREATE TEMPORARY TABLE batch_artists ON COMMIT DROP AS
    SELECT identity,
           max(mbid) AS mbid,
           mode() WITHIN GROUP (ORDER BY name_key) AS name_key,
           mode() WITHIN GROUP (ORDER BY name) AS name,
           array_agg(DISTINCT name) AS spellings,
           max(country) AS country,
           NULL::integer AS artist_id,
           false AS created
      FROM (SELECT coalesce(artist_mbid, 'name:' || artist_key) AS identity,
                   artist_mbid AS mbid, artist_key AS name_key, artist_primary AS name, country
              FROM ingest_staging
            UNION ALL
            SELECT 'name:' || catalog_name_key(f), NULL, catalog_name_key(f), f, NULL
              FROM ingest_staging, unnest(featured) AS f) AS credited
     GROUP BY identity
    """,
    # 1. MusicBrainz id.
    """
    UPDATE batch_artists b SET artist_id = a.id
      FROM artists a WHERE b.mbid IS NOT NULL AND a.musicbrainz_id = b.mbid
    """,
    # 2. (source_type, source_id) of artist records.
    """
    UPDATE batch_artists b SET artist_id = m.artist_id
      FROM ingest_staging s JOIN artist_sources m USING (source_type, source_id)
     WHERE s.kind = 'artist' AND b.artist_id IS NULL
       AND b.identity = coalesce(s.artist_mbid, 'name:' || s.artist_key)
    """,
    # 3. An artist with an id may claim a same-named catalog artist that has none yet
    #    (one claimant each): MBID beats name only when both sides have an MBID.
    """
    WITH claims AS (
        SELECT DISTINCT ON (a.id) a.id, b.identity
          FROM batch_artists b JOIN artists a ON a.name_key = b.name_key
         WHERE b.artist_id IS NULL AND b.mbid IS NOT NULL AND a.musicbrainz_id IS NULL
         ORDER BY a.id, b.identity
    ), unique_claims AS (SELECT DISTINCT ON (identity) * FROM claims ORDER BY identity, id)
    UPDATE batch_artists b SET artist_id = c.id FROM unique_claims c WHERE b.identity = c.identity
    """,
    """
    UPDATE artists a SET musicbrainz_id = b.mbid
      FROM batch_artists b
     WHERE a.id = b.artist_id AND a.musicbrainz_id IS NULL AND b.mbid IS NOT NULL
    """,
    "UPDATE batch_artists SET artist_id = nextval('artists_id_seq'), created = true"
    " WHERE artist_id IS NULL AND mbid IS NOT NULL",
    """
    INSERT INTO artists (id, name, name_key, musicbrainz_id, country)
    SELECT artist_id, left(name, 255), name_key, mbid, country FROM batch_artists WHERE created
    """,
    # 4. Name key: the oldest catalog artist of that name, including the ones just made.
    """
    UPDATE batch_artists b SET artist_id = m.id
      FROM (SELECT name_key, min(id) AS id FROM artists
             WHERE name_key IN (SELECT name_key FROM batch_artists WHERE artist_id IS NULL)
             GROUP BY name_key) AS m
     WHERE b.artist_id IS NULL AND b.name_key = m.name_key
    """,
    "UPDATE batch_artists SET artist_id = nextval('artists_id_seq'), created = true"
    " WHERE artist_id IS NULL",
    """
    INSERT INTO artists (id, name, name_key, country)
    SELECT artist_id, left(name, 255), name_key, country FROM batch_artists
     WHERE created AND mbid IS NULL
    """,
    """
    UPDATE ingest_staging s SET artist_id = b.artist_id
      FROM batch_artists b WHERE b.identity = coalesce(s.artist_mbid, 'name:' || s.artist_key)
    """,
    """
    CREATE TEMPORARY TABLE changed_artists ON COMMIT DROP AS
    SELECT artist_id AS id FROM batch_artists WHERE created
    """,
)

# Aliases collect every spelling seen; genres and country only ever get added.
ARTIST_MERGES = (
    """
    WITH seen AS (
        SELECT DISTINCT b.artist_id, spelling
          FROM batch_artists b, unnest(b.spellings) AS spelling
    ), added AS (
        SELECT a.id, jsonb_agg(seen.spelling ORDER BY seen.spelling) AS spellings
          FROM seen JOIN artists a ON a.id = seen.artist_id
         WHERE seen.spelling <> a.name AND NOT a.aliases ? seen.spelling
         GROUP BY a.id
    )
    UPDATE artists a SET aliases = a.aliases || added.spellings
      FROM added WHERE a.id = added.id
    RETURNING a.id
    """,
    """
    UPDATE artists a SET country = b.country
      FROM batch_artists b
     WHERE a.id = b.artist_id AND a.country IS NULL AND b.country IS NOT NULL
    RETURNING a.id
    """,
    """
    WITH incoming AS (
        SELECT artist_id, jsonb_agg(DISTINCT genre) AS genres
          FROM ingest_staging, unnest(genres) AS genre GROUP BY artist_id
    )
    UPDATE artists a
       SET genres = (SELECT jsonb_agg(DISTINCT g) FROM jsonb_array_elements(a.genres || i.genres) g)
      FROM incoming i WHERE a.id = i.artist_id AND NOT a.genres @> i.genres
    RETURNING a.id
    """,
    """
    INSERT INTO artist_sources (artist_id, source_type, source_id, source_uri, last_synced)
    SELECT DISTINCT ON (source_type, source_id) artist_id, source_type, source_id, source_uri, now()
      FROM ingest_staging WHERE kind = 'artist'
     ORDER BY source_type, source_id, line_no
    ON CONFLICT (source_type, source_id) DO NOTHING
    RETURNING artist_id
    """,
)

# An album is one artist's title (or its MusicBrainz id); a source's album ids map onto it.
# A compilation's one source id spans many artists: it maps to the first artist's album
# and the others keep their own, so the source step only follows a mapping of the same artist.
ALBUM_STEPS = (
    # The genres are those a new album is inserted with, so it is never updated just after.
    """
    CREATE TEMPORARY TABLE batch_albums ON COMMIT DROP AS
    WITH genres AS (
        SELECT artist_id, album_key, jsonb_agg(DISTINCT to_jsonb(genre)) AS genres
          FROM ingest_staging, unnest(genres) AS genre
         WHERE kind = 'track' AND album IS NOT NULL
         GROUP BY artist_id, album_key
    ), albums AS (
        SELECT artist_id, album_key,
               mode() WITHIN GROUP (ORDER BY album) AS title,
               max(album_mbid) AS mbid,
               (array_agg(release_date ORDER BY line_no)
                   FILTER (WHERE release_date IS NOT NULL))[1] AS release_date,
               (array_agg(release_precision ORDER BY line_no)
                   FILTER (WHERE release_date IS NOT NULL))[1] AS release_precision
          FROM ingest_staging WHERE kind = 'track' AND album IS NOT NULL
         GROUP BY artist_id, album_key
    )
    SELECT a.artist_id, a.album_key AS title_key, a.title, a.mbid, a.release_date,
           a.release_precision, coalesce(g.genres, '[]') AS genres,
           NULL::integer AS album_id, false AS created
      FROM albums a LEFT JOIN genres g USING (artist_id, album_key)
    """,
    # An MBID names one album only: a second title claiming it in this batch loses it.
    """
    UPDATE batch_albums b SET mbid = NULL
      FROM (SELECT DISTINCT ON (mbid) mbid, artist_id, title_key
              FROM batch_albums WHERE mbid IS NOT NULL
             ORDER BY mbid, artist_id, title_key) AS first
     WHERE b.mbid = first.mbid AND (b.artist_id, b.title_key) <> (first.artist_id, first.title_key)
    """,
    "UPDATE batch_albums b SET album_id = a.id FROM albums a"
    " WHERE b.mbid IS NOT NULL AND a.musicbrainz_id = b.mbid",
    """
    WITH mapped AS (
        SELECT DISTINCT ON (s.artist_id, s.album_key) s.artist_id, s.album_key, m.album_id
          FROM ingest_staging s
          JOIN album_sources m ON m.source_type = s.source_type AND m.source_id = s.album_source_id
          JOIN albums a ON a.id = m.album_id AND a.artist_id = s.artist_id
         WHERE s.album_source_id IS NOT NULL
         ORDER BY s.artist_id, s.album_key, m.album_id
    )
    UPDATE batch_albums b SET album_id = mapped.album_id
      FROM mapped
     WHERE b.album_id IS NULL AND b.artist_id = mapped.artist_id AND b.title_key = mapped.album_key
    """,
    """
    UPDATE batch_albums b SET album_id = m.id
      FROM (SELECT artist_id, title_key, min(id) AS id, max(musicbrainz_id) AS mbid
              FROM albums
             WHERE (artist_id, title_key) IN (SELECT artist_id, title_key FROM batch_albums
                                               WHERE album_id IS NULL)
             GROUP BY artist_id, title_key) AS m
     WHERE b.album_id IS NULL AND (b.artist_id, b.title_key) = (m.artist_id, m.title_key)
       AND (b.mbid IS NULL OR m.mbid IS NULL)
    """,
    "UPDATE batch_albums SET album_id = nextval('albums_id_seq'), created = true"
    " WHERE album_id IS NULL",
    """
    INSERT INTO albums (id, title, artist_id, musicbrainz_id, release_date,
                        release_date_precision, title_key, genres)
    SELECT album_id, left(title, 255), artist_id, mbid, release_date, release_precision,
           title_key, genres
      FROM batch_albums WHERE created
    """,
    """
    UPDATE ingest_staging s SET album_id = b.album_id
      FROM batch_albums b WHERE (b.artist_id, b.title_key) = (s.artist_id, s.album_key)
    """,
    """
    CREATE TEMPORARY TABLE changed_albums ON COMMIT DROP AS
    SELECT album_id AS id FROM batch_albums WHERE created
    """,
)

ALBUM_MERGES = (
    """
    UPDATE albums a SET release_date = b.release_date, release_date_precision = b.release_precision
      FROM batch_albums b
     WHERE a.id = b.album_id AND a.release_date IS NULL AND b.release_date IS NOT NULL
    RETURNING a.id
    """,
    """
    UPDATE albums a SET musicbrainz_id = b.mbid
      FROM batch_albums b
     WHERE a.id = b.album_id AND a.musicbrainz_id IS NULL AND b.mbid IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM albums other WHERE other.musicbrainz_id = b.mbid)
    RETURNING a.id
    """,
    """
    WITH incoming AS (
        SELECT album_id, jsonb_agg(DISTINCT genre) AS genres
          FROM ingest_staging, unnest(genres) AS genre
         WHERE album_id IS NOT NULL
           AND album_id NOT IN (SELECT album_id FROM batch_albums WHERE created)
         GROUP BY album_id
    )
    UPDATE albums a
       SET genres = (SELECT jsonb_agg(DISTINCT g) FROM jsonb_array_elements(a.genres || i.genres) g)
      FROM incoming i WHERE a.id = i.album_id AND NOT a.genres @> i.genres
    RETURNING a.id
    """,
    """
    INSERT INTO album_sources (album_id, source_type, source_id, last_synced)
    SELECT DISTINCT ON (source_type, album_source_id) album_id, source_type, album_source_id, now()
      FROM ingest_staging WHERE album_id IS NOT NULL AND album_source_id IS NOT NULL
     ORDER BY source_type, album_source_id, line_no
    ON CONFLICT (source_type, source_id) DO NOTHING
    RETURNING album_id
    """,
)


def run_steps(connection: Connection, *, steps: tuple[str, ...]) -> None:
    for statement in steps:
        connection.exec_driver_sql(statement)


def record_changes(connection: Connection, *, merges: tuple[str, ...], changed_table: str) -> None:
    """Run each merge and remember the ids it touched, for the per-row summary."""
    for statement in merges:
        connection.exec_driver_sql(
            f"WITH touched AS ({statement}) INSERT INTO {changed_table} SELECT * FROM touched"
        )


def resolve_artists(connection: Connection) -> None:
    run_steps(connection, steps=ARTIST_STEPS)
    record_changes(connection, merges=ARTIST_MERGES, changed_table="changed_artists")


def resolve_albums(connection: Connection) -> None:
    run_steps(connection, steps=ALBUM_STEPS)
    record_changes(connection, merges=ALBUM_MERGES, changed_table="changed_albums")
