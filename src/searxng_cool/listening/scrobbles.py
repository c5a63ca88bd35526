"""A Last.fm scrobble history becomes one listener's plays, batch by batch with the catalog.

`ingest FILE --format lastfm-scrobbles --user NAME` resolves each scrobble's track through
the catalog ingest (creating unknown tracks) and, in the same transaction, records each
scrobble as a play at its own time. Re-running the file records nothing twice: a play of
the same track by the same listener at the same instant is already in the log.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, text

from searxng_cool.catalog.records import SourceRecord
from searxng_cool.catalog.resolve import batch_track_ids
from searxng_cool.listening.events import InteractionEvent
from searxng_cool.listening.recording import record_batch
from searxng_cool.rejects import Rejection, RejectSink

NO_TIMESTAMP = "timestamp 0 (1970-01-01) is not a real play: the scrobble has no time"

_ALREADY_RECORDED = text(
    "SELECT track_id, created_at FROM user_interactions"
    " WHERE user_id = :user AND interaction_type = 'play' AND created_at = ANY(:times)"
)


@dataclass
class ScrobblePlays:
    """The `after_load` hook of catalog ingest that records a batch's scrobbles as plays."""

    user_id: int
    rejects: RejectSink
    recorded: int = 0
    already_recorded: int = 0
    rejected_by_code: dict[str, int] = field(default_factory=dict)

    def __call__(self, connection: Connection, batch: list[SourceRecord]) -> None:
        track_ids = batch_track_ids(connection)
        timed = [r for r in batch if r.played_at is not None and r.line_no in track_ids]
        seen = self._already_recorded(connection, [r.played_at for r in timed if r.played_at])
        events: list[InteractionEvent | Rejection] = []
        for record in batch:
            if record.played_at is None:
                events.append(Rejection(record.line_no, "no-timestamp", NO_TIMESTAMP))
            elif record.line_no not in track_ids:
                reason = "the scrobble's track could not be resolved in the catalog"
                events.append(Rejection(record.line_no, "unresolved", reason))
            elif (track_ids[record.line_no], record.played_at) in seen:
                self.already_recorded += 1
            else:
                events.append(self._play(record, track_ids[record.line_no]))
        report = record_batch(connection, events=events, rejects=self.rejects)
        self.recorded += report.accepted
        self.already_recorded += report.already_recorded
        for code, count in report.rejected_by_code.items():
            self.rejected_by_code[code] = self.rejected_by_code.get(code, 0) + count

    def _play(self, record: SourceRecord, track_id: int) -> InteractionEvent:
        return InteractionEvent(
            user_id=self.user_id,
            track_id=track_id,
            interaction_type="play",
            context={"source": "lastfm", "scrobble": record.source_id},
            created_at=record.played_at,
            line=record.line_no,
        )

    def _already_recorded(
        self, connection: Connection, times: list[datetime]
    ) -> set[tuple[int, datetime]]:
        if not times:
            return set()
        rows = connection.execute(_ALREADY_RECORDED, {"user": self.user_id, "times": times})
        return {(int(track), created) for track, created in rows}
