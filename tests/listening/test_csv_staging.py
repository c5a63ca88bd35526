"""CSV files parsed by the server: the same events and rejections as the Python reader."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, text

from searxng_cool.errors import InvalidInput
from searxng_cool.listening import csv_staging, recording
from searxng_cool.listening.events import RejectCounter
from searxng_cool.listening.files import read_events
from searxng_cool.rejects import CollectedRejects
from tests import factories

HEADER = ["user_id", "track_id", "interaction_type", "play_duration_ms", "context", "created_at"]
STORED = (
    "SELECT user_id, track_id, interaction_type, play_duration_ms, context, created_at"
    " FROM user_interactions ORDER BY id"
)


def csv_bytes(rows: list[list[str]], header: list[str] = HEADER) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def outcome(connection: Connection, load: Any) -> tuple[list[Any], list[Any], int]:
    """What a load leaves behind (stored rows, rejections), undone afterwards."""
    with connection.begin_nested() as savepoint:
        rejects = CollectedRejects()
        report = load(rejects)
        stored = [tuple(row) for row in connection.execute(text(STORED))]
        refused = sorted((r.line, r.code, r.reason, r.input) for r in rejects.items)
        savepoint.rollback()
    assert report.accepted == len(stored)
    assert report.rejected == len(refused)
    return stored, refused, report.accepted


def both_ways(connection: Connection, path: Path) -> tuple[Any, Any]:
    fast = outcome(
        connection, lambda sink: recording.record_file(connection, path=path, rejects=sink)
    )
    slow = outcome(
        connection,
        lambda sink: recording.record_batch(connection, events=read_events(path), rejects=sink),
    )
    return fast, slow


def staged_by_server(connection: Connection, path: Path) -> int | None:
    with connection.begin_nested() as savepoint:
        recording._create_staging(connection)
        counter = RejectCounter(None)
        rows = csv_staging.stage_csv(
            connection,
            path=path,
            copy_items=lambda items: recording._copy_items(connection, items, counter, None),
        )
        savepoint.rollback()
    return rows


@pytest.fixture
def ids(connection: Connection) -> dict[str, int]:
    return {
        "user": factories.user(connection),
        "track": factories.track(connection, duration_ms=200_000),
    }


def test_a_plain_file_is_parsed_by_the_server_and_stored_as_the_python_reader_would(
    connection: Connection, ids: dict[str, int], tmp_path: Path
) -> None:
    user, track = str(ids["user"]), str(ids["track"])
    rows = [
        [user, track, "play", "1000", "{}", "2026-01-02T03:04:05+00:00"],
        [user, track, "like", "", "", "2026-01-02 03:04:05"],  # naive: UTC
        [user, track, "skip", "5", '{"playlist": 7}', "1767323045"],  # Unix seconds
        [user, track, "save", "", "", ""],  # no time: now
        [user, track, "play", "1000", "", "2026-01-02T03:04:05.123456Z"],
        [user, track, "play", "1000", "", "2026-01-02T05:04:05+02:00"],
    ]
    path = tmp_path / "plain.csv"
    path.write_bytes(csv_bytes(rows))
    assert staged_by_server(connection, path) == len(rows)
    fast, slow = both_ways(connection, path)
    assert fast == slow
    assert fast[2] == len(rows)


def test_rows_not_in_plain_form_are_judged_by_the_python_reader(
    connection: Connection, ids: dict[str, int], tmp_path: Path
) -> None:
    user, track = str(ids["user"]), str(ids["track"])
    rows = [
        [user, track, "play", "1000", "{}", "2026-01-02T03:04:05+00:00"],
        ["+1", track, "play", "", "", ""],  # not plain digits
        [user, "x", "play", "", "", ""],
        [user, track, "dance", "", "", ""],  # unknown type
        [user, track, "play", "-5", "", ""],
        [user, track, "play", "", "[1]", ""],  # context not an object
        [user, track, "play", "", "{broken", ""],
        [user, track, "play", "", "", "0"],  # the epoch
        [user, track, "play", "", "", "1960-01-01"],
        [user, track, "play", "", "", "2026-01-02T03"],  # ISO, but not a plain form
        [user, track, "play", "999999", "", ""],  # longer than the track
        ["987654", track, "play", "", "", ""],  # unknown user
        [user, track, "play", "0012", "", "2026-01-02T03:04:05+0530"],
    ]
    path = tmp_path / "mixed.csv"
    path.write_bytes(csv_bytes(rows))
    assert staged_by_server(connection, path) == len(rows)
    fast, slow = both_ways(connection, path)
    assert fast == slow
    assert fast[2] == 3  # the first, "2026-01-02T03" and the +0530 row
    assert {line for line, *_ in fast[1]} == {3, 4, 5, 6, 7, 8, 9, 10, 12, 13}


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("quoted line break", b'"1","1","play","","{""a"": ""x\ny""}",""\n'),
        ("ragged row", b"1,1,play\n"),
        ("blank line", b"1,1,play,,,\n\n1,1,play,,,\n"),
        ("not UTF-8", b"1,1,play,,\xff,\n"),
        ("a day that does not exist", b"1,1,play,,,2026-02-30\n"),
    ],
)
def test_a_file_the_server_reads_differently_falls_back_to_the_python_reader(
    connection: Connection, ids: dict[str, int], tmp_path: Path, name: str, content: bytes
) -> None:
    body = content.replace(b"1,1,", f"{ids['user']},{ids['track']},".encode())
    path = tmp_path / "odd.csv"
    path.write_bytes(csv_bytes([]) + body)
    assert staged_by_server(connection, path) is None, name
    fast, slow = both_ways(connection, path)
    assert fast == slow


def test_a_missing_file_is_a_clear_error(connection: Connection, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="cannot read"):
        recording.record_file(connection, path=tmp_path / "absent.csv")


def test_a_bad_header_is_refused_before_anything_is_read(
    connection: Connection, tmp_path: Path
) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_bytes([["1", "1"]], header=["user_id", "track"]))
    with pytest.raises(InvalidInput, match="header must name"):
        recording.record_file(connection, path=path)


FIELD = st.one_of(
    st.sampled_from(["", "0", "1", "2", "00002", "2147483648", "-1", " 1", "1.5", "abc"]),
    st.sampled_from(["play", "like", "skip", "Play", "unknown"]),
    st.sampled_from(["{}", '{"a": 1}', '{"a": 1e999}', "[]", "{", '{"a": "\\u0000"}', "null"]),
    st.sampled_from(
        [
            "2026-01-02",
            "2026-01-02T03:04:05Z",
            "2026-01-02T03:04:05.5+01:00",
            "2026-01-02T24:00:00",
            "2026-13-01",
            "1970-01-01T00:00:01Z",
            "1700000000",
            "99999999999",
            "2026-01-02T03:04:05+15:00",
        ]
    ),
    st.text(max_size=12),
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(st.lists(FIELD, min_size=6, max_size=6), max_size=6))
def test_any_file_gives_the_same_events_and_rejections_both_ways(
    connection: Connection,
    ids: dict[str, int],
    tmp_path_factory: pytest.TempPathFactory,
    rows: list[list[str]],
) -> None:
    # Point ids that look like 1 and 2 at the real user and track, so rows can be accepted.
    real = {"1": str(ids["user"]), "2": str(ids["track"])}
    rows = [[real.get(v, v) if i < 2 else v for i, v in enumerate(row)] for row in rows]
    path = tmp_path_factory.mktemp("both") / "e.csv"
    path.write_bytes(csv_bytes(rows))
    fast, slow = both_ways(connection, path)
    assert fast == slow
