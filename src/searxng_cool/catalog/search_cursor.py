"""Opaque keyset cursors for search pages.

A cursor is the sort key of the last result shown (score, kind, id) plus a fingerprint of
the query and filters it belongs to, so that a cursor from one search is refused by
another instead of silently returning the wrong page.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass

from searxng_cool.errors import InvalidInput

CURSOR_VERSION = 1


@dataclass(frozen=True)
class SortKey:
    """Where a page ended, in the search's order (score DESC, kind DESC, id DESC)."""

    score: float
    kind: str
    entity_id: int


def fingerprint(*parts: object) -> str:
    """A short digest of what a search was asked, to tie its cursors to it."""
    return hashlib.sha256(repr(parts).encode("utf-8", "replace")).hexdigest()[:16]


def encode(key: SortKey, *, search_fingerprint: str) -> str:
    payload = [CURSOR_VERSION, search_fingerprint, key.score, key.kind, key.entity_id]
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str, *, search_fingerprint: str) -> SortKey:
    """The sort key a cursor carries; InvalidInput when it is damaged or from another search."""
    bad = InvalidInput(
        f"cursor {cursor[:40]!r} is not a cursor of this search; pass the next cursor "
        "printed by the previous page of the same query and filters, or none for page one"
    )
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        version, made_for, score, kind, entity_id = json.loads(raw)
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError) as exc:
        raise bad from exc
    valid = (
        version == CURSOR_VERSION
        and made_for == search_fingerprint
        and isinstance(score, int | float)
        and isinstance(kind, str)
        and isinstance(entity_id, int)
    )
    if not valid:
        raise bad
    return SortKey(score=float(score), kind=kind, entity_id=entity_id)
