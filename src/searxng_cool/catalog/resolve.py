"""Entity resolution of one batch of source records, set-based, inside the caller's transaction.

Tracks are resolved in this order, each step only for what the previous ones left open:

1. MusicBrainz recording id (kept as a `track_sources` row with source_type 'musicbrainz',
   since the spec's tracks table has no MBID column);
2. ISRC;
3. (source_type, source_id) already mapped;
4. the same artist, base-title key and version key, with durations within
   DURATION_TOLERANCE_MS or DURATION_TOLERANCE_RATIO of the longer one (or unknown on
   either side), and no conflicting ISRC or MBID;
5. otherwise a new track; unresolved records of one batch that match each other by rule 4
   become one new track.

Nothing here commits: `load_batch` runs inside the transaction its caller opened (one per
batch, see `ingest.py`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, text

from searxng_cool.catalog.artists_albums import record_changes, resolve_albums, resolve_artists
from searxng_cool.catalog.records import SourceRecord
from searxng_cool.catalog.staging import stage

# Two releases of one recording differ by a fade or a gap: a few seconds, more on long tracks.
DURATION_TOLERANCE_MS = 3000
DURATION_TOLERANCE_RATIO = 0.025
# Serialises concurrent ingests: name-based resolution reads before it writes.
INGEST_LOCK = "SELECT pg_advisory_xact_lock(hashtext('searxng_cool.catalog.ingest'))"
# The batch tables go at commit; dropping them first lets one transaction load several batches.
BATCH_TABLES = (
    "ingest_raw, ingest_keys, ingest_staging, batch_artists, changed_artists, batch_albums, changed_albums,"
    " batch_tracks, incoming_tracks, changed_tracks, new_mappings"
)

TRACK_STEPS = (
    """
    CREATE TEMPORARY TABLE batch_tracks ON COMMIT DROP AS
    SELECT DISTINCT ON (source_type, source_id)
           source_type, source_id, source_uri, line_no AS first_line, title, artist_id,
           album_id, title_key, version_key, duration_ms, isrc, track_mbid, audio_features,
           popularity, track_number, featured,
           NULL::integer AS track_id, NULL::text AS matched_by, NULL::text AS cluster
      FROM ingest_staging WHERE kind = 'track'
     ORDER BY source_type, source_id, line_no
    """,
    """
    UPDATE batch_tracks b SET track_id = m.track_id, matched_by = 'musicbrainz id'
      FROM track_sources m
     WHERE b.track_mbid IS NOT NULL AND m.source_type = 'musicbrainz' AND m.source_id = b.track_mbid
    """,
    """
    UPDATE batch_tracks b SET track_id = t.id, matched_by = 'isrc'
      FROM (SELECT DISTINCT ON (isrc) isrc, id FROM tracks
             WHERE isrc IN (SELECT isrc FROM batch_tracks WHERE track_id IS NULL)
             ORDER BY isrc, id) AS t
     WHERE b.track_id IS NULL AND b.isrc = t.isrc
    """,
    """
    UPDATE batch_tracks b SET track_id = m.track_id, matched_by = 'source id'
      FROM track_sources m
     WHERE b.track_id IS NULL AND m.source_type = b.source_type AND m.source_id = b.source_id
    """,
    """
    WITH candidates AS (
        SELECT DISTINCT ON (b.source_type, b.source_id) b.source_type, b.source_id, t.id
          FROM batch_tracks b
          JOIN tracks t ON t.artist_id = b.artist_id AND t.title_key = b.title_key
                       AND t.version_key = b.version_key
         WHERE b.track_id IS NULL
           AND (t.duration_ms IS NULL OR b.duration_ms IS NULL
                OR abs(t.duration_ms - b.duration_ms)
                   <= greatest(:tolerance, :ratio * greatest(t.duration_ms, b.duration_ms)))
           AND (t.isrc IS NULL OR b.isrc IS NULL OR t.isrc = b.isrc)
           AND (b.track_mbid IS NULL OR NOT EXISTS (
                SELECT 1 FROM track_sources m
                 WHERE m.track_id = t.id AND m.source_type = 'musicbrainz'))
         ORDER BY b.source_type, b.source_id, abs(coalesce(t.duration_ms - b.duration_ms, 0)), t.id
    )
    UPDATE batch_tracks b SET track_id = c.id, matched_by = 'name'
      FROM candidates c WHERE (b.source_type, b.source_id) = (c.source_type, c.source_id)
    """,
    # New tracks: records left open that match each other by name become one track. Sorted
    # by duration, a gap above the tolerance starts a new "island"; an MBID or ISRC in an
    # island is shared by the records of it that have none, and records with one MBID (or
    # else one ISRC) are one track whatever their titles say.
    """
    WITH ordered AS (
        SELECT source_type, source_id, artist_id, title_key, version_key, track_mbid, isrc,
               duration_ms - lag(duration_ms) OVER same_name AS gap, duration_ms, first_line
          FROM batch_tracks WHERE track_id IS NULL
        WINDOW same_name AS (PARTITION BY artist_id, title_key, version_key
                             ORDER BY duration_ms NULLS LAST, first_line)
    ), islands AS (
        SELECT *, count(*) FILTER (WHERE gap > greatest(:tolerance, :ratio * duration_ms)) OVER (
                   PARTITION BY artist_id, title_key, version_key
                   ORDER BY duration_ms NULLS LAST, first_line) AS island
          FROM ordered
    ), keyed AS (
        SELECT source_type, source_id,
               coalesce('mbid:' || coalesce(track_mbid, max(track_mbid) OVER same_island),
                        'isrc:' || coalesce(isrc, max(isrc) OVER same_island),
                        concat_ws('|', artist_id, title_key, version_key, island)) AS cluster
          FROM islands
        WINDOW same_island AS (PARTITION BY artist_id, title_key, version_key, island)
    )
    UPDATE batch_tracks b SET cluster = k.cluster
      FROM keyed k WHERE (b.source_type, b.source_id) = (k.source_type, k.source_id)
    """,
    """
    WITH new_ids AS (
        SELECT cluster, nextval('tracks_id_seq') AS id
          FROM (SELECT DISTINCT cluster FROM batch_tracks WHERE track_id IS NULL) AS c
    )
    UPDATE batch_tracks b SET track_id = n.id, matched_by = 'new'
      FROM new_ids n WHERE b.track_id IS NULL AND b.cluster = n.cluster
    """,
    # What the batch knows about each track: the first record's title, the first known
    # value of each field, the highest popularity.
    """
    CREATE TEMPORARY TABLE incoming_tracks ON COMMIT DROP AS
    SELECT track_id,
           bool_or(matched_by = 'new') AS is_new,
           (array_agg(title ORDER BY first_line))[1] AS title,
           (array_agg(artist_id ORDER BY first_line))[1] AS artist_id,
           (array_agg(title_key ORDER BY first_line))[1] AS title_key,
           (array_agg(version_key ORDER BY first_line))[1] AS version_key,
           (array_agg(album_id ORDER BY first_line) FILTER (WHERE album_id IS NOT NULL))[1]
               AS album_id,
           (array_agg(duration_ms ORDER BY first_line)
               FILTER (WHERE duration_ms IS NOT NULL))[1] AS duration_ms,
           (array_agg(isrc ORDER BY first_line) FILTER (WHERE isrc IS NOT NULL))[1] AS isrc,
           (array_agg(audio_features ORDER BY first_line)
               FILTER (WHERE audio_features IS NOT NULL))[1] AS audio_features,
           (array_agg(track_number ORDER BY first_line)
               FILTER (WHERE track_number IS NOT NULL))[1] AS track_number,
           max(popularity) AS popularity
      FROM batch_tracks GROUP BY track_id
    """,
    """
    INSERT INTO tracks (id, title, artist_id, album_id, track_number, duration_ms,
                        audio_features, isrc, popularity, title_key, version_key)
    SELECT track_id, left(title, 255), artist_id, album_id, track_number, duration_ms,
           audio_features, isrc, popularity, title_key, version_key
      FROM incoming_tracks WHERE is_new
    """,
    """
    CREATE TEMPORARY TABLE changed_tracks ON COMMIT DROP AS
    SELECT track_id AS id FROM incoming_tracks WHERE is_new
    """,
)

TRACK_MERGES = (
    """
    UPDATE tracks t
       SET album_id = coalesce(t.album_id, i.album_id),
           duration_ms = coalesce(t.duration_ms, i.duration_ms),
           isrc = coalesce(t.isrc, i.isrc),
           audio_features = coalesce(t.audio_features, i.audio_features),
           track_number = coalesce(t.track_number, i.track_number),
           popularity = greatest(t.popularity, i.popularity)
      FROM incoming_tracks i
     WHERE t.id = i.track_id AND NOT i.is_new
       AND ((t.album_id IS NULL AND i.album_id IS NOT NULL)
            OR (t.duration_ms IS NULL AND i.duration_ms IS NOT NULL)
            OR (t.isrc IS NULL AND i.isrc IS NOT NULL)
            OR (t.audio_features IS NULL AND i.audio_features IS NOT NULL)
            OR (t.track_number IS NULL AND i.track_number IS NOT NULL)
            OR i.popularity > coalesce(t.popularity, -1))
    RETURNING t.id
    """,
    """
    INSERT INTO track_credits (track_id, artist_id, role, credited_as)
    SELECT DISTINCT ON (b.track_id, a.artist_id) b.track_id, a.artist_id, 'featured', f
      FROM batch_tracks b
     CROSS JOIN LATERAL unnest(b.featured) AS f
      JOIN batch_artists a ON a.identity = 'name:' || catalog_name_key(f)
     WHERE a.artist_id <> b.artist_id
     ORDER BY b.track_id, a.artist_id, b.first_line
    ON CONFLICT DO NOTHING
    RETURNING track_id
    """,
)

# Each record's source mapping, and its MusicBrainz recording id as a mapping too. The
# ids of new mappings tell which records brought something new.
NEW_MAPPINGS = """
CREATE TEMPORARY TABLE new_mappings ON COMMIT DROP AS
WITH inserted AS (
    INSERT INTO track_sources (track_id, source_type, source_id, source_uri, last_synced)
    SELECT track_id, source_type, source_id, source_uri, now() FROM batch_tracks
    UNION ALL
    SELECT DISTINCT ON (track_mbid) track_id, 'musicbrainz', track_mbid,
           'https://musicbrainz.org/recording/' || track_mbid, now()
      FROM batch_tracks WHERE track_mbid IS NOT NULL
    ON CONFLICT (source_type, source_id) DO NOTHING
    RETURNING source_type, source_id, track_id
)
SELECT * FROM inserted
"""

# Every staged row gets exactly one status. "inserted": the first record of a new track
# (or artist); "merged": the first record of its source id brought something to an
# existing entity (a new mapping, a filled field, a genre, an alias, a credit);
# "unchanged": everything else, including repeats of a record within the file.
STATUS_COUNTS = """
WITH rows AS (
    SELECT s.line_no, s.kind, s.artist_id, s.album_id, b.track_id, b.matched_by,
           s.line_no = b.first_line AS first_of_source,
           s.line_no = min(s.line_no) OVER (PARTITION BY s.kind, coalesce(b.track_id, s.artist_id))
               AS first_of_entity,
           m.source_id IS NOT NULL AS new_mapping
      FROM ingest_staging s
      LEFT JOIN batch_tracks b ON (b.source_type, b.source_id) = (s.source_type, s.source_id)
                              AND s.kind = 'track'
      LEFT JOIN new_mappings m ON (m.source_type, m.source_id) = (s.source_type, s.source_id)
), judged AS (
    SELECT CASE
        WHEN kind = 'track' AND matched_by = 'new' AND first_of_entity THEN 'inserted'
        WHEN kind = 'artist' AND first_of_entity
             AND artist_id IN (SELECT artist_id FROM batch_artists WHERE created) THEN 'inserted'
        WHEN kind = 'track' AND first_of_source AND (new_mapping
             OR track_id IN (SELECT id FROM changed_tracks)
             OR album_id IN (SELECT id FROM changed_albums)
             OR artist_id IN (SELECT id FROM changed_artists)) THEN 'merged'
        WHEN kind = 'artist' AND first_of_entity
             AND artist_id IN (SELECT id FROM changed_artists) THEN 'merged'
        ELSE 'unchanged' END AS status
      FROM rows
)
SELECT status, count(*) FROM judged GROUP BY status
"""


@dataclass
class BatchOutcome:
    """How many records of a batch were inserted, merged or unchanged."""

    inserted: int = 0
    merged: int = 0
    unchanged: int = 0


def _resolve_staged_tracks(connection: Connection) -> None:
    tolerance = {"tolerance": DURATION_TOLERANCE_MS, "ratio": DURATION_TOLERANCE_RATIO}
    for statement in TRACK_STEPS:
        if ":tolerance" in statement:
            connection.execute(text(statement), tolerance)
        else:
            connection.exec_driver_sql(statement)
    record_changes(connection, merges=TRACK_MERGES, changed_table="changed_tracks")
    connection.exec_driver_sql(NEW_MAPPINGS)


def load_batch(connection: Connection, *, records: Sequence[SourceRecord]) -> BatchOutcome:
    """Stage, resolve and upsert one batch of validated records; the caller commits."""
    connection.exec_driver_sql(INGEST_LOCK)
    # Sorts and hashes over a whole batch: let them stay in memory for this transaction only.
    connection.exec_driver_sql("SET LOCAL work_mem = '64MB'")
    # The temporary tables' row estimates are rough until analyzed, and JIT-compiling a
    # statement that runs once per batch costs more (a second, on some) than it saves.
    connection.exec_driver_sql("SET LOCAL jit = off")
    connection.exec_driver_sql(f"DROP TABLE IF EXISTS {BATCH_TABLES}")
    stage(connection, records=records)
    resolve_artists(connection)
    resolve_albums(connection)
    _resolve_staged_tracks(connection)
    counts = {str(row[0]): int(row[1]) for row in connection.exec_driver_sql(STATUS_COUNTS)}
    return BatchOutcome(
        inserted=counts.get("inserted", 0),
        merged=counts.get("merged", 0),
        unchanged=counts.get("unchanged", 0),
    )


def batch_track_ids(connection: Connection) -> dict[int, int]:
    """Line number -> canonical track id of every track record of the batch just loaded.

    Call after `load_batch`, in the same transaction (the batch tables go at commit).
    """
    rows = connection.exec_driver_sql(
        "SELECT s.line_no, b.track_id FROM ingest_staging s"
        " JOIN batch_tracks b USING (source_type, source_id) WHERE s.kind = 'track'"
    )
    return {int(row[0]): int(row[1]) for row in rows}


def resolve_tracks(connection: Connection, *, records: Sequence[SourceRecord]) -> dict[int, int]:
    """The canonical track id of each track record, by line number, creating unknown tracks.

    Set-based like ingest (one COPY, a fixed number of statements), in the caller's
    transaction. For callers that turn records into something else as well, such as
    Last.fm scrobbles into play events (`SourceRecord.played_at`).
    """
    load_batch(connection, records=records)
    return batch_track_ids(connection)
