"""A user's own interaction log, newest first, a keyset page at a time."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, text

from searxng_cool.errors import InvalidInput

MAX_PAGE = 100


@dataclass(frozen=True)
class Interaction:
    id: int
    track_id: int
    interaction_type: str
    play_duration_ms: int | None
    context: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True)
class InteractionPage:
    items: list[Interaction]
    next_cursor: str | None


def _encode(created_at: datetime, row_id: int) -> str:
    raw = json.dumps([created_at.isoformat(), row_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        moment, row_id = json.loads(raw)
        parsed = datetime.fromisoformat(moment)
        if not isinstance(row_id, int) or parsed.tzinfo is None:
            raise ValueError
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        raise InvalidInput(
            f"cursor {cursor[:40]!r} is not a cursor of this list; pass the `next` of the"
            " previous page, or none for the first page"
        ) from None
    return parsed, row_id


def list_interactions(
    connection: Connection,
    *,
    user_id: int,
    limit: int = 50,
    cursor: str | None = None,
    interaction_type: str | None = None,
) -> InteractionPage:
    """One page of the user's interactions, newest first; `cursor` continues a page."""
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"page size {limit} is out of range 1..{MAX_PAGE}")
    after = _decode(cursor) if cursor else None
    rows = connection.execute(
        text(
            "SELECT id, track_id, interaction_type, play_duration_ms, context, created_at"
            " FROM user_interactions WHERE user_id = :user"
            " AND (CAST(:type AS text) IS NULL OR interaction_type = :type)"
            " AND (CAST(:at AS timestamptz) IS NULL OR (created_at, id) < (:at, :id))"
            " ORDER BY created_at DESC, id DESC LIMIT :limit"
        ),
        {
            "user": user_id,
            "type": interaction_type,
            "at": after[0] if after else None,
            "id": after[1] if after else 0,
            "limit": limit + 1,
        },
    ).all()
    items = [
        Interaction(
            int(r.id),
            int(r.track_id),
            r.interaction_type,
            r.play_duration_ms,
            dict(r.context),
            r.created_at,
        )
        for r in rows[:limit]
    ]
    more = len(rows) > limit
    return InteractionPage(
        items=items, next_cursor=_encode(items[-1].created_at, items[-1].id) if more else None
    )
