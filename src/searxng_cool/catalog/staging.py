"""The per-batch staging table: validated records COPYed in, match keys computed on the way.

The table is TEMPORARY and dropped at commit, so each batch's transaction is self-contained:
a batch that fails leaves nothing behind, and a re-run starts clean.
"""

from __future__ import annotations

from collections.abc import Iterable

from psycopg import Connection as PsycopgConnection
from sqlalchemy import Connection

from searxng_cool.catalog.records import STAGING_COLUMNS, SourceRecord

STAGING_TABLE = "ingest_staging"

# Keys are GENERATED columns so PostgreSQL computes them during COPY, with the same
# IMMUTABLE function that produced the keys stored in the catalog.
CREATE_STAGING = f"""
CREATE TEMPORARY TABLE {STAGING_TABLE} (
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
    played_at timestamptz,
    artist_key text GENERATED ALWAYS AS (catalog_name_key(artist_primary)) STORED,
    title_key text GENERATED ALWAYS AS (catalog_name_key(title_base)) STORED,
    version_key text GENERATED ALWAYS AS (catalog_name_key(title_version)) STORED,
    album_key text GENERATED ALWAYS AS (catalog_name_key(album)) STORED,
    artist_id integer,
    album_id integer,
    track_id integer
) ON COMMIT DROP
"""


def driver_connection(connection: Connection) -> PsycopgConnection[object]:
    raw = connection.connection.driver_connection
    if not isinstance(raw, PsycopgConnection):
        raise TypeError("catalog ingest needs the psycopg 3 driver (postgresql+psycopg://)")
    return raw


def stage(connection: Connection, records: Iterable[SourceRecord]) -> None:
    """Create the batch's staging table and COPY the records into it (one round trip)."""
    connection.exec_driver_sql(CREATE_STAGING)
    columns = ", ".join(STAGING_COLUMNS)
    with (
        driver_connection(connection).cursor() as cursor,
        cursor.copy(f"COPY {STAGING_TABLE} ({columns}) FROM STDIN") as copy,
    ):
        for record in records:
            copy.write_row(record)
    # Resolution joins the staging table several times; give the planner its size.
    # Only the join columns: statistics on the arrays and JSON would cost more than they help.
    connection.exec_driver_sql(
        f"ANALYZE {STAGING_TABLE} (source_type, source_id, artist_key, album_key, artist_mbid)"
    )
