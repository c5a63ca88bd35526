"""Reading interaction files (JSON Lines, CSV) and loading them in one batch."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, text

from searxng_cool.errors import InvalidInput
from searxng_cool.listening.events import InteractionEvent
from searxng_cool.listening.files import count_lines, read_events
from searxng_cool.listening.recording import record_batch
from searxng_cool.rejects import CollectedRejects, Rejection
from tests import factories


def write(tmp_path: Path, name: str, content: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def test_jsonl_lines_become_events_with_their_line_numbers(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "e.jsonl",
        '{"user_id": 1, "track_id": 2, "interaction_type": "play", "play_duration_ms": 5,'
        ' "context": {"a": 1}, "created_at": "2020-02-03T04:05:06Z"}\n'
        "\n"
        '{"user_id": 3, "track_id": 4, "interaction_type": "like", "created_at": 1600000000}\n',
    )
    items = list(read_events(path))
    assert items == [
        InteractionEvent(1, 2, "play", 5, {"a": 1}, datetime(2020, 2, 3, 4, 5, 6, tzinfo=UTC), 1),
        InteractionEvent(3, 4, "like", None, None, datetime.fromtimestamp(1600000000, UTC), 3),
    ]


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (b"[1, 2]", "must hold a JSON object"),
        (b"{nope", "not valid JSON"),
        (b'{"user_id": 1, "interaction_type": "play"}', "missing track_id"),
        (
            b'{"user_id": 1, "track_id": 2, "interaction_type": "play", "duration": 3}',
            "unknown field",
        ),
        (
            b'{"user_id": 1, "track_id": 2, "interaction_type": "play", "created_at": "yesterday"}',
            "not an ISO 8601 timestamp",
        ),
        (b'{"user_id": 1, "track_id": 2, "interaction_type": "\xff"}', "not UTF-8"),
    ],
)
def test_a_bad_jsonl_line_is_a_rejection_with_its_reason(
    tmp_path: Path, line: bytes, reason: str
) -> None:
    path = write(
        tmp_path,
        "e.jsonl",
        b'{"user_id": 1, "track_id": 2, "interaction_type": "play"}\n' + line + b"\n",
    )
    items = list(read_events(path))
    assert isinstance(items[0], InteractionEvent)
    assert isinstance(items[1], Rejection)
    assert items[1].line == 2
    assert reason in items[1].reason


def test_csv_rows_become_events_and_bad_rows_rejections(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "e.csv",
        "user_id,track_id,interaction_type,play_duration_ms,created_at\n"
        "1,2,play,100,2021-01-01T00:00:00+00:00\n"
        "x,2,play,,\n"
        "1,2,skip\n"
        '1,2,like,,""\n',
    )
    items = list(read_events(path))
    assert items[0] == InteractionEvent(
        1, 2, "play", 100, None, datetime(2021, 1, 1, tzinfo=UTC), 2
    )
    assert isinstance(items[1], Rejection)
    assert items[1].line == 3
    assert "user_id must be a whole number" in items[1].reason
    assert isinstance(items[2], Rejection)
    assert "3 fields where the header has 5" in items[2].reason
    assert items[3] == InteractionEvent(1, 2, "like", None, None, None, 5)


def test_a_csv_without_the_required_columns_is_refused_before_reading_rows(tmp_path: Path) -> None:
    path = write(tmp_path, "e.csv", "user,track\n1,2\n")
    with pytest.raises(InvalidInput, match="header must name user_id, track_id, interaction_type"):
        read_events(path)


def test_an_unknown_suffix_asks_for_the_format(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="--format jsonl or csv"):
        read_events(write(tmp_path, "e.txt", ""))


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="cannot read"):
        list(read_events(tmp_path / "absent.jsonl"))


def test_line_count_includes_a_last_line_without_newline(tmp_path: Path) -> None:
    assert count_lines(write(tmp_path, "a.jsonl", "1\n2\n3")) == 3
    assert count_lines(write(tmp_path, "b.jsonl", "1\n2\n")) == 2


def test_a_file_loads_good_lines_and_reports_the_rest(
    connection: Connection, tmp_path: Path
) -> None:
    user = factories.user(connection)
    track = factories.track(connection, duration_ms=1000)
    lines = [
        {"user_id": user, "track_id": track, "interaction_type": "play", "play_duration_ms": 900},
        {"user_id": user, "track_id": track, "interaction_type": "play", "play_duration_ms": 1001},
        {"user_id": user, "track_id": track + 100, "interaction_type": "save"},
    ]
    path = write(tmp_path, "e.jsonl", "\n".join(json.dumps(x) for x in lines) + "\nbroken\n")
    rejects = CollectedRejects()
    report = record_batch(connection, events=read_events(path), rejects=rejects)
    assert (report.accepted, report.rejected) == (1, 3)
    assert sorted(r.line for r in rejects.items if r.line) == [2, 3, 4]
    assert connection.execute(text("SELECT count(*) FROM user_interactions")).scalar_one() == 1


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    lines=st.lists(
        st.one_of(
            st.binary(max_size=200),
            st.text(max_size=200).map(str.encode),
            st.dictionaries(
                st.sampled_from(
                    [
                        "user_id",
                        "track_id",
                        "interaction_type",
                        "play_duration_ms",
                        "context",
                        "created_at",
                        "other",
                    ]
                ),
                st.one_of(
                    st.integers(-5, 2**40),
                    st.text(max_size=30),
                    st.none(),
                    st.floats(),
                    st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=2),
                ),
            ).map(lambda d: json.dumps(d).encode()),
        ),
        max_size=8,
    ),
    suffix=st.sampled_from([".jsonl", ".csv"]),
)
def test_hostile_file_content_is_loaded_or_rejected_never_a_crash(
    connection: Connection,
    tmp_path_factory: pytest.TempPathFactory,
    lines: list[bytes],
    suffix: str,
) -> None:
    header = b"user_id,track_id,interaction_type,play_duration_ms,context,created_at\n"
    body = b"\n".join(line.replace(b"\n", b" ") for line in lines)
    path = tmp_path_factory.mktemp("hostile") / f"e{suffix}"
    path.write_bytes((header if suffix == ".csv" else b"") + body)
    with connection.begin_nested() as savepoint:
        rejects = CollectedRejects()
        report = record_batch(connection, events=read_events(path), rejects=rejects)
        stored = connection.execute(text("SELECT count(*) FROM user_interactions")).scalar_one()
        assert stored == report.accepted
        assert report.rejected == len(rejects.items)
        savepoint.rollback()
