"""One interaction event and the reasons it can be refused (reported through `rejects`).

Shape checks (types, ranges, known interaction type, JSON context) happen here, in Python,
before anything reaches the database; checks that need the database (does the user exist,
is the duration within the track's) happen set-based in `recording`.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from searxng_cool.db.models.users import INTERACTION_TYPES
from searxng_cool.rejects import Rejection, RejectSink

MAX_INT4 = 2**31 - 1
MAX_CONTEXT_CHARS = 64 * 1024
UNIX_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_KNOWN_TYPES = frozenset(INTERACTION_TYPES)


@dataclass(frozen=True, slots=True)
class InteractionEvent:
    """What happened: `user_id` did `interaction_type` to `track_id` at `created_at`.

    `created_at` None means now (the transaction's time); a naive datetime is taken as UTC.
    `line` is where the event came from (file line, scrobble row), used in rejection reports.
    """

    user_id: int
    track_id: int
    interaction_type: str
    play_duration_ms: int | None = None
    context: dict[str, Any] | None = None
    created_at: datetime | None = None
    line: int | None = None


@dataclass
class RejectCounter:
    """Counts rejections by code and passes them on to the caller's sink, if any."""

    sink: RejectSink | None
    by_code: Counter[str] = field(default_factory=Counter)

    def reject(self, rejection: Rejection) -> None:
        self.by_code[rejection.code] += 1
        if self.sink is not None:
            self.sink.reject(rejection)


def _id_problem(name: str, value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return f"{name} must be a whole number, got {_show(value)}"
    if not 1 <= value <= MAX_INT4:
        return f"{name} {value} is out of range 1..{MAX_INT4}"
    return None


def _show(value: object) -> str:
    shown = repr(value)
    return shown if len(shown) <= 80 else shown[:77] + "..."


def _encoding_problem(context: dict[str, Any]) -> tuple[str, str | None]:
    """The context as JSON text, or the reason it cannot be stored."""
    try:
        encoded = json.dumps(context, ensure_ascii=False, allow_nan=False)
        encoded.encode("utf-8")
    except UnicodeEncodeError:
        return "", "context holds text that is not valid Unicode (a lone surrogate)"
    except (TypeError, ValueError, RecursionError) as exc:
        return "", f"context is not JSON: {exc}"
    return encoded, None


def _context_problem(context: object) -> str | None:
    if context is None or context == {}:
        return None
    if not isinstance(context, dict):
        return f"context must be a JSON object, got {_show(context)}"
    encoded, problem = _encoding_problem(context)
    if problem is None and len(encoded) > MAX_CONTEXT_CHARS:
        problem = f"context is {len(encoded)} characters; at most {MAX_CONTEXT_CHARS} are kept"
    # json.dumps escapes U+0000 as the six characters \u0000, which jsonb refuses to store.
    if problem is None and "\\u0000" in encoded:
        problem = "context holds a NUL character (U+0000), which PostgreSQL cannot store"
    return problem


def _duration_problem(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        return f"play_duration_ms must be a whole number of milliseconds, got {_show(value)}"
    if not 0 <= value <= MAX_INT4:
        return f"play_duration_ms {value} is out of range 0..{MAX_INT4}"
    return None


def _time_problem(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, datetime):
        return f"created_at must be a timestamp, got {_show(value)}"
    if as_utc(value) <= UNIX_EPOCH:
        return f"created_at {value.isoformat()} is at or before the Unix epoch: not a real time"
    return None


def as_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def shape_problem(event: InteractionEvent) -> tuple[str, str] | None:
    """(code, reason) when the event cannot be an interaction whatever the database holds."""
    for name, value in (("user_id", event.user_id), ("track_id", event.track_id)):
        problem = _id_problem(name, value)
        if problem:
            return "bad_id", problem
    if not isinstance(event.interaction_type, str) or event.interaction_type not in _KNOWN_TYPES:
        known = ", ".join(INTERACTION_TYPES)
        return "bad_type", f"interaction_type {_show(event.interaction_type)} is not one of {known}"
    problem = _duration_problem(event.play_duration_ms)
    if problem:
        return "bad_duration", problem
    problem = _context_problem(event.context)
    if problem:
        return "bad_context", problem
    problem = _time_problem(event.created_at)
    if problem:
        return "bad_time", problem
    return None
