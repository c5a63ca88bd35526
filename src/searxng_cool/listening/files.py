"""Read interaction events from a JSON Lines or CSV file, one item per data line.

Every line becomes an InteractionEvent or a Rejection saying why it is not one (bad
JSON, not UTF-8, a field of the wrong type, an unknown field): a bad line never stops the
file. A file that cannot be read at all (missing, unknown format, a CSV header without the
required columns) is refused before anything is recorded.

Fields: user_id, track_id, interaction_type (required); play_duration_ms, context (a JSON
object), created_at (ISO 8601, naive = UTC, or Unix seconds) optional.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from searxng_cool import json_input
from searxng_cool.errors import InvalidInput
from searxng_cool.listening.events import InteractionEvent
from searxng_cool.rejects import Rejection

REQUIRED_FIELDS = ("user_id", "track_id", "interaction_type")
OPTIONAL_FIELDS = ("play_duration_ms", "context", "created_at")
KNOWN_FIELDS = frozenset(REQUIRED_FIELDS + OPTIONAL_FIELDS)
FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".csv": "csv"}
MAX_LINE_BYTES = 1024 * 1024
_DIGITS = re.compile(r"[0-9]{1,12}")
# Bytes that were not UTF-8, as decoded with errors="surrogateescape".
_UNDECODABLE = re.compile("[\udc80-\udcff]")


class FieldError(ValueError):
    """One field of one line is unusable; the message is the rejection's reason."""


def detect_format(path: Path, file_format: str | None) -> str:
    if file_format is not None:
        if file_format not in {"jsonl", "csv"}:
            raise InvalidInput(f"format {file_format!r} is not known; use jsonl or csv")
        return file_format
    found = FORMATS.get(path.suffix.lower())
    if found is None:
        raise InvalidInput(
            f"cannot tell the format of {path.name} from its suffix; pass --format jsonl or csv"
        )
    return found


def count_lines(path: Path) -> int:
    """Data lines in the file (for a progress bar's total): newlines, plus a last partial line."""
    total, last = 0, b"\n"
    with open_file(path) as handle:
        while chunk := handle.read(1 << 20):
            total += chunk.count(b"\n")
            last = chunk[-1:]
    return total + (last != b"\n")


def open_file(path: Path) -> Any:
    try:
        return path.open("rb")
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}") from exc


def _parse_time(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return _from_unix(value)
    if isinstance(value, str) and _DIGITS.fullmatch(value):
        return _from_unix(int(value))
    if not isinstance(value, str):
        raise FieldError(f"created_at must be ISO 8601 text or Unix seconds, got {value!r:.80}")
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise FieldError(f"created_at {value!r:.80} is not an ISO 8601 timestamp") from None


def _from_unix(seconds: int) -> datetime:
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        raise FieldError(f"created_at {seconds} is not a usable Unix time") from None


def _text_int(name: str, value: str) -> int | None:
    if value == "":
        return None
    if not _DIGITS.fullmatch(value):
        raise FieldError(f"{name} must be a whole number, got {value!r:.80}")
    return int(value)


def _event_from_mapping(fields: dict[str, Any], line: int) -> InteractionEvent:
    unknown = sorted(set(fields) - KNOWN_FIELDS)
    if unknown:
        known = ", ".join(REQUIRED_FIELDS + OPTIONAL_FIELDS)
        raise FieldError(f"unknown field(s) {', '.join(map(repr, unknown))}; known: {known}")
    missing = [name for name in REQUIRED_FIELDS if fields.get(name) in (None, "")]
    if missing:
        raise FieldError(f"missing {', '.join(missing)}")
    return InteractionEvent(
        user_id=fields["user_id"],
        track_id=fields["track_id"],
        interaction_type=fields["interaction_type"],
        play_duration_ms=fields.get("play_duration_ms"),
        context=fields.get("context"),
        created_at=_parse_time(fields.get("created_at")),
        line=line,
    )


def _jsonl_item(raw: bytes, line: int) -> InteractionEvent | Rejection | None:
    if len(raw) > MAX_LINE_BYTES:
        return Rejection(line, "malformed", f"line is {len(raw)} bytes; at most 1 MiB")
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return Rejection(line, "malformed", f"not UTF-8 text ({exc.reason} at byte {exc.start})")
    if not decoded.strip():
        return None
    try:
        fields = json_input.loads(decoded, what="the line")
        if not isinstance(fields, dict):
            raise FieldError(f"a line must hold a JSON object, got {type(fields).__name__}")
        return _event_from_mapping(fields, line)
    except (FieldError, InvalidInput) as exc:
        return Rejection(line, "malformed", str(exc), input=decoded)


def _jsonl_items(path: Path) -> Iterator[InteractionEvent | Rejection]:
    with open_file(path) as handle:
        for line, raw in enumerate(handle, start=1):
            item = _jsonl_item(raw.rstrip(b"\r\n"), line)
            if item is not None:
                yield item


def _csv_event(row: dict[str, str], line: int) -> InteractionEvent:
    if any(_UNDECODABLE.search(value) for value in row.values()):
        raise FieldError("not UTF-8 text")
    context: Any = None
    if row.get("context") == "{}":
        context = {}
    elif row.get("context"):
        try:
            context = json_input.loads(row["context"], what="context")
        except InvalidInput as exc:
            raise FieldError(str(exc)) from None
    return _event_from_mapping(
        {
            "user_id": _text_int("user_id", row.get("user_id", "")),
            "track_id": _text_int("track_id", row.get("track_id", "")),
            "interaction_type": row.get("interaction_type", ""),
            "play_duration_ms": _text_int("play_duration_ms", row.get("play_duration_ms", "")),
            "context": context,
            "created_at": row.get("created_at"),
        },
        line,
    )


def csv_header(reader: Any, path: Path) -> list[str]:
    header = next(reader, None)
    missing = [name for name in REQUIRED_FIELDS if name not in (header or [])]
    if header is None or missing:
        raise InvalidInput(
            f"{path.name}: the CSV header must name {', '.join(REQUIRED_FIELDS)}"
            f" (missing: {', '.join(missing)}); optional: {', '.join(OPTIONAL_FIELDS)}"
        )
    unknown = [name for name in header if name not in KNOWN_FIELDS]
    if unknown:
        raise InvalidInput(f"{path.name}: unknown CSV column(s) {', '.join(map(repr, unknown))}")
    duplicated = sorted({name for name in header if header.count(name) > 1})
    if duplicated:
        raise InvalidInput(
            f"{path.name}: the CSV header names column(s) {', '.join(duplicated)} more than once"
        )
    return list(header)


def without_bom(first_line: bytes) -> bytes:
    """The first line without a UTF-8 byte-order mark: the encoding's marker, not a column."""
    return first_line.removeprefix(codecs.BOM_UTF8)


def _csv_items(path: Path) -> Iterator[InteractionEvent | Rejection]:
    with open_file(path) as handle:
        text_stream = (
            (without_bom(raw) if number == 0 else raw).decode("utf-8", "surrogateescape")
            for number, raw in enumerate(handle)
        )
        reader = csv.reader(text_stream, strict=True)
        header = csv_header(reader, path)
        while True:
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield Rejection(reader.line_num, "malformed", f"not CSV: {exc}")
                continue
            if not values:
                continue
            line = reader.line_num
            if len(values) != len(header):
                reason = f"{len(values)} fields where the header has {len(header)}"
                yield Rejection(line, "malformed", reason, input=",".join(values))
                continue
            yield csv_item(dict(zip(header, values, strict=True)), line)


def csv_item(row: dict[str, str], line: int) -> InteractionEvent | Rejection:
    """One CSV row (column -> text, in header order) as an event or the reason it is not."""
    try:
        return _csv_event(row, line)
    except FieldError as exc:
        return Rejection(line, "malformed", str(exc), input=",".join(row.values()))


def read_events(
    path: Path, *, file_format: str | None = None
) -> Iterator[InteractionEvent | Rejection]:
    """The file's items, lazily; the header and format are checked before the first one."""
    found = detect_format(path, file_format)
    items = _jsonl_items(path) if found == "jsonl" else _csv_items(path)
    if found == "csv":
        # Check the header now, not at the first next(): a bad file is refused up front.
        first = next(items, None)
        return _prepend(first, items)
    return items


def _prepend(
    first: InteractionEvent | Rejection | None, rest: Iterator[InteractionEvent | Rejection]
) -> Iterator[InteractionEvent | Rejection]:
    if first is not None:
        yield first
    yield from rest
