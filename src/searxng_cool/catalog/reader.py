"""Reading source files: CSV or JSON Lines, through a YAML column mapping, into record fields.

A mapping says which column feeds which record field (see `records.py` for the fields):

    name: spotify-songs          # what `--format` calls it
    kind: track                  # or artist
    source_type: spotify         # constant for every row (or map a column to it)
    null_values: ["", "NA"]      # cells that mean "absent", in every column
    field_null_values: {album: ["0"]}   # ... or in one field only
    columns: {source_id: track_id, title: track_name, artist: track_artist}
    genre_columns: [playlist_genre, playlist_subgenre]
    audio_feature_columns: {danceability: danceability, tempo: tempo}
    templates: {source_uri: "spotify:track:{source_id}"}   # built from other fields

Templates that start with "http" URL-encode the values they insert. Columns a mapping does
not name are ignored. Without a mapping, a file already holds record fields: a CSV header
names them (genres joined with "|"), a JSON Lines object has them as keys.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any
from urllib.parse import quote

import yaml

from searxng_cool import json_input
from searxng_cool.catalog.records import RecordRejected
from searxng_cool.db.models.catalog import AUDIO_FEATURES
from searxng_cool.errors import InvalidInput, NotFound

JSON_LINES_SUFFIXES = (".jsonl", ".ndjson", ".json")
NATIVE_FIELDS = [
    "kind",
    "source_type",
    "source_id",
    "source_uri",
    "title",
    "artist",
    "album",
    "album_source_id",
    "release_date",
    "track_number",
    "duration_ms",
    "isrc",
    "track_mbid",
    "artist_mbid",
    "album_mbid",
    "popularity",
    "country",
    "played_at",
]


@dataclass(frozen=True)
class Mapping:
    name: str
    kind: str = "track"
    source_type: str | None = None
    null_values: frozenset[str] = frozenset({""})
    field_null_values: dict[str, frozenset[str]] = field(default_factory=dict)
    columns: dict[str, str] = field(default_factory=dict)
    genre_columns: tuple[str, ...] = ()
    audio_feature_columns: dict[str, str] = field(default_factory=dict)
    templates: dict[str, str] = field(default_factory=dict)
    native: bool = False


NATIVE = Mapping(
    name="records",
    columns={name: name for name in NATIVE_FIELDS},
    audio_feature_columns={name: name for name in AUDIO_FEATURES},
    native=True,
)


def shipped_formats() -> list[str]:
    """The names of the column mappings shipped with the project (`--format NAME`)."""
    folder = files(__package__) / "mappings"
    return sorted(p.name.removesuffix(".yml") for p in folder.iterdir() if p.name.endswith(".yml"))


def load_mapping(*, format_name: str | None = None, mapping_file: Path | None = None) -> Mapping:
    """The shipped mapping called `format_name`, a YAML file, or (neither) native records."""
    if format_name and mapping_file:
        raise InvalidInput("give --format or --mapping, not both")
    if mapping_file is not None:
        if not mapping_file.is_file():
            raise NotFound(f"mapping file {mapping_file} does not exist")
        return mapping_from_yaml(mapping_file.read_text(encoding="utf-8"), str(mapping_file))
    if format_name is None:
        return NATIVE
    if format_name not in shipped_formats():
        known = ", ".join(shipped_formats())
        raise NotFound(f"format {format_name!r} is unknown; known formats: {known}")
    text = (files(__package__) / "mappings" / f"{format_name}.yml").read_text(encoding="utf-8")
    return mapping_from_yaml(text, format_name)


def mapping_from_yaml(text: str, where: str) -> Mapping:
    try:
        spec = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InvalidInput(f"mapping {where} is not valid YAML: {exc}") from exc
    if not isinstance(spec, dict) or not isinstance(spec.get("columns"), dict):
        raise InvalidInput(f"mapping {where} needs a `columns:` table of field: column")
    features = spec.get("audio_feature_columns") or {}
    if isinstance(features, list):
        features = {name: name for name in features}
    unknown = set(features) - set(AUDIO_FEATURES)
    if unknown:
        raise InvalidInput(f"mapping {where} names unknown audio features: {sorted(unknown)}")
    return Mapping(
        name=str(spec.get("name") or where),
        kind=str(spec.get("kind") or "track"),
        source_type=spec.get("source_type"),
        null_values=frozenset(str(v) for v in spec.get("null_values", [""])),
        field_null_values={
            k: frozenset(str(v) for v in vs)
            for k, vs in (spec.get("field_null_values") or {}).items()
        },
        columns={str(k): str(v) for k, v in spec["columns"].items()},
        genre_columns=tuple(spec.get("genre_columns") or ()),
        audio_feature_columns={str(k): str(v) for k, v in features.items()},
        templates={str(k): str(v) for k, v in (spec.get("templates") or {}).items()},
    )


def _fill_template(template: str, fields: dict[str, Any]) -> str | None:
    quoting: Callable[[str], str] = (
        (lambda v: quote(v, safe="")) if template.startswith("http") else (lambda v: v)
    )
    try:
        return template.format_map({k: quoting(str(v)) for k, v in fields.items() if v})
    except KeyError:
        return None


def _cell_reader(mapping: Mapping, cells: dict[str, Any]) -> Callable[[str, str], Any]:
    nulls, field_nulls = mapping.null_values, mapping.field_null_values

    def cell(column: str, record_field: str) -> Any:
        value = cells.get(column)
        if isinstance(value, str) and (
            value in nulls or (field_nulls and value in field_nulls.get(record_field, ()))
        ):
            return None
        return value

    return cell


def apply_mapping(mapping: Mapping, cells: dict[str, Any]) -> dict[str, Any]:
    """Record fields from one row's cells (CSV header -> value, or a JSON object)."""
    cell = _cell_reader(mapping, cells)
    fields = {name: cell(column, name) for name, column in mapping.columns.items()}
    fields.setdefault("kind", mapping.kind)
    fields["kind"] = fields["kind"] or mapping.kind
    if not fields.get("source_type"):
        fields["source_type"] = mapping.source_type
    genres = [cell(column, "genres") for column in mapping.genre_columns]
    native_genres = cells.get("genres") if mapping.native else None
    if isinstance(native_genres, str):
        genres += native_genres.split("|")
    elif isinstance(native_genres, list):
        genres += native_genres
    fields["genres"] = [g for g in genres if g is not None]
    native_features = cells.get("audio_features") if mapping.native else None
    if native_features is not None:
        fields["audio_features"] = native_features
    else:
        features = {n: cell(c, n) for n, c in mapping.audio_feature_columns.items()}
        features = {n: v for n, v in features.items() if v is not None}
        fields["audio_features"] = features or None
    for name, template in mapping.templates.items():
        if not fields.get(name):
            fields[name] = _fill_template(template, fields)
    return fields


@dataclass
class SourceRow:
    """One row of the input: where it starts, what it said, and its fields or why not."""

    line_no: int
    raw: Any
    fields: dict[str, Any] | None
    problem: str | None


PROGRESS_STEP_BYTES = 256 * 1024


class ProgressFile:
    """A binary file read line by line, counting the bytes consumed for the progress bar.

    `on_progress(consumed, size)` is called as the file is read (every PROGRESS_STEP_BYTES),
    so a bar moves with the work, not once per committed batch.
    """

    def __init__(self, path: Path, on_progress: Callable[[int, int], None] | None = None) -> None:
        self.path = path
        self.size = path.stat().st_size
        self.consumed = 0
        self.undecodable: set[int] = set()
        self.on_progress = on_progress

    def lines(self) -> Iterator[str]:
        reported = 0
        with self.path.open("rb") as handle:
            for number, raw in enumerate(handle, start=1):
                self.consumed += len(raw)
                if self.on_progress and self.consumed - reported >= PROGRESS_STEP_BYTES:
                    reported = self.consumed
                    self.on_progress(self.consumed, self.size)
                # A UTF-8 byte-order mark is the encoding's marker, not part of the header.
                line = raw.removeprefix(codecs.BOM_UTF8) if number == 1 else raw
                try:
                    yield line.decode("utf-8")
                except UnicodeDecodeError:
                    self.undecodable.add(number)
                    yield line.decode("utf-8", errors="replace")


def read_rows(source: ProgressFile, mapping: Mapping) -> Iterator[SourceRow]:
    """Every row of a CSV or JSON Lines file, mapped to record fields (or a problem)."""
    if source.path.suffix.lower() in JSON_LINES_SUFFIXES:
        return _json_lines(source, mapping)
    return _csv_rows(source, mapping)


def _json_lines(source: ProgressFile, mapping: Mapping) -> Iterator[SourceRow]:
    for line_no, line in enumerate(source.lines(), start=1):
        if not line.strip():
            continue
        try:
            cells = json_input.loads(line, what="the line")
        except InvalidInput as exc:
            yield SourceRow(line_no, line.rstrip("\n"), None, str(exc))
            continue
        if not isinstance(cells, dict):
            yield SourceRow(line_no, cells, None, "the line is not a JSON object")
            continue
        yield _mapped(source, line_no, cells, cells, mapping)


def _csv_rows(source: ProgressFile, mapping: Mapping) -> Iterator[SourceRow]:
    reader = csv.reader(source.lines())
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise InvalidInput(f"{source.path.name} is not a CSV file with a header ({exc})") from None
    if header is None:
        return
    duplicated = sorted({name for name in header if header.count(name) > 1})
    if duplicated:
        raise InvalidInput(
            f"{source.path.name}: the header names column(s) {', '.join(duplicated)} twice"
        )
    if mapping.native and not {"source_type", "source_id"} <= set(header):
        shown = ", ".join(header[:8]) + (", ..." if len(header) > 8 else "")
        raise InvalidInput(
            f"{source.path.name} is not a CSV of source records: its first line ({shown:.200}) "
            "names no source_type and source_id columns; if it is an export of a known shape, "
            f"name it with --format ({', '.join(shipped_formats())}), or describe its columns "
            "with --mapping FILE.yml"
        )
    missing = sorted({c for c in mapping.columns.values() if c not in header} - {""})
    if not mapping.native and missing:
        raise InvalidInput(
            f"{source.path.name} has no column(s) {', '.join(missing)} that mapping "
            f"{mapping.name!r} needs; its header is: {', '.join(header)}"
        )
    previous_end = reader.line_num
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            # One unreadable row (a stray carriage return, a field over the csv module's
            # limit) is that row's rejection; the reader carries on with the next line.
            line_no, previous_end = previous_end + 1, reader.line_num
            yield SourceRow(line_no, None, None, f"not readable as CSV: {exc}")
            continue
        line_no, previous_end = previous_end + 1, reader.line_num
        if len(row) != len(header):
            problem = f"has {len(row)} fields; the header has {len(header)}"
            yield SourceRow(line_no, row, None, problem)
            continue
        yield _mapped(source, line_no, row, dict(zip(header, row, strict=True)), mapping)


def _mapped(
    source: ProgressFile, line_no: int, raw: Any, cells: dict[str, Any], mapping: Mapping
) -> SourceRow:
    if line_no in source.undecodable:
        return SourceRow(line_no, raw, None, "the line is not valid UTF-8")
    try:
        return SourceRow(line_no, raw, apply_mapping(mapping, cells), None)
    except RecordRejected as exc:
        return SourceRow(line_no, raw, None, str(exc))
