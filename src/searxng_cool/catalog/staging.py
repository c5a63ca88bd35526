"""The per-batch staging table: validated records COPYed in, then joined to their match keys.

The tables are TEMPORARY and dropped at commit, so each batch's transaction is self-contained:
a batch that fails leaves nothing behind, and a re-run starts clean.
"""

from __future__ import annotations

from collections.abc import Iterable

from psycopg import Connection as PsycopgConnection
from sqlalchemy import Connection

from searxng_cool.catalog.records import STAGING_COLUMNS, SourceRecord

STAGING_TABLE = "ingest_staging"
RAW_TABLE = "ingest_raw"
KEYS_TABLE = "ingest_keys"

CREATE_RAW = f"""
CREATE TEMPORARY TABLE {RAW_TABLE} (
    line_no integer NOT NULL,
    kind text NOT NULL,
    source_type text NOT NULL,
    source_id text NOT NULL,
    source_uri text,
    title text,
    title_base text,
    title_version text NOT NULL,
    artist text NOT NULL,
    artist_primary text NOT NULL,
    featured text[] NOT NULL,
    album text,
    album_source_id text,
    release_date date,
    release_precision text,
    track_number integer,
    duration_ms integer,
    isrc text,
    track_mbid text,
    artist_mbid text,
    album_mbid text,
    genres text[] NOT NULL,
    audio_features jsonb,
    popularity double precision,
    country text,
    played_at timestamptz
) ON COMMIT DROP
"""

# Match keys come from the same IMMUTABLE function that produced the keys stored in the
# catalog, computed once per distinct name of the batch (names repeat: popular artists,
# one recording from several sources) rather than four times per row. (Featured names are
# keyed where they are unnested, in `artists_albums.py`.)
CREATE_KEYS = f"""
CREATE TEMPORARY TABLE {KEYS_TABLE} ON COMMIT DROP AS
SELECT name, catalog_name_key(name) AS key
  FROM (SELECT artist_primary FROM {RAW_TABLE}
        UNION SELECT title_base FROM {RAW_TABLE}
        UNION SELECT title_version FROM {RAW_TABLE}
        UNION SELECT album FROM {RAW_TABLE}) AS names (name)
 WHERE name IS NOT NULL
"""

CREATE_STAGING = f"""
CREATE TEMPORARY TABLE {STAGING_TABLE} ON COMMIT DROP AS
SELECT r.*,
       artist.key AS artist_key, title.key AS title_key, version.key AS version_key,
       album.key AS album_key,
       NULL::integer AS artist_id, NULL::integer AS album_id, NULL::integer AS track_id
  FROM {RAW_TABLE} r
  JOIN {KEYS_TABLE} artist ON artist.name = r.artist_primary
  JOIN {KEYS_TABLE} version ON version.name = r.title_version
  LEFT JOIN {KEYS_TABLE} title ON title.name = r.title_base
  LEFT JOIN {KEYS_TABLE} album ON album.name = r.album
"""


def driver_connection(connection: Connection) -> PsycopgConnection[object]:
    raw = connection.connection.driver_connection
    if not isinstance(raw, PsycopgConnection):
        raise TypeError("catalog ingest needs the psycopg 3 driver (postgresql+psycopg://)")
    return raw


def stage(connection: Connection, *, records: Iterable[SourceRecord]) -> None:
    """Create the batch's staging table: COPY the records in (one round trip), add keys."""
    connection.exec_driver_sql(CREATE_RAW)
    columns = ", ".join(STAGING_COLUMNS)
    with (
        driver_connection(connection).cursor() as cursor,
        cursor.copy(f"COPY {RAW_TABLE} ({columns}) FROM STDIN") as copy,
    ):
        for record in records:
            copy.write_row(record)
    connection.exec_driver_sql(CREATE_KEYS)
    # With the keys' size known the joins below are hashed; the raw table needs no statistics.
    connection.exec_driver_sql(f"ANALYZE {KEYS_TABLE}")
    connection.exec_driver_sql(CREATE_STAGING)
    # Resolution joins the staging table several times; give the planner its size.
    # Only the join columns: statistics on the arrays and JSON would cost more than they help.
    connection.exec_driver_sql(
        f"ANALYZE {STAGING_TABLE} (kind, source_type, source_id, artist_key, album_key, artist_mbid)"
    )
