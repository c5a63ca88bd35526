"""Entity resolution of one batch of source records, set-based, inside the caller's transaction.

Tracks are resolved in this order, each step only for what the previous ones left open:

1. MusicBrainz recording id (kept as a `track_sources` row with source_type 'musicbrainz',
   since the spec's tracks table has no MBID column);
2. ISRC;
3. (source_type, source_id) already mapped — kept only while the record is still the same
   recording as its track by the evidence below (a re-ingest splits what older rules merged
   wrongly), and moved to an older track that the evidence says is the same recording (a
   re-ingest joins what older rules kept apart);
4. the same artist and base-title key, the best candidate that the evidence says is the
   same recording (`same_recording`), and no conflicting ISRC or MBID;
5. otherwise a new track; unresolved records of one batch that are the same recording by
   step 4's evidence (or share an MBID or ISRC) become one new track (connected components).

The evidence, in the spirit of beets' distance but as rules a reader can check: audio
features identical within rounding with durations within SAME_AUDIO_MS say "the same audio"
whatever the titles' version tags say; otherwise the version classes (`normalize.
version_class`) must be equal; then durations within CLOSE_MS, or within the fade tolerance
max(FADE_MS, FADE_RATIO of the longer) when the audio features agree (FEATURES_AGREE) or
are unknown, say "the same recording"; a larger gap with clearly different features says
"different recordings" (album vs single version, re-recording).

Nothing here commits: `load_batch` runs inside the transaction its caller opened (one per
batch, see `ingest.py`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection

from searxng_cool.catalog.artists_albums import record_changes, resolve_albums, resolve_artists
from searxng_cool.catalog.records import SourceRecord
from searxng_cool.catalog.staging import driver_connection, stage

# Analyses of one audio file: durations within SAME_AUDIO_MS, key and mode equal, tempo
# within half a beat per minute, loudness within 0.3 dB, every other feature within 0.03
# (two analyses of one master differ by about that; a remix, edit or re-recording by more).
SAME_AUDIO_MS = 1000
_ROUNDING = {"loudness": 0.3, "tempo": 0.5, "key": 0, "mode": 0}
_UNIT_ROUNDING = 0.03
# Releases of one recording differ by a fade or a gap; analyses of one recording differ too
# (Spotify's features of one master on two albums are rarely identical), so within
# CLOSE_MS the durations alone decide.
CLOSE_MS = 5000
FADE_MS = 5000
FADE_RATIO = 0.025
# Features agree when no stable feature differs by more than its allowance: the tempo by
# 2 % (one recording keeps its tempo on every release; a re-recording rarely does), the
# loudness by 1.5 dB (remasters are louder), and the shape features by 0.1. Liveness and
# speechiness are left out: analyses of one master disagree on them most.
FEATURES_AGREE = 1.0
_ALLOWANCE = {
    "danceability": 0.1,
    "energy": 0.1,
    "valence": 0.1,
    "acousticness": 0.1,
    "instrumentalness": 0.1,
    "loudness": 1.5,
}
TEMPO_ALLOWANCE = 0.02
_UNIT_FEATURES = ("danceability", "energy", "speechiness", "acousticness", "instrumentalness",
                  "liveness", "valence")  # fmt: skip
_IDENTICAL_FEATURES = (*_UNIT_FEATURES, "loudness", "tempo", "key", "mode")
# Serialises concurrent ingests: name-based resolution reads before it writes.
INGEST_LOCK = "SELECT pg_advisory_xact_lock(hashtext('searxng_cool.catalog.ingest'))"
# The batch tables go at commit; dropping them first lets one transaction load several batches.
BATCH_TABLES = (
    "ingest_raw, ingest_keys, ingest_staging, batch_artists, changed_artists, batch_albums, changed_albums,"
    " batch_tracks, batch_links, batch_clusters, incoming_tracks, changed_tracks, new_mappings, left_tracks"
)


def _feature(alias: str, name: str) -> str:
    return f"({alias}.audio_features ->> '{name}')::float8"


def identical_audio(x: str, y: str) -> str:
    """SQL: the audio features of `x` and `y` (rows with audio_features and duration_ms) are
    one analysis of one file — every feature equal within rounding, durations within
    SAME_AUDIO_MS or unknown."""
    checks = " AND ".join(
        f"coalesce(abs({_feature(x, n)} - {_feature(y, n)}) <= {_ROUNDING.get(n, _UNIT_ROUNDING)},"
        f" ({x}.audio_features ? '{n}') = ({y}.audio_features ? '{n}'))"
        for n in _IDENTICAL_FEATURES
    )
    return (
        f"({x}.audio_features IS NOT NULL AND {y}.audio_features IS NOT NULL AND {checks}"
        f" AND coalesce(abs({x}.duration_ms - {y}.duration_ms) <= {SAME_AUDIO_MS}, true))"
    )


def feature_distance(x: str, y: str) -> str:
    """SQL: the largest difference of a stable audio feature as a share of its allowance
    (<= FEATURES_AGREE: they agree; NULL when either side has none)."""
    terms = [
        f"abs({_feature(x, n)} - {_feature(y, n)}) / {allowance}"
        for n, allowance in _ALLOWANCE.items()
    ]
    terms.append(
        f"abs({_feature(x, 'tempo')} - {_feature(y, 'tempo')})"
        f" / nullif({TEMPO_ALLOWANCE} * greatest({_feature(x, 'tempo')}, {_feature(y, 'tempo')}), 0)"
    )
    return f"greatest({', '.join(terms)})"


def same_recording(x: str, y: str) -> str:
    """SQL: rows `x` and `y` of one artist and base title are one recording by the evidence
    (version_key, duration_ms, audio_features); see the module's docstring."""
    gap = f"abs({x}.duration_ms - {y}.duration_ms)"
    fade = f"greatest({FADE_MS}, {FADE_RATIO} * greatest({x}.duration_ms, {y}.duration_ms))"
    distance = feature_distance(x, y)
    return f"""(CASE
        WHEN {identical_audio(x, y)} THEN true
        WHEN {x}.version_key IS DISTINCT FROM {y}.version_key THEN false
        WHEN {gap} IS NULL OR {gap} <= {CLOSE_MS} THEN true
        WHEN {gap} > {fade} THEN false
        ELSE coalesce({distance} <= {FEATURES_AGREE}, true) END)"""


def _no_conflict(x: str, y: str) -> str:
    """SQL: no ISRC says `x` (a batch record) and `y` (a track) are different recordings."""
    return f"({y}.isrc IS NULL OR {x}.isrc IS NULL OR {y}.isrc = {x}.isrc)"


TRACK_STEPS = (
    """
    CREATE TEMPORARY TABLE batch_tracks ON COMMIT DROP AS
    SELECT DISTINCT ON (source_type, source_id)
           source_type, source_id, source_uri, line_no AS first_line, title, artist_id,
           album_id, title_key, version_key, duration_ms, isrc, track_mbid, audio_features,
           popularity, track_number, featured,
           NULL::integer AS track_id, NULL::text AS matched_by, NULL::integer AS cluster,
           NULL::integer AS mapped_to
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
    UPDATE batch_tracks b SET track_id = m.track_id, mapped_to = m.track_id,
           matched_by = 'source id'
      FROM track_sources m
     WHERE b.track_id IS NULL AND m.source_type = b.source_type AND m.source_id = b.source_id
    """,
    # Re-ingest: a mapping that the evidence no longer supports is resolved again (the
    # mapping moves; the old track keeps its other sources).
    f"""
    UPDATE batch_tracks b SET track_id = NULL, matched_by = NULL
      FROM tracks t
     WHERE b.matched_by = 'source id' AND t.id = b.track_id
       AND (t.artist_id IS DISTINCT FROM b.artist_id
            OR NOT ({identical_audio("t", "b")}
                    OR (t.title_key = b.title_key AND {same_recording("t", "b")})))
    """,
    # Re-ingest: an older track that is the same recording as both the record and its
    # current track takes the mapping (the track older rules kept apart is emptied).
    f"""
    WITH older AS (
        SELECT DISTINCT ON (b.source_type, b.source_id) b.source_type, b.source_id, t.id
          FROM batch_tracks b
          JOIN tracks c ON c.id = b.track_id
          JOIN tracks t ON t.artist_id = b.artist_id AND t.title_key = b.title_key
                       AND t.id < b.track_id
         WHERE b.matched_by = 'source id'
           AND {same_recording("t", "b")} AND {same_recording("t", "c")}
           AND (t.isrc IS NULL OR c.isrc IS NULL OR t.isrc = c.isrc)
         ORDER BY b.source_type, b.source_id, t.id
    )
    UPDATE batch_tracks b SET track_id = o.id, matched_by = 'joined'
      FROM older o WHERE (b.source_type, b.source_id) = (o.source_type, o.source_id)
    """,
    f"""
    WITH candidates AS (
        SELECT DISTINCT ON (b.source_type, b.source_id) b.source_type, b.source_id, t.id
          FROM batch_tracks b
          JOIN tracks t ON t.artist_id = b.artist_id AND t.title_key = b.title_key
         WHERE b.track_id IS NULL
           AND {same_recording("t", "b")} AND {_no_conflict("b", "t")}
           AND (b.track_mbid IS NULL OR NOT EXISTS (
                SELECT 1 FROM track_sources m
                 WHERE m.track_id = t.id AND m.source_type = 'musicbrainz'))
         ORDER BY b.source_type, b.source_id, t.version_key IS DISTINCT FROM b.version_key,
                  NOT {identical_audio("t", "b")},
                  abs(coalesce(t.duration_ms - b.duration_ms, 0)), t.id
    )
    UPDATE batch_tracks b SET track_id = c.id, matched_by = 'name'
      FROM candidates c WHERE (b.source_type, b.source_id) = (c.source_type, c.source_id)
    """,
    # The same audio under another title ("Tremor - Radio Edit" and "Tremor (Sensation
    # 2014 Anthem) - Radio Edit"): one artist and album, one duration to the millisecond,
    # the same analysis. (Within the album: by artist alone, a prolific artist's every
    # track was read for each of its records.)
    f"""
    WITH candidates AS (
        SELECT DISTINCT ON (b.source_type, b.source_id) b.source_type, b.source_id, t.id
          FROM batch_tracks b
          JOIN tracks t ON t.album_id = b.album_id AND t.duration_ms = b.duration_ms
                       AND t.artist_id = b.artist_id
         WHERE b.track_id IS NULL AND b.audio_features IS NOT NULL
           AND {identical_audio("t", "b")} AND {_no_conflict("b", "t")}
         ORDER BY b.source_type, b.source_id, t.id
    )
    UPDATE batch_tracks b SET track_id = c.id, matched_by = 'audio'
      FROM candidates c WHERE (b.source_type, b.source_id) = (c.source_type, c.source_id)
    """,
    # New tracks: records left open are linked when the evidence says they are one
    # recording ("soft"), or when they share an MBID or ISRC ("hard", whatever their titles
    # say); `cluster_new_tracks` turns the links into tracks.
    f"""
    CREATE TEMPORARY TABLE batch_links ON COMMIT DROP AS
    SELECT x.first_line AS a, y.first_line AS b, false AS hard
      FROM batch_tracks x
      JOIN batch_tracks y ON y.artist_id = x.artist_id AND y.title_key = x.title_key
                         AND y.first_line > x.first_line
     WHERE x.track_id IS NULL AND y.track_id IS NULL
       AND {same_recording("x", "y")} AND {_no_conflict("x", "y")}
       AND (x.track_mbid IS NULL OR y.track_mbid IS NULL OR x.track_mbid = y.track_mbid)
    UNION ALL
    SELECT x.first_line, y.first_line, false
      FROM batch_tracks x
      JOIN batch_tracks y ON y.album_id = x.album_id AND y.duration_ms = x.duration_ms
                         AND y.artist_id = x.artist_id AND y.first_line > x.first_line
     WHERE x.track_id IS NULL AND y.track_id IS NULL
       AND x.title_key IS DISTINCT FROM y.title_key AND x.audio_features IS NOT NULL
       AND {identical_audio("x", "y")} AND {_no_conflict("x", "y")}
    UNION ALL
    SELECT * FROM (
        SELECT min(first_line) OVER same_id AS a, first_line AS b, true AS hard
          FROM batch_tracks WHERE track_id IS NULL AND track_mbid IS NOT NULL
        WINDOW same_id AS (PARTITION BY track_mbid)) AS by_mbid WHERE a < b
    UNION ALL
    SELECT * FROM (
        SELECT min(first_line) OVER same_id AS a, first_line AS b, true AS hard
          FROM batch_tracks WHERE track_id IS NULL AND isrc IS NOT NULL
        WINDOW same_id AS (PARTITION BY isrc)) AS by_isrc WHERE a < b
    """,
    "UPDATE batch_tracks SET cluster = first_line WHERE track_id IS NULL",
)

CLUSTER_TABLE = (
    "CREATE TEMPORARY TABLE batch_clusters (line integer, cluster integer) ON COMMIT DROP"
)
SET_CLUSTERS = """
UPDATE batch_tracks b SET cluster = c.cluster
  FROM batch_clusters c WHERE b.first_line = c.line AND b.track_id IS NULL
"""


# The share of a group's pairs with a cluster that must be linked for the group to join it:
# all of them (complete linkage). Half of them merged chains again: on the stratified
# sample, precision fell to 0.979 (duration gaps) and 0.938 (version tags).
LINKAGE = 1.0


def clusters(links: Iterable[tuple[int, int, bool]]) -> dict[int, int]:
    """Record (first line) -> the first line of its track's representative record.

    Hard links (one MBID or ISRC) join whole groups. Soft links (the evidence) join groups
    by complete linkage: so a chain of releases each a few seconds from the next never
    merges both ends. The representative (whose values the new track takes) is the first
    record of the cluster's first group.
    """
    parent: dict[int, int] = {}

    def find(line: int) -> int:
        root = parent.setdefault(line, line)
        while root != parent[root]:
            root = parent[root]
        while parent[line] != root:
            parent[line], line = root, parent[line]
        return root

    soft: list[tuple[int, int]] = []
    for a, b, hard in links:
        if hard:
            low, high = sorted((find(a), find(b)))
            parent[high] = low
        else:
            soft.append((a, b))
            find(a)
            find(b)
    # Complete linkage: a group joins a cluster only when each of its records is linked
    # to each record of the cluster, so no two records of one track are further apart than
    # the evidence allows. The best connected groups are placed first (a release in the
    # middle of a run of releases a few seconds apart gathers the run), ties by line.
    members: dict[int, list[int]] = {}
    for line in parent:
        members.setdefault(find(line), []).append(line)
    pairs = {(a, b) for a, b in soft} | {(b, a) for a, b in soft}
    neighbours: dict[int, set[int]] = {}
    for a, b in soft:
        ga, gb = find(a), find(b)
        if ga != gb:
            neighbours.setdefault(ga, set()).add(gb)
            neighbours.setdefault(gb, set()).add(ga)
    order = sorted(members, key=lambda g: (-len(neighbours.get(g, ())), g))
    root_of: dict[int, int] = {}
    clustered: dict[int, list[int]] = {}
    for group in order:
        for root in sorted({root_of[g] for g in neighbours.get(group, ()) if g in root_of}):
            cross = [(x, y) in pairs for x in members[group] for y in clustered[root]]
            if sum(cross) >= LINKAGE * len(cross):
                root_of[group] = root
                clustered[root].extend(members[group])
                break
        else:
            root_of[group] = group
            clustered[group] = list(members[group])
    return {line: root_of[find(line)] for line in parent}


def _cluster_new_tracks(connection: Connection) -> None:
    links = connection.exec_driver_sql("SELECT a, b, hard FROM batch_links")
    found = clusters((int(a), int(b), bool(hard)) for a, b, hard in links)
    if not found:
        return
    connection.exec_driver_sql(CLUSTER_TABLE)
    with (
        driver_connection(connection).cursor() as cursor,
        cursor.copy("COPY batch_clusters (line, cluster) FROM STDIN") as copy,
    ):
        for line, cluster in found.items():
            copy.write_row((line, cluster))
    connection.exec_driver_sql(SET_CLUSTERS)


# A new track's representative record first, then the batch's order.
REPRESENTATIVE_FIRST = "first_line <> coalesce(cluster, first_line), first_line"

NEW_TRACK_STEPS = (
    """
    WITH new_ids AS (
        SELECT cluster, nextval('tracks_id_seq') AS id
          FROM (SELECT DISTINCT cluster FROM batch_tracks WHERE track_id IS NULL) AS c
    )
    UPDATE batch_tracks b SET track_id = n.id, matched_by = 'new'
      FROM new_ids n WHERE b.track_id IS NULL AND b.cluster = n.cluster
    """,
    # What the batch knows about each track: the representative record's title, duration
    # and features (the values later records are compared with), the first known value of
    # each other field, the highest popularity.
    f"""
    CREATE TEMPORARY TABLE incoming_tracks ON COMMIT DROP AS
    SELECT track_id,
           bool_or(matched_by = 'new') AS is_new,
           (array_agg(title ORDER BY {REPRESENTATIVE_FIRST}))[1] AS title,
           (array_agg(artist_id ORDER BY {REPRESENTATIVE_FIRST}))[1] AS artist_id,
           (array_agg(title_key ORDER BY {REPRESENTATIVE_FIRST}))[1] AS title_key,
           (array_agg(version_key ORDER BY {REPRESENTATIVE_FIRST}))[1] AS version_key,
           (array_agg(album_id ORDER BY first_line) FILTER (WHERE album_id IS NOT NULL))[1]
               AS album_id,
           (array_agg(duration_ms ORDER BY {REPRESENTATIVE_FIRST})
               FILTER (WHERE duration_ms IS NOT NULL))[1] AS duration_ms,
           (array_agg(isrc ORDER BY first_line) FILTER (WHERE isrc IS NOT NULL))[1] AS isrc,
           (array_agg(audio_features ORDER BY {REPRESENTATIVE_FIRST})
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

# Re-ingest: mappings that moved (split from a wrong merge, joined to an older track) are
# pointed at their new track; a track left without any source by that is deleted unless
# plays, playlists or discovery sessions refer to it (then it stays, findable by id).
REMAPPING = (
    """
    CREATE TEMPORARY TABLE left_tracks ON COMMIT DROP AS
    WITH moved AS (
        UPDATE track_sources m SET track_id = b.track_id, last_synced = now()
          FROM batch_tracks b
         WHERE b.mapped_to IS NOT NULL AND b.track_id <> b.mapped_to
           AND (m.source_type, m.source_id) = (b.source_type, b.source_id)
        RETURNING b.mapped_to AS id
    )
    SELECT DISTINCT id FROM moved
    """,
    """
    DELETE FROM tracks t USING left_tracks l
     WHERE t.id = l.id
       AND NOT EXISTS (SELECT 1 FROM track_sources m WHERE m.track_id = t.id)
       AND NOT EXISTS (SELECT 1 FROM user_interactions u WHERE u.track_id = t.id)
       AND NOT EXISTS (SELECT 1 FROM playlist_tracks p WHERE p.track_id = t.id)
       AND NOT EXISTS (SELECT 1 FROM discovery_session_tracks d WHERE d.track_id = t.id)
    """,
)

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
           m.source_id IS NOT NULL OR coalesce(b.track_id <> b.mapped_to, false) AS new_mapping
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
    for statement in TRACK_STEPS:
        connection.exec_driver_sql(statement)
    _cluster_new_tracks(connection)
    for statement in NEW_TRACK_STEPS:
        connection.exec_driver_sql(statement)
    record_changes(connection, merges=TRACK_MERGES, changed_table="changed_tracks")
    connection.exec_driver_sql(NEW_MAPPINGS)
    for statement in REMAPPING:
        connection.exec_driver_sql(statement)


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
