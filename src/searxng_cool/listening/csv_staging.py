"""Stage a CSV file of events through PostgreSQL's own CSV parser instead of Python's.

Reading a million lines in Python costs several times what COPY does. Here the file's bytes
go to the server untouched; rows whose every field is in its plain form (ids and durations
as digits, a known interaction type, an ISO 8601 or Unix time, no context or a small JSON
object) are converted by one set-based statement; every other row goes back through the
Python reader, so its event or its rejection is exactly what `files.read_events` makes of
it. When the server cannot take the file as it is (a ragged row, bytes that are not UTF-8,
a quoted line break, a blank line, a date that does not exist, JSON that jsonb refuses),
everything done here is rolled back to a savepoint and the caller reads the whole file in
Python instead: the fast path never decides a row differently, it only decides faster.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
from sqlalchemy import Connection, text

from searxng_cool.db.models.users import INTERACTION_TYPES
from searxng_cool.errors import EnvironmentProblem
from searxng_cool.listening import files
from searxng_cool.listening.events import InteractionEvent
from searxng_cool.rejects import Rejection

RAW_COLUMNS = files.REQUIRED_FIELDS + files.OPTIONAL_FIELDS

CREATE_RAW = """
CREATE TEMP TABLE interaction_raw (
    ord bigserial,
    user_id text, track_id text, interaction_type text,
    play_duration_ms text, context text, created_at text
) ON COMMIT DROP
"""

# A field in its plain form can be converted in SQL exactly as the Python reader would.
# Cheap string functions rather than regular expressions where they can say the same (a
# regular expression costs about 0.5 s per million rows here); CASE fixes the order of
# evaluation, so a cast only ever sees text its check admits.
_DIGITS = "length({c}) BETWEEN 1 AND 10 AND ltrim({c}, '0123456789') = ''"
_PLAIN_ID = f"CASE WHEN {_DIGITS} THEN {{c}}::bigint BETWEEN 1 AND 2147483647 END"
_ISO_TIME = (
    "^(19[89][0-9]|2[0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
    "([T ]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\\.[0-9]{1,6})?)?)?"
    "(Z|[+-](0[0-9]|1[0-4]):[0-5][0-9])?$"
)
PLAIN = f"""coalesce(
    ({_PLAIN_ID.format(c="user_id")})
    AND ({_PLAIN_ID.format(c="track_id")})
    AND interaction_type = ANY(CAST(:known_types AS text[]))
    AND CASE WHEN coalesce(play_duration_ms, '') = '' THEN true
             WHEN {_DIGITS.format(c="play_duration_ms")}
             THEN play_duration_ms::bigint <= 2147483647 END
    AND CASE WHEN coalesce(context, '') IN ('', '{{}}') THEN true
             ELSE context ~ '^[{{].*[}}]$' AND length(context) <= 16384
                  AND strpos(context, '\\u0000') = 0 AND strpos(lower(context), '\\ud') = 0
                  AND context !~ '[0-9][eE]' END
    AND CASE WHEN coalesce(created_at, '') = '' THEN true
             WHEN {_DIGITS.format(c="created_at")} THEN created_at::bigint > 0
             ELSE created_at ~ '{_ISO_TIME}' END,
    false)"""

STAGE_PLAIN = f"""
INSERT INTO interaction_staging
       (line, user_id, track_id, interaction_type, play_duration_ms, context, created_at)
SELECT ord + 1, user_id::integer, track_id::integer, interaction_type,
       nullif(play_duration_ms, '')::integer,
       CASE WHEN coalesce(context, '') IN ('', '{{}}') THEN NULL ELSE context::jsonb END,
       CASE WHEN coalesce(created_at, '') = '' THEN NULL
            WHEN ltrim(created_at, '0123456789') = '' THEN to_timestamp(created_at::bigint)
            ELSE created_at::timestamptz END  -- run with TimeZone UTC: naive text is UTC
  FROM interaction_raw
 WHERE {PLAIN}
"""

# The rows the statement above left out (usually none: then this is not run).
SET_ASIDE_NOT_PLAIN = f"""
CREATE TEMP TABLE interaction_not_plain ON COMMIT DROP AS
SELECT r.ord + 1 AS line, {", ".join(f"r.{name}" for name in RAW_COLUMNS)}
  FROM interaction_raw r
 WHERE NOT EXISTS (SELECT FROM interaction_staging s WHERE s.line = r.ord + 1)
"""
NOT_PLAIN_CHUNK = f"""
SELECT line, {", ".join(RAW_COLUMNS)}
  FROM interaction_not_plain
 WHERE line > :after
 ORDER BY line
 LIMIT {{limit}}
"""
CHUNK_ROWS = 10_000

# Errors that mean "the server reads this file differently", not "the database is broken".
_FALL_BACK_ON = (psycopg.errors.DataError, psycopg.errors.BadCopyFileFormat)


def _header(path: Path) -> list[str]:
    """The CSV header, checked as the Python reader checks it (an InvalidInput otherwise)."""
    with files.open_file(path) as handle:
        first = files.without_bom(handle.readline()).decode("utf-8", "surrogateescape")
    return files.csv_header(csv.reader(io.StringIO(first), strict=True), path)


def _copy_raw(
    connection: Connection, path: Path, header: list[str], progress: Callable[[int], None] | None
) -> None:
    raw = connection.connection.driver_connection
    if raw is None:
        raise EnvironmentProblem("the database connection is closed; cannot stage the batch")
    statement = (
        f"COPY interaction_raw ({', '.join(header)}) FROM STDIN WITH (FORMAT csv, HEADER true)"
    )
    lines = 0
    with path.open("rb") as source, raw.cursor() as cursor, cursor.copy(statement) as copy:
        while chunk := source.read(1 << 20):
            copy.write(chunk)
            lines += chunk.count(b"\n")
            if progress is not None:
                progress(max(lines - 1, 0))


def _not_plain_chunks(
    connection: Connection, header: list[str]
) -> Iterator[list[InteractionEvent | Rejection]]:
    """The rows not in plain form, read by the Python reader's own rules, a chunk at a time.

    Chunks, not a stream: staging them is a COPY on this same connection, which cannot
    run while a cursor on it is still being read.
    """
    connection.execute(text(SET_ASIDE_NOT_PLAIN))
    connection.execute(text("CREATE INDEX ON interaction_not_plain (line)"))
    chunk = text(NOT_PLAIN_CHUNK.format(limit=CHUNK_ROWS))
    after = 0
    while rows := connection.execute(chunk, {"after": after}).all():
        items: list[InteractionEvent | Rejection] = []
        for line, *values in rows:
            # COPY reads an unquoted empty field as NULL; the Python reader sees "".
            fields = {name: value or "" for name, value in zip(RAW_COLUMNS, values, strict=True)}
            items.append(files.csv_item({name: fields[name] for name in header}, int(line)))
        yield items
        after = int(rows[-1][0])


def _stage_plain(connection: Connection) -> int:
    """Convert the plain rows, reading a time without an offset as UTC (as Python does)."""
    zone = connection.execute(text("SELECT current_setting('TimeZone')")).scalar_one()
    connection.execute(text("SELECT set_config('TimeZone', 'UTC', true)"))
    staged = connection.execute(
        text(STAGE_PLAIN), {"known_types": list(INTERACTION_TYPES)}
    ).rowcount
    connection.execute(text("SELECT set_config('TimeZone', :zone, true)"), {"zone": zone})
    return int(staged)


def stage_csv(
    connection: Connection,
    *,
    path: Path,
    copy_items: Callable[[list[InteractionEvent | Rejection]], object],
    progress: Callable[[int], None] | None = None,
) -> int | None:
    """Fill `interaction_staging` from a CSV file; None when the file needs the Python reader.

    `copy_items` stages the rows that are not in plain form the way the Python path stages
    every row (reporting their rejections). Returns the number of data rows read.
    """
    header = _header(path)
    savepoint = connection.begin_nested()
    try:
        connection.execute(text(CREATE_RAW))
        _copy_raw(connection, path, header, progress)
        rows = int(connection.execute(text("SELECT count(*) FROM interaction_raw")).scalar_one())
        if rows != files.count_lines(path) - 1:
            # A quoted line break or a blank line: line numbers would not match the file's.
            savepoint.rollback()
            return None
        plain = _stage_plain(connection)
    except _FALL_BACK_ON:
        savepoint.rollback()
        return None
    except Exception as exc:  # SQLAlchemy wraps what the statements above raise
        if isinstance(getattr(exc, "orig", None), _FALL_BACK_ON):
            savepoint.rollback()
            return None
        raise
    if plain < rows:
        for items in _not_plain_chunks(connection, header):
            copy_items(items)
    savepoint.commit()
    return rows
