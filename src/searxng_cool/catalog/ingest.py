"""Bulk ingest of a source file: validate, stage, resolve, upsert — one transaction per batch.

This is a batch job, so it is given an Engine and opens (and commits) one transaction per
batch itself: that edge is what makes a killed run lose nothing it had committed. A re-run
of the same file finds every committed record already mapped and counts it unchanged;
together with merges that only ever add information, that makes re-runs converge on the
catalog an uninterrupted run would have built.

Rows that cannot be read or validated go to the caller's reject sink (the rejects file of
`searxng_cool.rejects`: line, code, reason, input) and are counted; nothing is dropped
without a trace.
"""

from __future__ import annotations

import queue
import re
import threading
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine

from searxng_cool.catalog.reader import Mapping, ProgressFile, SourceRow, read_rows
from searxng_cool.catalog.records import RecordRejected, SourceRecord, parse_record
from searxng_cool.catalog.resolve import BatchOutcome, load_batch
from searxng_cool.errors import InvalidInput, NotFound
from searxng_cool.rejects import Rejection, RejectSink

DEFAULT_BATCH_SIZE = 100_000
_VALUES_IN_REASON = re.compile(r"'[^']*'|\"[^\"]*\"|\d+")
MAX_BATCH_SIZE = 1_000_000

Progress = Callable[[int, int], None]


@dataclass
class IngestSummary:
    """Every row of the file, counted once: inserted + merged + unchanged + rejected."""

    inserted: int = 0
    merged: int = 0
    unchanged: int = 0
    rejected: int = 0
    batches: int = 0
    reject_reasons: dict[str, int] = field(default_factory=dict)
    rejects_path: Path | None = None  # where the rejects went, if any (set by the caller)

    @property
    def rows(self) -> int:
        return self.inserted + self.merged + self.unchanged + self.rejected

    def add(self, outcome: BatchOutcome) -> None:
        self.inserted += outcome.inserted
        self.merged += outcome.merged
        self.unchanged += outcome.unchanged
        self.batches += 1


class CountedRejects:
    """Passes rejected rows on to the caller's sink and counts them in the summary."""

    def __init__(self, sink: RejectSink, summary: IngestSummary) -> None:
        self.sink = sink
        self.summary = summary

    def write(self, line_no: int, code: str, reason: str, row: Any) -> None:
        self.sink.reject(Rejection(line_no, code, reason, row))
        self.summary.rejected += 1
        # Reasons naming a value differ per row; the summary groups by the reason's kind.
        kind = reason.split(" ", maxsplit=1)[0] + " " + reason.rsplit(" ", maxsplit=1)[-1]
        self.summary.reject_reasons[kind] = self.summary.reject_reasons.get(kind, 0) + 1


def validated(rows: Iterator[SourceRow], rejects: CountedRejects) -> Iterator[SourceRecord]:
    for row in rows:
        if row.fields is None:
            rejects.write(row.line_no, "unreadable", row.problem or "unreadable row", row.raw)
            continue
        try:
            yield parse_record(row.fields, row.line_no)
        except RecordRejected as exc:
            rejects.write(row.line_no, "invalid", str(exc), row.raw)


def batches(records: Iterator[SourceRecord], size: int) -> Generator[list[SourceRecord]]:
    batch: list[SourceRecord] = []
    for record in records:
        batch.append(record)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


# How many validated batches may wait for the database while the next one is read: one is
# enough (reading a batch takes less time than loading it) and bounds memory to three batches.
READ_AHEAD = 1
_POLL_SECONDS = 0.5


class _Done:
    """The reader thread's last item: the end of the file, or the error that stopped it."""

    def __init__(self, error: BaseException | None = None) -> None:
        self.error = error


def read_ahead(produce: Generator[list[SourceRecord]]) -> Iterator[list[SourceRecord]]:
    """The batches of `produce`, read and validated in a thread while the caller loads.

    Reading and validating is Python work; loading a batch is mostly waiting for
    PostgreSQL (the driver releases the GIL while it waits), so the two overlap. Errors
    of the reader are raised here, in the caller; a caller that stops early stops the reader.
    """
    handoff: queue.Queue[list[SourceRecord] | _Done] = queue.Queue(maxsize=READ_AHEAD)
    stop = threading.Event()

    def put(item: list[SourceRecord] | _Done) -> bool:
        while not stop.is_set():
            try:
                handoff.put(item, timeout=_POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False

    def reader() -> None:
        try:
            for batch in produce:
                if not put(batch):
                    return
        except BaseException as exc:  # handed to the caller, raised there
            put(_Done(exc))
            return
        finally:
            produce.close()  # the file, whether the caller read to the end or not
        put(_Done())

    thread = threading.Thread(target=reader, name="ingest-reader", daemon=True)
    thread.start()
    try:
        while not isinstance(item := handoff.get(), _Done):
            yield item
        if item.error is not None:
            raise item.error
    finally:
        stop.set()
        thread.join()


AfterLoad = Callable[[Connection, list[SourceRecord]], None]


def commit_batch(
    engine: Engine, *, batch: list[SourceRecord], after_load: AfterLoad | None = None
) -> BatchOutcome:
    """One batch in one transaction, committed on success and rolled back on any error.

    `after_load` runs after `load_batch` in the same transaction, so whatever it derives from
    the batch (Last.fm scrobbles becoming plays) commits or rolls back with the catalog rows.
    Search documents need no call here: triggers keep them current.
    """
    with engine.begin() as connection:
        outcome = load_batch(connection, records=batch)
        if after_load is not None:
            after_load(connection, batch)
        return outcome


def ingest_file(
    engine: Engine,
    *,
    path: Path,
    mapping: Mapping,
    rejects: RejectSink,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Progress | None = None,
    after_load: AfterLoad | None = None,
) -> IngestSummary:
    """Load `path` into the catalog, committing one transaction per batch on `engine`.

    `progress(bytes_read, size)` is called as the file is read (from the reading thread).
    """
    if not path.is_file():
        raise NotFound(f"input file {path} does not exist")
    if not 1 <= batch_size <= MAX_BATCH_SIZE:
        raise InvalidInput(f"batch size {batch_size} is outside 1..{MAX_BATCH_SIZE}")
    summary = IngestSummary()
    source = ProgressFile(path, on_progress=progress)
    counted = CountedRejects(rejects, summary)
    produce = batches(validated(read_rows(source, mapping), counted), batch_size)
    for batch in read_ahead(produce):
        summary.add(commit_batch(engine, batch=batch, after_load=after_load))
        if progress:
            progress(source.consumed, source.size)
    if progress:
        progress(source.size, source.size)
    return summary
