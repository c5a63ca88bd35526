"""Personal API tokens: made, listed, revoked, and checked on every request.

A token is `sxc_` plus 32 random bytes (URL-safe base64), shown once when made and
stored only as its SHA-256: a fast hash is enough for a secret with 256 bits of entropy.
Revoking deletes the row, so the very next request with that token is refused.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, RowMapping, text

from searxng_cool.accounts.registry import Account, get_account, storable
from searxng_cool.errors import InvalidInput, NotFound, Unauthenticated

TOKEN_PREFIX = "sxc_"
TOKEN_BYTES = 32
MAX_LABEL = 100
# Longer than any token we make; anything longer is refused before hashing.
MAX_TOKEN_TEXT = 200
# last_used_at is written at most once a minute per token, and never waits for a lock:
# concurrent requests with one token must not queue behind each other's row lock.
LAST_USED_PRECISION = "1 minute"


@dataclass(frozen=True)
class IssuedToken:
    id: int
    token: str
    label: str | None
    created_at: datetime
    expires_at: datetime | None


@dataclass(frozen=True)
class TokenInfo:
    id: int
    label: str | None
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _label(label: str | None) -> str | None:
    if label is None:
        return None
    if (
        not isinstance(label, str)
        or not label.strip()
        or len(label) > MAX_LABEL
        or not storable(label)
        or not label.isprintable()
    ):
        raise InvalidInput(
            f"token label {label[:60]!r} is not valid: 1-{MAX_LABEL} printable characters"
            if isinstance(label, str)
            else f"token label {label!r} is not text"
        )
    return label


def _expiry(expires_at: datetime | None) -> datetime | None:
    if expires_at is None:
        return None
    if not isinstance(expires_at, datetime) or expires_at.tzinfo is None:
        raise InvalidInput(f"token expiry {expires_at!r} must be a date and time with a time zone")
    if expires_at <= datetime.now(UTC):
        raise InvalidInput(
            f"token expiry {expires_at.isoformat()} is in the past; give a later one"
        )
    return expires_at


def create_token(
    connection: Connection,
    *,
    user_id: int,
    label: str | None = None,
    expires_at: datetime | None = None,
) -> IssuedToken:
    """A new token for the user; its text is in the result and nowhere else, ever."""
    account = get_account(connection, user=user_id)
    token = TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)
    row = (
        connection.execute(
            text(
                "INSERT INTO api_tokens (user_id, token_hash, label, expires_at)"
                " VALUES (:user_id, :hash, :label, :expires_at)"
                " RETURNING id, label, created_at, expires_at"
            ),
            {
                "user_id": account.id,
                "hash": token_hash(token),
                "label": _label(label),
                "expires_at": _expiry(expires_at),
            },
        )
        .mappings()
        .one()
    )
    return IssuedToken(
        id=int(row["id"]),
        token=token,
        label=row["label"],
        created_at=row["created_at"],
        expires_at=row["expires_at"],
    )


def _info(row: RowMapping) -> TokenInfo:
    return TokenInfo(
        id=int(row["id"]),
        label=row["label"],
        created_at=row["created_at"],
        last_used_at=row["last_used_at"],
        expires_at=row["expires_at"],
    )


def list_tokens(connection: Connection, *, user_id: int) -> list[TokenInfo]:
    """The user's tokens (expired ones too, until revoked), oldest first; never their text."""
    account = get_account(connection, user=user_id)
    rows = connection.execute(
        text(
            "SELECT id, label, created_at, last_used_at, expires_at FROM api_tokens"
            " WHERE user_id = :user_id ORDER BY created_at, id"
        ),
        {"user_id": account.id},
    ).mappings()
    return [_info(row) for row in rows]


def revoke_token(connection: Connection, *, user_id: int, token_id: int) -> None:
    """Delete one of the user's tokens; NotFound when the user has no token with that id."""
    if isinstance(token_id, bool) or not isinstance(token_id, int) or not 0 < token_id < 2**63:
        raise InvalidInput(f"token id {token_id!r} is not valid: a whole number from 1")
    gone = connection.execute(
        text("DELETE FROM api_tokens WHERE id = :id AND user_id = :user_id RETURNING id"),
        {"id": token_id, "user_id": user_id},
    ).scalar_one_or_none()
    if gone is None:
        raise NotFound(f"token {token_id} is not one of this user's tokens; list them to see ids")


def token_owner(connection: Connection, *, token_id: int) -> int:
    """The id of the user a token belongs to (for the operator's `tokens revoke ID`)."""
    if isinstance(token_id, bool) or not isinstance(token_id, int) or not 0 < token_id < 2**63:
        raise InvalidInput(f"token id {token_id!r} is not valid: a whole number from 1")
    owner = connection.execute(
        text("SELECT user_id FROM api_tokens WHERE id = :id"), {"id": token_id}
    ).scalar_one_or_none()
    if owner is None:
        raise NotFound(f"token {token_id} does not exist; `tokens list USER` shows a user's tokens")
    return int(owner)


def authenticate_token(connection: Connection, *, token: str) -> Account:
    """The active account a token belongs to; Unauthenticated when unknown, revoked or expired.

    Records the use in last_used_at (to the minute, skipping a row another request holds).
    """
    refused = Unauthenticated("the token is not valid: it is unknown, revoked or expired")
    if not isinstance(token, str) or not 0 < len(token) <= MAX_TOKEN_TEXT or not token.isascii():
        raise refused
    row = (
        connection.execute(
            text(
                "SELECT t.id AS token_id, u.id, u.username, u.email, u.is_admin, u.created_at"
                "  FROM api_tokens t JOIN users u ON u.id = t.user_id"
                " WHERE t.token_hash = :hash AND u.is_active"
                "   AND (t.expires_at IS NULL OR t.expires_at > now())"
            ),
            {"hash": token_hash(token)},
        )
        .mappings()
        .one_or_none()
    )
    if row is None:
        raise refused
    connection.execute(
        text(
            "UPDATE api_tokens SET last_used_at = now() WHERE id IN ("
            "  SELECT id FROM api_tokens WHERE id = :id"
            f"   AND (last_used_at IS NULL OR last_used_at < now() - interval '{LAST_USED_PRECISION}')"
            "  FOR UPDATE SKIP LOCKED)"
        ),
        {"id": row["token_id"]},
    )
    return Account(
        id=int(row["id"]),
        username=str(row["username"]),
        email=str(row["email"]),
        is_admin=bool(row["is_admin"]),
        created_at=row["created_at"],
    )
